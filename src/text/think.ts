/**
 * Reasoning models (DeepSeek-R1, QwQ, Qwen3 …) put their chain of thought in the answer text between <think> tags;
 * older Dify versions wrapped it in `<details …><summary> Thinking... </summary> … </details>` instead. Followers
 * should only see the answer, so both are removed here, before any Markdown handling.
 */

/**
 * `<think>`, `</think>`, `<thinking>`, `</thinking>`, case-insensitive, attributes tolerated. Attributes stop at the
 * next `<` as well as at `>`: with `[^>]*`, every "<think" of a long text without any ">" rescanned the rest of it.
 */
export const THINK_TAG = /<(\/?)think(?:ing)?\b[^<>]*>/gi;

/** Dify's reasoning wrapper: a <details> whose summary is "Thinking...", up to its </details> or to the end. */
const DIFY_THINKING_DETAILS = /<details\b[^<>]*>\s*<summary>\s*Thinking\.{3}\s*<\/summary>[\s\S]*?(?:<\/details>|$)/gi;

/**
 * Removes <think>…</think> blocks (also a trailing unterminated one while streaming).
 *
 * Blocks may nest or repeat. An opening tag that is never closed hides everything after it, because while an answer
 * streams the reasoning is still being written. A closing tag with no opening tag before it — some providers drop
 * the opening one — hides everything before it when it is the first think tag in the text; later stray closing tags
 * are just removed. Tags written as inline code (right after a backtick) are left alone. Whitespace that only
 * separated a removed block from the answer goes with it.
 */
export function stripThinking(text: string): string {
  // Dify's wrapper becomes an ordinary think block so both share one set of rules below.
  const source = text.replace(DIFY_THINKING_DETAILS, (block) =>
    /<\/details>$/i.test(block) ? "<think></think>" : "<think>",
  );
  // Kept pieces are joined once at the end, and only their last character is ever looked at: re-reading a growing
  // string after each tag would make a text with many tags quadratic.
  let kept: string[] = [];
  let keptEndsBlank = true;
  const keep = (from: number, to: number): void => {
    if (to <= from) return;
    kept.push(source.slice(from, to));
    keptEndsBlank = isBlank(source.charAt(to - 1));
  };
  let depth = 0;
  let cursor = 0;
  let sawTag = false;
  for (const match of source.matchAll(THINK_TAG)) {
    const at = match.index;
    // A tag written as inline code (`<think>`) is an answer talking about tags, not reasoning.
    if (source.charAt(at - 1) === "`") continue;
    if (match[1] !== "/") {
      if (depth === 0) keep(cursor, at);
      depth += 1;
    } else if (depth > 0) {
      depth -= 1;
    } else if (sawTag) {
      keep(cursor, at);
    } else {
      kept = [];
      keptEndsBlank = true;
    }
    sawTag = true;
    cursor = at + match[0].length;
    // After a removed block, the whitespace that followed it goes too when the kept text is empty or ends in one.
    if (depth === 0 && keptEndsBlank) cursor = skipWhitespace(source, cursor);
  }
  if (!sawTag) return text;
  if (depth === 0) keep(cursor, source.length);
  return kept.join("");
}

function skipWhitespace(text: string, from: number): number {
  let at = from;
  while (at < text.length && isBlank(text.charAt(at))) at += 1;
  return at;
}

function isBlank(char: string): boolean {
  return /\s/.test(char);
}
