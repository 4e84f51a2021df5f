import { THINK_TAG } from "./think.js";
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

/**
 * Splits the *finished* head of a still-streaming answer for progressive delivery: returns the complete paragraphs
 * (ending with a blank line, the blank lines included) that together form at least `minBytes` UTF-8 bytes, and the
 * remaining tail; `done` is empty (and `rest` the whole text) if there is no paragraph boundary yet or the finished
 * paragraphs are still shorter than `minBytes`. Never cuts inside a code fence (open or closed) nor inside a
 * <think> block. `done + rest` always equals `textSoFar`.
 *
 * This reads the whole text; a caller that asks again on every streamed event should keep a ParagraphScanner.
 */
export function takeFinishedParagraphs(textSoFar: string, minBytes: number): { done: string; rest: string } {
  const done = new ParagraphScanner().take(textSoFar, minBytes);
  return { done, rest: textSoFar.slice(done.length) };
}

/**
 * The incremental form of takeFinishedParagraphs, for one streaming answer whose text only grows: each call reads
 * only what arrived since the previous one (every line is read once, and an unfinished last line is not searched
 * again), so asking on every streamed event costs time linear in the answer, not in the answer times the events.
 *
 * Contract: `scanner.take(textSoFar, minBytes)` returns exactly
 * `takeFinishedParagraphs(textSoFar.slice(scanner.offset), minBytes).done` (computed before the call), and moves
 * `offset` past what it returns. Each `textSoFar` must start with the previous call's `textSoFar` (Dify appended to
 * it); the scanner does not re-read old text to check this. When the text is replaced instead (`message_replace`, a
 * workflow's final outputs, a re-asked answer), start a new scanner for the new text.
 *
 * @example
 * const scanner = new ParagraphScanner();          // or new ParagraphScanner(offsetAlreadySent)
 * onText(textSoFar) {
 *   const done = scanner.take(textSoFar, minBytes); // "" while no finished paragraphs reach minBytes
 *   if (done !== "") send(done);                    // scanner.offset === where the unsent text now starts
 * }
 */
export class ParagraphScanner {
  #offset: number;
  /** Start of the first line not read yet. */
  #lineStart: number;
  /** Where to look for the next newline: the unfinished last line was already searched up to here. */
  #searchFrom: number;
  readonly #lines = new LineReader();
  /** Just after the last blank line that ends a paragraph at or after the offset; equals the offset when none. */
  #end: number;
  /** UTF-8 bytes of the text between the first offset and #lineStart, #end and #offset. */
  #bytesRead = 0;
  #bytesAtEnd = 0;
  #bytesAtOffset = 0;
  /** Start of the latest line with more than whitespace, and that of the latest one before #end (-1: none). */
  #lastContent = -1;
  #lastContentBeforeEnd = -1;

  /**
   * @param offset where the text not yet taken starts: 0 for a new answer, or the end of paragraphs already taken
   *   from this same text (a place takeFinishedParagraphs cut at, so no fence or reasoning is open there).
   */
  constructor(offset = 0) {
    this.#offset = offset;
    this.#lineStart = offset;
    this.#searchFrom = offset;
    this.#end = offset;
  }

  /** Index in the text where the part not yet taken starts (the constructor's offset plus all that take returned). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Reads the text that arrived since the last call and returns the finished paragraphs from `offset` on when they
   * reach `minBytes` UTF-8 bytes (advancing `offset` past them), else "" (offset unchanged). See the class contract.
   * @throws RangeError when `textSoFar` is shorter than the text already read (it was replaced, not extended).
   */
  take(textSoFar: string, minBytes: number): string {
    if (textSoFar.length < this.#searchFrom) {
      throw new RangeError("ParagraphScanner: the text is shorter than before; use a new scanner for a new text");
    }
    this.#read(textSoFar);
    const finished = this.#end > this.#offset && this.#lastContentBeforeEnd >= this.#offset;
    if (!finished || this.#bytesAtEnd - this.#bytesAtOffset < minBytes) return "";
    const done = textSoFar.slice(this.#offset, this.#end);
    this.#offset = this.#end;
    this.#bytesAtOffset = this.#bytesAtEnd;
    return done;
  }

  #read(text: string): void {
    for (;;) {
      const newline = text.indexOf("\n", this.#searchFrom);
      // The last line has no newline yet: it may still grow, so it ends nothing.
      if (newline === -1) {
        this.#searchFrom = text.length;
        return;
      }
      const line = text.slice(this.#lineStart, newline);
      if (line.trim() !== "") this.#lastContent = this.#lineStart;
      this.#bytesRead += utf8Length(line) + 1;
      this.#lineStart = newline + 1;
      this.#searchFrom = this.#lineStart;
      if (this.#lines.endsParagraph(line)) {
        this.#end = this.#lineStart;
        this.#bytesAtEnd = this.#bytesRead;
        this.#lastContentBeforeEnd = this.#lastContent;
      }
    }
  }
}

/** Follows code fences and reasoning blocks line by line. */
class LineReader {
  #fence: { char: string; length: number } | undefined;
  #thinkDepth = 0;

  /** Reads the next whole line (without its newline); true when it is a blank line that ends a paragraph. */
  endsParagraph(line: string): boolean {
    if (this.#fence !== undefined) {
      const marker = FENCE_CLOSE.exec(line)?.[1];
      if (marker !== undefined && marker.startsWith(this.#fence.char) && marker.length >= this.#fence.length) {
        this.#fence = undefined;
      }
      return false;
    }
    const open = FENCE_OPEN.exec(line);
    const marker = open?.[1];
    // ```js``` on one line is inline code, not a fence: a backtick fence's info string has no backticks.
    if (marker !== undefined && !(marker.startsWith("`") && (open?.[2] ?? "").includes("`"))) {
      this.#fence = { char: marker.charAt(0), length: marker.length };
      return false;
    }
    this.#thinkDepth = Math.max(0, this.#thinkDepth + thinkDepthChange(line));
    return line.trim() === "" && this.#thinkDepth === 0;
  }
}

function thinkDepthChange(line: string): number {
  if (!line.includes("<")) return 0;
  let change = 0;
  for (const match of line.matchAll(THINK_TAG)) {
    if (line.charAt(match.index - 1) === "`") continue;
    change += match[1] === "/" ? -1 : 1;
  }
  return change;
}
