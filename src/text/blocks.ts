import type { MarkedToken, Token, Tokens } from "marked";
import { htmlToText } from "./html.js";
import { plainText, renderInline } from "./inline.js";

/**
 * Renders Markdown block tokens as plain-text blocks for WeChat. Each block is a string of lines; the caller joins
 * top-level blocks with a blank line, which keeps the answer's paragraph structure.
 */

/** Headings up to this level get 【】 around them; deeper ones are just a line of their own. */
const BRACKETED_HEADING_DEPTH = 3;
const RULE = "──────────";
/**
 * Whitespace runs; those holding a line break become one space (headings and table cells are one line). Matching
 * whole runs keeps this linear; the pattern "blanks, line break, blanks" retried from every blank of a long run
 * without a line break.
 */
const LINE_BREAK_WITH_BLANKS = /\s+/g;
const joinLine = (blanks: string): string => (blanks.includes("\n") ? " " : blanks);
/** Bullets by list nesting depth; the last one repeats for deeper levels. */
const BULLETS = ["•", "◦", "▪"] as const;

/** Renders a sequence of block tokens; `listDepth` counts the lists around them (for bullet shapes). */
export function renderBlocks(tokens: readonly Token[], listDepth: number): string[] {
  const blocks: string[] = [];
  for (const token of tokens) {
    const block = renderBlock(token, listDepth);
    if (block.trim() !== "") blocks.push(block);
  }
  return blocks;
}

function renderBlock(token: Token, listDepth: number): string {
  const known = token as MarkedToken;
  switch (known.type) {
    case "space":
    case "def":
      return "";
    case "paragraph":
      return renderInline(known.tokens);
    case "text":
      // Tight list items hold "text" blocks with inline children.
      return known.tokens !== undefined ? renderInline(known.tokens) : plainText(known.text);
    case "heading": {
      const text = renderInline(known.tokens).replace(LINE_BREAK_WITH_BLANKS, joinLine).trim();
      return known.depth <= BRACKETED_HEADING_DEPTH ? `【${text}】` : text;
    }
    case "code":
      // Verbatim: code is read line by line, so no marker or reflow may touch it.
      return known.text;
    case "blockquote":
      return prefixLines(renderBlocks(known.tokens, listDepth).join("\n\n"), "> ", ">");
    case "list":
      return renderList(known, listDepth);
    case "table":
      return renderTable(known);
    case "hr":
      return RULE;
    case "html":
      return htmlToText(known.text);
    default:
      return renderUnknown(token, listDepth);
  }
}

/** "• item" / "1. item"; an item's further lines are indented under its text, which also nests sublists. */
function renderList(list: Tokens.List, listDepth: number): string {
  const first = typeof list.start === "number" ? list.start : 1;
  const bullet = BULLETS[Math.min(listDepth, BULLETS.length - 1)] ?? "•";
  const items = list.items.map((item, index) => {
    const marker = list.ordered ? `${first + index}.` : bullet;
    const task = item.task ? (item.checked === true ? "☑ " : "☐ ") : "";
    const body = renderBlocks(item.tokens, listDepth + 1).join(item.loose ? "\n\n" : "\n");
    const [head = "", ...rest] = (task + body).split("\n");
    const indent = " ".repeat(marker.length + 1);
    return [`${marker} ${head}`, ...rest.map((line) => (line === "" ? "" : indent + line))].join("\n");
  });
  return items.join(list.loose ? "\n\n" : "\n");
}

/** One line per row, cells separated by " | ", header first: readable on a phone without any alignment. */
function renderTable(table: Tokens.Table): string {
  const row = (cells: readonly Tokens.TableCell[]): string =>
    cells.map((cell) => renderInline(cell.tokens).replace(LINE_BREAK_WITH_BLANKS, joinLine).trim()).join(" | ");
  return [row(table.header), ...table.rows.map(row)].join("\n");
}

function prefixLines(text: string, prefix: string, blankPrefix: string): string {
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? blankPrefix : prefix + line))
    .join("\n");
}

/** Extension tokens (none are registered today) still show their content rather than vanish. */
function renderUnknown(token: Token, listDepth: number): string {
  const generic = token as Tokens.Generic;
  if (Array.isArray(generic.tokens)) return renderBlocks(generic.tokens, listDepth).join("\n\n");
  const text: unknown = generic.text;
  return typeof text === "string" ? plainText(text) : "";
}
