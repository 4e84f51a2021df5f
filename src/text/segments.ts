import { FenceTracker } from "./fences.js";

/**
 * A long answer is lexed in segments of bounded size: whatever marked does on a pathological block (several of its
 * block rules look ahead over every following line, so some line patterns cost the square of their count), a
 * segment of at most a few hundred lines costs a bounded amount, and the whole answer costs time linear in its
 * length. Answers up to SEGMENT_LINES lines and SEGMENT_CHARS characters are one segment, lexed exactly as before.
 *
 * Where a segment ends, in order of preference, once it is full: before a line at column 0 that follows a blank line
 * (a new top-level block: the rendered segments are joined by a blank line, as blocks are); at twice the size,
 * before any line at column 0 that is not a heading underline (a paragraph or a tight list goes on: joined by a line
 * break, so "• a\n• b" stays one list to the reader and numbered items keep their numbers); at four times the size,
 * before any line. Never inside a code fence, nor inside a table shorter than four times the size (a table cut in two
 * loses its header for the rows after the cut).
 */

/** A segment is full at this many lines or characters. */
export const SEGMENT_LINES = 100;
export const SEGMENT_CHARS = 16_384;

/** A heading underline or table delimiter row: it belongs to the line before it. */
const ATTACHED_TO_PREVIOUS = /^(?:=+|-+|\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?)[ \t]*$/;
/** A table's delimiter row: the line before it is the header, and the rows run to the next blank line. */
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
/** A one-line link reference definition (`[1]: https://…`). */
const LINK_DEFINITION = /^ {0,3}\[[^\]\n]{1,999}\]:[ \t]*\S/;
/** Definitions longer than this in total are not repeated in every segment. */
const MAX_SHARED_DEFINITIONS = 4_096;

/** One piece of Markdown to lex on its own, and what joins its rendering to the piece before it. */
export interface Segment {
  text: string;
  joiner: "\n\n" | "\n";
}

/**
 * Cuts Markdown into segments (see above). When there are several, one-line link reference definitions are added to
 * every segment (up to 4 KiB of them), so `[text][1]` still finds a `[1]: …` written in another segment.
 */
export function segmentMarkdown(markdown: string): Segment[] {
  const lines = markdown.split("\n");
  const fences = new FenceTracker();
  const segments: Segment[] = [];
  const definitions: string[] = [];
  let start = 0;
  let chars = 0;
  let joiner: Segment["joiner"] = "\n\n";
  let previousBlank = false;
  let inTable = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    const count = index - start;
    const fullness = Math.max(count / SEGMENT_LINES, chars / SEGMENT_CHARS);
    if (!fences.open && (!inTable || fullness >= 4) && count > 0) {
      const topLevel = line !== "" && line.charAt(0) !== " " && line.charAt(0) !== "\t";
      const cut =
        fullness >= 4 ? "\n" : fullness >= 2 && topLevel && !ATTACHED_TO_PREVIOUS.test(line) ? "\n" : undefined;
      const atBlock = fullness >= 1 && topLevel && previousBlank ? "\n\n" : undefined;
      const chosen = atBlock ?? cut;
      if (chosen !== undefined) {
        segments.push({ text: lines.slice(start, index).join("\n"), joiner });
        joiner = chosen;
        start = index;
        chars = 0;
      }
    }
    const code = fences.isCode(line);
    if (!code && LINK_DEFINITION.test(line)) definitions.push(line);
    previousBlank = !code && line.trim() === "";
    if (previousBlank || !line.includes("|")) inTable = false;
    else if (!code && !inTable) inTable = TABLE_DELIMITER_ROW.test(lines[index + 1] ?? "");
    chars += line.length + 1;
  }
  segments.push({ text: lines.slice(start).join("\n"), joiner });
  const shared = definitions.join("\n");
  if (segments.length === 1 || shared === "" || shared.length > MAX_SHARED_DEFINITIONS) return segments;
  return segments.map((segment) => ({ ...segment, text: `${segment.text}\n\n${shared}` }));
}
