import {
  characterBoundaries,
  findUrlSpans,
  isAfterClauseEnd,
  isAfterSentenceEnd,
  isCodePointBoundary,
  isInsideSpan,
  isLineStart,
  isParagraphStart,
  isWordStart,
} from "./boundaries.js";
import { codeUnitsAt, utf8BytesAt, utf8Length } from "./utf8.js";

export { ParagraphScanner, takeFinishedParagraphs } from "./paragraphs.js";
export { utf8Length };

/** The common budget for one WeChat text message (passive reply or customer-service message). */
export const DEFAULT_MAX_BYTES = 2048;
/** One code point takes up to 4 UTF-8 bytes, so a smaller budget could not always make progress. */
const MIN_MAX_BYTES = 4;

/**
 * Splits `text` into parts of at most `maxBytes` UTF-8 bytes (default 2048), cutting at a paragraph boundary if one
 * fits, else a line, else a sentence end (。！？!?.; and the like, CJK included), else a clause end (，、：,:), else a
 * word boundary (space), else a character boundary — never inside a character (surrogate pairs, combining marks,
 * emoji sequences, flags), never inside a URL, never inside a line unless that line alone exceeds `maxBytes` (so code
 * lines stay whole). A paragraph boundary is taken only when it fills at least half the part, so a short first
 * paragraph does not cost a whole message. Each part ends with the whitespace at its cut, so `parts.join("")`
 * equals the input exactly. No part is empty, and none is whitespace-only unless the input holds a run of
 * whitespace longer than `maxBytes`. An empty input gives no parts.
 * @throws RangeError when `maxBytes` is not an integer of at least 4.
 */
export function splitByUtf8Bytes(text: string, maxBytes: number = DEFAULT_MAX_BYTES): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES) {
    throw new RangeError(`maxBytes must be an integer of at least ${MIN_MAX_BYTES}, got ${maxBytes}`);
  }
  if (text === "") return [];
  const splitter = new Splitter(text, maxBytes);
  const parts: string[] = [];
  let start = 0;
  let remaining = utf8Length(text);
  while (remaining > maxBytes) {
    const end = splitter.cutAfter(start);
    const part = text.slice(start, end);
    parts.push(part);
    remaining -= utf8Length(part);
    start = end;
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Finds, for one part at a time, the best place to end it. Linear in the text: everything about the whole text (URL
 * spans, character boundaries, where the content ends) is worked out once, and each cut only looks inside its own
 * window of at most `maxBytes` code units, where every test walks back over at most a run of blanks or closers.
 */
class Splitter {
  private readonly urls: ReadonlyArray<readonly [number, number]>;
  /** 1 at every index where a cut splits no character (see isCharacterBoundary). */
  private readonly boundaries: Uint8Array;
  /** Index just after the last non-whitespace code unit: every later part must still reach it. */
  private readonly contentEnd: number;

  constructor(
    private readonly text: string,
    private readonly maxBytes: number,
  ) {
    this.urls = findUrlSpans(text);
    this.boundaries = characterBoundaries(text);
    this.contentEnd = text.trimEnd().length;
  }

  /** The end index of the part starting at `start`, whose rest of text is known to exceed the budget. */
  cutAfter(start: number): number {
    const { text } = this;
    const window = this.measureWindow(start);
    const limit = start + window.length - 1;
    const head = text.slice(start, limit);
    const firstContent = start + (head.length - head.trimStart().length);
    const isCharacterBoundary = (cut: number): boolean => this.boundaries[cut] === 1;
    const leavesContentOnBothSides = (cut: number): boolean => cut > firstContent && cut < this.contentEnd;
    const keepsCharacter = (cut: number): boolean => leavesContentOnBothSides(cut) && isCharacterBoundary(cut);
    const fits = (cut: number): boolean => keepsCharacter(cut) && !isInsideSpan(this.urls, cut);
    const halfFull = (cut: number): boolean => (window[cut - start] ?? 0) * 2 >= this.maxBytes;
    const cut =
      this.lastCut(start, limit, (at) => isParagraphStart(text, at) && halfFull(at) && fits(at)) ??
      this.lastCut(start, limit, (at) => isLineStart(text, at) && fits(at)) ??
      this.lastCut(start, limit, (at) => isAfterSentenceEnd(text, at) && fits(at)) ??
      this.lastCut(start, limit, (at) => isAfterClauseEnd(text, at) && fits(at)) ??
      this.lastCut(start, limit, (at) => isWordStart(text, at) && fits(at)) ??
      this.lastCut(start, limit, fits) ??
      // A URL, a whitespace run or one character longer than the budget: split it rather than fail.
      this.lastCut(start, limit, keepsCharacter) ??
      this.lastCut(start, limit, isCharacterBoundary) ??
      this.lastCut(start, limit, (at) => isCodePointBoundary(text, at));
    // A code point is at most 4 bytes and the budget at least 4, so the last rule always finds a cut.
    return cut ?? limit;
  }

  /**
   * Bytes used by the prefix text[start, start + k) for every k up to the longest prefix within the budget;
   * the array's length minus one is that prefix's length in code units.
   */
  private measureWindow(start: number): number[] {
    const { text, maxBytes } = this;
    const bytes = [0];
    let used = 0;
    let index = start;
    while (index < text.length) {
      const size = utf8BytesAt(text, index);
      if (used + size > maxBytes) break;
      used += size;
      // The middle of a surrogate pair is never a cut; it gets an entry only to keep indexes aligned.
      if (codeUnitsAt(text, index) === 2) bytes.push(used - 2);
      bytes.push(used);
      index += codeUnitsAt(text, index);
    }
    return bytes;
  }

  /** The latest cut in (start, limit] that passes `accept`, if any. */
  private lastCut(start: number, limit: number, accept: (at: number) => boolean): number | undefined {
    for (let at = limit; at > start; at -= 1) if (accept(at)) return at;
    return undefined;
  }
}
