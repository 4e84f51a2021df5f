import { FenceTracker } from "./fences.js";
import { THINK_TAG } from "./think.js";
import { utf8Length } from "./utf8.js";

/**
 * Progressive delivery of a streaming answer: while Dify is still writing, finished paragraphs can already go out.
 * A paragraph is finished once a blank line follows it — but not inside a code fence (the fence would arrive cut in
 * two) and not inside reasoning (<think> that has not closed yet), whose text must never reach the follower.
 */

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
 * only what arrived since the previous one (every line is read once, an unfinished last line is not searched again)
 * and the scanner keeps only the text not taken yet, so asking on every streamed event costs time linear in the
 * answer, not in the answer times the events.
 *
 * Contract: `scanner.take(textSoFar, minBytes)` returns exactly
 * `takeFinishedParagraphs(textSoFar.slice(scanner.offset), minBytes).done` (with `offset` as before the call), and
 * moves `offset` past what it returns. Each `textSoFar` must start with the previous call's `textSoFar` (Dify
 * appended to it); the scanner does not re-read old text to check this. When the text is replaced instead
 * (`message_replace`, a workflow's final outputs, a re-asked answer), start a new scanner for the new text.
 * `scanner.append(delta, minBytes)` is the same given only what was appended, for callers that have the deltas:
 * it never touches the whole text (slicing a string built by `+=` copies all of it, once per event).
 *
 * @example
 * const scanner = new ParagraphScanner();          // or new ParagraphScanner(offsetAlreadySent)
 * onText(textSoFar) {
 *   const done = scanner.take(textSoFar, minBytes); // "" while no finished paragraphs reach minBytes
 *   if (done !== "") send(done);                    // scanner.offset is where the unsent text now starts
 * }
 */
export class ParagraphScanner {
  #offset: number;
  /** Index just after the text read so far. */
  #read: number;
  readonly #lines = new LineReader();
  /** The last line, still without its newline: it may grow, so it ends nothing yet. */
  #line = "";
  /** Text from the offset to the last blank line that ends a paragraph. */
  readonly #finished = new Stretch();
  /** Whole lines read after that blank line. */
  #open = new Stretch();

  /**
   * @param offset where the text not yet taken starts: 0 for a new answer, or the end of paragraphs already taken
   *   from this same text (a place takeFinishedParagraphs cut at, so no fence or reasoning is open there). The
   *   first call's `textSoFar` (or the first `append`) continues from there.
   */
  constructor(offset = 0) {
    this.#offset = offset;
    this.#read = offset;
  }

  /** Index in the text where the part not yet taken starts (the constructor's offset plus all that was taken). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Reads the text that arrived since the last call and returns the finished paragraphs from `offset` on when they
   * reach `minBytes` UTF-8 bytes (advancing `offset` past them), else "" (offset unchanged). See the class contract.
   * @throws RangeError when `textSoFar` is shorter than the text already read (it was replaced, not extended).
   */
  take(textSoFar: string, minBytes: number): string {
    if (textSoFar.length < this.#read) {
      throw new RangeError("ParagraphScanner: the text is shorter than before; use a new scanner for a new text");
    }
    return this.append(textSoFar.slice(this.#read), minBytes);
  }

  /** Like take, given only the text appended since the last call. */
  append(delta: string, minBytes: number): string {
    this.#readDelta(delta);
    const finished = this.#finished;
    if (!finished.hasContent || finished.bytes < minBytes) return "";
    const done = finished.takeAll();
    this.#offset += done.length;
    return done;
  }

  /**
   * Puts back `tail`, the end of what the last take returned (a caller that could use only the head of it): the
   * offset moves back before it, and it is returned again, first, by the next take.
   */
  giveBack(tail: string): void {
    if (tail === "") return;
    const back = new Stretch();
    back.addText(tail);
    back.addAll(this.#finished);
    this.#finished.takeAll();
    this.#finished.addAll(back);
    this.#offset -= tail.length;
  }

  #readDelta(delta: string): void {
    this.#read += delta.length;
    let from = 0;
    for (;;) {
      const newline = delta.indexOf("\n", from);
      if (newline === -1) {
        this.#line += delta.slice(from);
        return;
      }
      const line = this.#line + delta.slice(from, newline);
      this.#line = "";
      from = newline + 1;
      this.#open.addLine(line);
      if (this.#lines.endsParagraph(line)) {
        this.#finished.addAll(this.#open);
        this.#open = new Stretch();
      }
    }
  }
}

/** A stretch of whole lines kept as pieces, with its UTF-8 size and whether any line holds more than whitespace. */
class Stretch {
  #pieces: string[] = [];
  bytes = 0;
  hasContent = false;

  addLine(line: string): void {
    this.#pieces.push(line, "\n");
    this.bytes += utf8Length(line) + 1;
    if (line.trim() !== "") this.hasContent = true;
  }

  /** Adds text that is whole lines already (it ends with a newline). */
  addText(text: string): void {
    this.#pieces.push(text);
    this.bytes += utf8Length(text);
    if (text.trim() !== "") this.hasContent = true;
  }

  addAll(other: Stretch): void {
    for (const piece of other.#pieces) this.#pieces.push(piece);
    this.bytes += other.bytes;
    this.hasContent ||= other.hasContent;
  }

  /** The stretch's text; the stretch is empty afterwards. */
  takeAll(): string {
    const text = this.#pieces.join("");
    this.#pieces = [];
    this.bytes = 0;
    this.hasContent = false;
    return text;
  }
}

/**
 * Cuts finished text (as a take returns it: whole paragraphs, each ending with its blank lines) into its paragraphs,
 * never inside a code fence or a reasoning block. Joined, they are the text again.
 */
export function splitParagraphs(text: string): string[] {
  const reader = new LineReader();
  const paragraphs: string[] = [];
  let start = 0;
  let from = 0;
  let blankRun = false;
  for (;;) {
    const newline = text.indexOf("\n", from);
    const end = newline === -1 ? text.length : newline + 1;
    const line = text.slice(from, newline === -1 ? text.length : newline);
    const ends = newline !== -1 && reader.endsParagraph(line);
    // A paragraph ends after the last of its blank lines: the next non-blank line starts the next one.
    if (!ends && blankRun && line.trim() !== "") {
      paragraphs.push(text.slice(start, from));
      start = from;
    }
    blankRun = ends || (blankRun && line.trim() === "");
    if (newline === -1) break;
    from = end;
  }
  if (start < text.length) paragraphs.push(text.slice(start));
  return paragraphs;
}

/** Follows code fences and reasoning blocks line by line. */
class LineReader {
  readonly #fences = new FenceTracker();
  #thinkDepth = 0;

  /** Reads the next whole line (without its newline); true when it is a blank line that ends a paragraph. */
  endsParagraph(line: string): boolean {
    if (this.#fences.isCode(line)) return false;
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
