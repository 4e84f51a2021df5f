import { Lexer, type Token, type Tokens } from "marked";
import { renderBlocks } from "./blocks.js";
import { stripThinking } from "./think.js";

export { stripThinking };

/** GitHub-flavoured Markdown (tables, strikethrough, task lists, bare URLs) is what models write. */
const LEXER_OPTIONS = { gfm: true, breaks: false } as const;

/**
 * Turns an AI answer written in Markdown into text that reads well in WeChat (which shows plain text):
 * <think>…</think> reasoning removed (also an unterminated one); headings as 【text】 on their own line (levels 1–3,
 * deeper ones as plain lines); **bold**, *em*, ~~del~~ and `code` as their text; lists as "• item" / "1. item" with
 * nested items indented (◦ and ▪ bullets below the first level) and tasks as ☑/☐; block quotes as "> " lines;
 * fenced and indented code blocks verbatim; table rows as "a | b" lines, header first; links as "text (url)" (just
 * the url when text and url match, just the text for in-page anchors); images as their URL; horizontal rules as a
 * line; HTML tags dropped and entities decoded; paragraphs separated by one blank line; no trailing spaces.
 * Never throws: on a failure inside the Markdown parser the input comes back with only thinking removed.
 */
export function markdownToWechatText(markdown: string): string {
  if (typeof markdown !== "string") return "";
  let source = markdown;
  try {
    source = stripThinking(markdown);
    const blocks = renderBlocks(Lexer.lex(source, LEXER_OPTIONS), 0);
    return tidy(blocks.join("\n\n"));
  } catch {
    return tidy(source);
  }
}

/**
 * Image URLs found in the Markdown (![alt](url)) in order — for sending them as images later. Images inside
 * thinking are left out, and a URL that appears twice is listed once (at its first place). Never throws.
 */
export function markdownImageUrls(markdown: string): string[] {
  if (typeof markdown !== "string") return [];
  const urls = new Set<string>();
  try {
    collectImageUrls(Lexer.lex(stripThinking(markdown), LEXER_OPTIONS), urls);
  } catch {
    // A parser failure means no images we can trust; the text itself is still delivered.
  }
  return [...urls];
}

function collectImageUrls(tokens: readonly Token[], urls: Set<string>): void {
  for (const token of tokens) {
    if (token.type === "image") {
      const href = (token as Tokens.Image).href.trim();
      if (href !== "") urls.add(href);
    }
    for (const children of childTokenLists(token)) collectImageUrls(children, urls);
  }
}

/** Every list of tokens nested in a token: inline children, list items, table cells. */
function childTokenLists(token: Token): Token[][] {
  const lists: Token[][] = [];
  const generic = token as Tokens.Generic;
  if (Array.isArray(generic.tokens)) lists.push(generic.tokens);
  if (token.type === "list") lists.push((token as Tokens.List).items);
  if (token.type === "table") {
    const table = token as Tokens.Table;
    for (const cell of [...table.header, ...table.rows.flat()]) lists.push(cell.tokens);
  }
  return lists;
}

/**
 * No trailing spaces and no blank lines at either end. Runs of blank lines are left alone: only code blocks can
 * hold them here (HTML leftovers are tidied where they arise), and code stays as written.
 */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/^\n+/, "")
    .replace(/\n+$/, "");
}
