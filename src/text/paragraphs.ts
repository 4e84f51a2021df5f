import { utf8Length } from "./utf8.js";

/**
 * Progressive delivery of a streaming answer: while Dify is still writing, finished paragraphs can already go out.
 * A paragraph is finished once a blank line follows it — but not inside a code fence (the fence would arrive cut in
 * two) and not inside reasoning (<think> that has not closed yet), whose text must never reach the follower.
 */

/** An opening code fence: ``` or ~~~ (3 or more), possibly inside a block quote or a list item. */
const FENCE_OPEN = /^[ \t]*(?:>[ \t]?)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})(.*)$/;
/** A closing fence: only the fence characters and spaces on the line. */
const FENCE_CLOSE = /^[ \t]*(?:>[ \t]?)*(`{3,}|~{3,})[ \t]*$/;
const THINK_TAG = /<(\/?)think(?:ing)?\b[^>]*>/gi;

/**
 * Splits the *finished* head of a still-streaming answer for progressive delivery: returns the complete paragraphs
 * (ending with a blank line, the blank lines included) that together form at least `minBytes` UTF-8 bytes, and the
 * remaining tail; `done` is empty (and `rest` the whole text) if there is no paragraph boundary yet or the finished
 * paragraphs are still shorter than `minBytes`. Never cuts inside a code fence (open or closed) nor inside a
 * <think> block. `done + rest` always equals `textSoFar`.
 */
export function takeFinishedParagraphs(textSoFar: string, minBytes: number): { done: string; rest: string } {
  const cut = lastFinishedParagraphEnd(textSoFar);
  const done = textSoFar.slice(0, cut);
  if (cut === 0 || done.trim() === "" || utf8Length(done) < minBytes) return { done: "", rest: textSoFar };
  return { done, rest: textSoFar.slice(cut) };
}

/** Index just after the last blank line that ends a paragraph outside fences and reasoning; 0 when there is none. */
function lastFinishedParagraphEnd(text: string): number {
  let fence: { char: string; length: number } | undefined;
  let thinkDepth = 0;
  let end = 0;
  let lineStart = 0;
  while (lineStart < text.length) {
    const newline = text.indexOf("\n", lineStart);
    // The last line has no newline yet: it may still grow, so it ends nothing.
    if (newline === -1) break;
    const line = text.slice(lineStart, newline);
    lineStart = newline + 1;
    if (fence !== undefined) {
      const marker = FENCE_CLOSE.exec(line)?.[1];
      if (marker !== undefined && marker.startsWith(fence.char) && marker.length >= fence.length) fence = undefined;
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    const marker = open?.[1];
    // ```js``` on one line is inline code, not a fence: a backtick fence's info string has no backticks.
    if (marker !== undefined && !(marker.startsWith("`") && (open?.[2] ?? "").includes("`"))) {
      fence = { char: marker.charAt(0), length: marker.length };
      continue;
    }
    thinkDepth = Math.max(0, thinkDepth + thinkDepthChange(line));
    if (line.trim() === "" && thinkDepth === 0) end = lineStart;
  }
  return end;
}

function thinkDepthChange(line: string): number {
  let change = 0;
  for (const match of line.matchAll(THINK_TAG)) {
    if (line.charAt(match.index - 1) === "`") continue;
    change += match[1] === "/" ? -1 : 1;
  }
  return change;
}
