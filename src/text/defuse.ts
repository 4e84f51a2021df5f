import { FenceTracker } from "./fences.js";

/**
 * Markdown that would send marked's lexer into superlinear time is made harmless before lexing. Measured on
 * marked 18: one paragraph of `"_a"` × 10,000 takes ~1 s (every delimiter looks for its closer to the end of the
 * paragraph), `"**"` × 5,000 around a word and a line of 4,000 `>` overflow the stack (one nesting level per marker).
 * Within a bounded number of delimiters per paragraph and a bounded nesting depth, lexing is linear.
 *
 * So, line by line and outside code fences: a paragraph-like run of lines (a paragraph, a list item's text, a heading,
 * a table row) with more than MAX_DELIMITERS emphasis characters (`*`, `_`, `~`) gets them all replaced by
 * placeholders, and container markers (`>`, list bullets and numbers) nested deeper than MAX_NESTING on one line are
 * replaced the same way. The placeholders are Unicode noncharacters, which marked reads as letters; `restoreDefused`
 * turns them back into the characters they stand for after rendering, so those parts read as written (no emphasis
 * removed, no nesting), code spans and URLs inside them included. Ordinary answers are left exactly as they are.
 */

/** More emphasis characters than this in one run of lines: the run is shown as written. */
export const MAX_DELIMITERS = 200;
/** Container markers nested deeper than this on one line are shown as written. */
export const MAX_NESTING = 6;

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  "*": "\uFDD0",
  _: "\uFDD1",
  "~": "\uFDD2",
  ">": "\uFDD3",
  "-": "\uFDD4",
  "+": "\uFDD5",
  ".": "\uFDD6",
  ")": "\uFDD7",
};
const ORIGINALS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PLACEHOLDERS).map(([original, placeholder]) => [placeholder, original]),
);
const PLACEHOLDER_CHARS = /[\uFDD0-\uFDD7]/g;
const DELIMITERS = /[*_~]/g;

/** One container marker: `>`, `-`, `*`, `+` or `1.` / `1)`, each but `>` followed by a blank or the line's end. */
const CONTAINER = /[ \t]*(>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/y;
/** A thematic break (`---`, `* * *`): its markers are not nesting. */
const RULE = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
/** A table's delimiter row (`|---|:-:|`), which makes the line before it a header and the lines after it rows. */
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/**
 * Replaces the emphasis characters of over-long runs and over-deep container markers by placeholders (see above).
 * Linear in the length of `markdown`. Noncharacters U+FDD0–U+FDD7 already in the text become U+FFFD, so that
 * restoring cannot mistake them for placeholders.
 */
export function defuseMarkdown(markdown: string): string {
  // Line ends as marked reads them (it turns \r\n and \r into \n first), so fences and rows are seen alike here.
  const lines = markdown.replace(PLACEHOLDER_CHARS, "\uFFFD").replace(/\r\n?/g, "\n").split("\n");
  const fences = new FenceTracker();
  const run = new Run(lines);
  let inTable = false;
  for (let index = 0; index < lines.length; index += 1) {
    const original = lines[index] ?? "";
    if (fences.isCode(original)) {
      run.end();
      inTable = false;
      continue;
    }
    const { line, contentStart, listItem } = limitNesting(original);
    lines[index] = line;
    const content = line.slice(contentStart);
    if (content.trim() === "") {
      run.end();
      inTable = false;
      continue;
    }
    const tableHeader = !inTable && content.includes("|") && TABLE_DELIMITER_ROW.test(lines[index + 1] ?? "");
    // marked lexes each of these on its own: a list item's text, a heading, a table row (cell by cell).
    const ownRun = listItem || content.startsWith("#") || inTable || tableHeader;
    if (ownRun) run.end();
    run.add(index, contentStart, content);
    if (ownRun) run.end();
    if (tableHeader) inTable = true;
  }
  run.end();
  return lines.join("\n");
}

/** Puts back the characters that defuseMarkdown replaced. */
export function restoreDefused(text: string): string {
  return text.replace(PLACEHOLDER_CHARS, (placeholder) => ORIGINALS[placeholder] ?? placeholder);
}

/** Lines that marked will lex as one inline text, with their emphasis characters counted. */
class Run {
  #lines: number[] = [];
  #starts: number[] = [];
  #delimiters = 0;

  constructor(private readonly text: string[]) {}

  add(index: number, contentStart: number, content: string): void {
    this.#lines.push(index);
    this.#starts.push(contentStart);
    for (let at = 0; at < content.length; at += 1) {
      const code = content.charCodeAt(at);
      if (code === 0x2a || code === 0x5f || code === 0x7e) this.#delimiters += 1;
    }
  }

  end(): void {
    if (this.#delimiters > MAX_DELIMITERS) {
      this.#lines.forEach((index, i) => {
        const line = this.text[index] ?? "";
        const start = this.#starts[i] ?? 0;
        this.text[index] = line.slice(0, start) + line.slice(start).replace(DELIMITERS, (c) => PLACEHOLDERS[c] ?? c);
      });
    }
    this.#lines = [];
    this.#starts = [];
    this.#delimiters = 0;
  }
}

/** Hides the container markers past MAX_NESTING; tells where the line's content starts and if it opens a list item. */
function limitNesting(line: string): { line: string; contentStart: number; listItem: boolean } {
  const markers: Array<{ at: number; marker: string }> = [];
  let at = 0;
  for (;;) {
    CONTAINER.lastIndex = at;
    const match = CONTAINER.exec(line);
    const marker = match?.[1];
    if (match === null || marker === undefined) break;
    at = CONTAINER.lastIndex;
    markers.push({ at: at - marker.length, marker });
  }
  if (markers.length > 0 && RULE.test(line)) return { line, contentStart: 0, listItem: false };
  const kept = markers.slice(0, MAX_NESTING);
  const listItem = kept.some((m) => m.marker !== ">");
  const last = kept.at(-1);
  let contentStart = last === undefined ? 0 : last.at + last.marker.length;
  while (line.charAt(contentStart) === " " || line.charAt(contentStart) === "\t") contentStart += 1;
  if (markers.length <= MAX_NESTING) return { line, contentStart, listItem };
  let hidden = "";
  let from = 0;
  for (const { at: markerAt, marker } of markers.slice(MAX_NESTING)) {
    // The character that makes it a marker: the bullet or `>` itself, or the `.`/`)` after a number.
    const position = markerAt + marker.length - 1;
    const char = line.charAt(position);
    hidden += line.slice(from, position) + (PLACEHOLDERS[char] ?? char);
    from = position + 1;
  }
  return { line: hidden + line.slice(from), contentStart, listItem };
}
