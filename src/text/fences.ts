/**
 * Fenced code blocks (``` or ~~~), followed line by line. Text inside a fence is code: it is never cut into
 * paragraphs and never rewritten.
 */

/** An opening code fence: ``` or ~~~ (3 or more), possibly inside a block quote or a list item. */
const FENCE_OPEN = /^[ \t]*(?:>[ \t]?)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(`{3,}|~{3,})(.*)$/;
/** A closing fence: only the fence characters and spaces on the line. */
const FENCE_CLOSE = /^[ \t]*(?:>[ \t]?)*(`{3,}|~{3,})[ \t]*$/;

/** Knows, line after line, whether the text is inside a fenced code block. */
export class FenceTracker {
  #fence: { char: string; length: number } | undefined;

  /** True between an opening fence and its closing one (after the lines read so far). */
  get open(): boolean {
    return this.#fence !== undefined;
  }

  /** Reads the next whole line (without its newline); true when it opens, continues or closes a fence. */
  isCode(line: string): boolean {
    if (this.#fence !== undefined) {
      const marker = FENCE_CLOSE.exec(line)?.[1];
      if (marker !== undefined && marker.startsWith(this.#fence.char) && marker.length >= this.#fence.length) {
        this.#fence = undefined;
      }
      return true;
    }
    const open = FENCE_OPEN.exec(line);
    const marker = open?.[1];
    // ```js``` on one line is inline code, not a fence: a backtick fence's info string has no backticks.
    if (marker !== undefined && !(marker.startsWith("`") && (open?.[2] ?? "").includes("`"))) {
      this.#fence = { char: marker.charAt(0), length: marker.length };
      return true;
    }
    return false;
  }
}
