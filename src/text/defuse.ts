import { FenceTracker } from "./fences.js";

/**
 * Markdown that would send marked's lexer into superlinear time is made harmless before lexing. Measured on
 * marked 18: one paragraph of `"_a"` × 10,000 takes ~1 s (every delimiter looks for its closer to the end of the
 * paragraph), `"**"` × 5,000 around a word and a line of 4,000 `>` overflow the stack (one nesting level per marker).
 * A word of characters an e-mail address may hold (`!`, `` ` ``, `*`, `_`, `~` among them) costs its length at every
 * `!`, backtick or delimiter in it (GFM's autolink looks ahead for an `@`): 64,000 `!` take 2 s. Within a bounded
 * number of delimiters per paragraph, of such characters per word, and a bounded nesting depth, lexing is linear.
 * Also: a paragraph of `"a<!--"` × 12,800 or `"a<?b"` × 16,000 takes 150 ms, so a line with more than
 * MAX_STOPS_PER_WORD openings of comments, declarations or processing instructions gets their `<` replaced; and GFM
 * trims a bare URL by retrying from every `(` in it (450 ms for `"www.x]("` × 9,000), so the `(` of a blank-free run
 * longer than MAX_URLISH_WORD holding `://` or `www.` are replaced. Long answers are also lexed in bounded segments
 * (segments.ts), which bounds what block rules that look ahead over many lines can cost.
 *
 * So, line by line and outside code fences: a paragraph-like run of lines (a paragraph, a list item's text, a heading,
 * a table row) with more than MAX_DELIMITERS emphasis characters (`*`, `_`, `~`) gets them all replaced by
 * placeholders; so do the `!`, backticks and delimiters of a word holding more than MAX_STOPS_PER_WORD of them, and
 * container markers (`>`, list bullets and numbers) nested deeper than MAX_NESTING on one line. The placeholders are
 * Unicode noncharacters, which marked reads as letters; `restoreDefused` turns them back into the characters they
 * stand for after rendering, so those parts read as written (no emphasis removed, no nesting), code spans and URLs
 * inside them included. Ordinary answers are left exactly as they are.
 */

/** More emphasis characters than this in one run of lines: the run is shown as written. */
export const MAX_DELIMITERS = 200;
/** Container markers nested deeper than this on one line are shown as written. */
export const MAX_NESTING = 6;
/** More `!`, backticks and delimiters than this in one word (no blank in it): the word is shown as written. */
export const MAX_STOPS_PER_WORD = 32;
/** A run without blanks longer than this that holds a URL has its `(` shown as written. */
export const MAX_URLISH_WORD = 2_048;

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  "*": "\uFDD0",
  _: "\uFDD1",
  "~": "\uFDD2",
  ">": "\uFDD3",
  "-": "\uFDD4",
  "+": "\uFDD5",
  ".": "\uFDD6",
  ")": "\uFDD7",
  "!": "\uFDD8",
  "`": "\uFDD9",
  "<": "\uFDDA",
  "(": "\uFDDB",
};
const ORIGINALS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PLACEHOLDERS).map(([original, placeholder]) => [placeholder, original]),
);
const PLACEHOLDER_CHARS = /[\uFDD0-\uFDDB]/g;
/** Runs without blanks, each matched once (`\S{2049,}` would rescan every shorter run from each of its characters). */
const RUN = /\S+/g;
const URLISH = /:\/\/|www\./i;
/** Where inline HTML comments, declarations, CDATA and processing instructions open: each scans on for its end. */
const COMMENT_OPENING = /<(?=[!?])/g;
const DELIMITERS = /[*_~]/g;
/** A word as GFM's e-mail autolink reads one (its local part), long enough to hold too many stops. */
const LONG_WORD = new RegExp(`[A-Za-z0-9.!#$%&'*+/=?_\`{|}~-]{${MAX_STOPS_PER_WORD + 1},}`, "g");
/** The characters in such a word at which marked starts a new token. */
const STOPS = /[!`*_~]/g;

/** One container marker: `>`, `-`, `*`, `+` or `1.` / `1)`, each but `>` followed by a blank or the line's end. */
const CONTAINER = /[ \t]*(>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/y;
/** A thematic break (`---`, `* * *`): its markers are not nesting. */
const RULE = /^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
/** A table's delimiter row (`|---|:-:|`), which makes the line before it a header and the lines after it rows. */
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/**
 * Replaces the emphasis characters of over-long runs and over-deep container markers by placeholders (see above).
 * Linear in the length of `markdown`. Noncharacters U+FDD0–U+FDDB already in the text become U+FFFD, so that
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
    const nested = limitNesting(original);
    const { contentStart, listItem } = nested;
    const content = limitStopsPerWord(nested.line.slice(contentStart));
    const line = nested.line.slice(0, contentStart) + content;
    lines[index] = line;
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

/** Hides the stops of words holding too many, too many comment openings, and the `(` of very long URL-like runs. */
function limitStopsPerWord(line: string): string {
  if (line.length <= MAX_STOPS_PER_WORD) return line;
  const openings = line.match(COMMENT_OPENING)?.length ?? 0;
  let content = openings > MAX_STOPS_PER_WORD ? line.replace(COMMENT_OPENING, "\uFDDA") : line;
  if (content.length > MAX_URLISH_WORD) {
    content = content.replace(RUN, (run) =>
      run.length > MAX_URLISH_WORD && URLISH.test(run) ? run.replace(/\(/g, "\uFDDB") : run,
    );
  }
  return content.replace(LONG_WORD, (word) => {
    let stops = 0;
    for (let at = 0; at < word.length && stops <= MAX_STOPS_PER_WORD; at += 1) {
      const code = word.charCodeAt(at);
      if (code === 0x21 || code === 0x60 || code === 0x2a || code === 0x5f || code === 0x7e) stops += 1;
    }
    return stops > MAX_STOPS_PER_WORD ? word.replace(STOPS, (c) => PLACEHOLDERS[c] ?? c) : word;
  });
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
