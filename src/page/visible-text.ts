/**
 * The visible part of a text that grows by deltas: stripThinking's rules applied as the text streams, each delta read
 * once. The page shows an answer's unfinished last paragraph as plain text; running stripThinking over that tail on
 * every delta would read it again each time (a long code block, or long reasoning, never finishes a paragraph).
 */
import { THINK_TAG } from "../text/think";

/** What changed in the visible text: when `reset`, what was shown so far is gone; then `text` is added. */
export interface VisibleDelta {
  reset: boolean;
  text: string;
}

const TAG_AT = new RegExp(THINK_TAG.source, "iy");
/** A think tag whose name or attributes are still being written (no ">" yet). */
const TAG_STARTING = /^<\/?(?:t(?:h(?:i(?:n(?:k(?:i(?:n(?:g)?)?)?)?)?)?)?)?$|^<\/?think(?:ing)?(?!\w)[^<>]*$/i;
/** Dify's old reasoning wrapper (see think.ts), which stands for an opening think tag up to its </details>. */
const WRAPPER_AT = /<details\b[^<>]*>\s*<summary>\s*Thinking\.{3}\s*<\/summary>/iy;
const WRAPPER_END = "</details>";
/** Longer than any real tag: past this, a "<" still undecided is text (so a held piece never grows without end). */
const MAX_HELD = 256;

/**
 * Follows one text's deltas. The result of applying every VisibleDelta in order (and `end()`) equals `stripThinking`
 * of the whole text, including its rule that a closing tag first of all hides what came before; aside from a tag
 * longer than MAX_HELD, and Dify's wrapper right after a backtick, always shown as written here (stripThinking shows
 * it so only when the text has no other tag).
 */
export class VisibleText {
  /** Text from a "<" that may start a tag whose end has not arrived. */
  #held = "";
  /** The character just before `#held` (a tag right after a backtick is inline code, not a tag). */
  #before = "";
  #depth = 0;
  #inWrapper = false;
  #sawTag = false;
  /** Whitespace right after a removed block is dropped when the visible text so far is empty or ends in it. */
  #skipBlank = false;
  #endsBlank = true;

  /** Reads the next delta; returns how the visible text changes. */
  push(delta: string): VisibleDelta {
    return this.#push(delta, false);
  }

  /** The text is complete: a "<" held back because a tag might have started there is text after all. */
  end(): VisibleDelta {
    return this.#push("", true);
  }

  #push(delta: string, final: boolean): VisibleDelta {
    const text = this.#held + delta;
    const before = this.#before;
    this.#held = "";
    const out: string[] = [];
    let reset = false;
    const show = (from: number, to: number): void => {
      if (this.#depth > 0 || to <= from) return;
      let piece = text.slice(from, to);
      if (this.#skipBlank) {
        piece = piece.replace(/^\s+/, "");
        if (piece === "") return;
        this.#skipBlank = false;
      }
      out.push(piece);
      this.#endsBlank = /\s/.test(piece.charAt(piece.length - 1));
    };
    let at = 0;
    while (at < text.length) {
      const lt = text.indexOf("<", at);
      if (lt === -1) {
        show(at, text.length);
        break;
      }
      show(at, lt);
      const read = this.#read(text, lt, lt > 0 ? text.charAt(lt - 1) : before);
      const step = final && read.kind === "hold" ? { kind: "text" as const } : read;
      if (step.kind === "hold") {
        this.#held = text.slice(lt);
        this.#before = lt > 0 ? text.charAt(lt - 1) : before;
        break;
      }
      if (step.kind === "text") {
        show(lt, lt + 1);
        at = lt + 1;
        continue;
      }
      if (step.kind === "close" && this.#depth === 0 && !this.#sawTag) {
        // A closing tag first of all: its opening tag was dropped, so everything before it was reasoning.
        reset = true;
        out.length = 0;
        this.#endsBlank = true;
      }
      this.#depth = Math.max(0, this.#depth + (step.kind === "open" ? 1 : step.kind === "close" ? -1 : 0));
      this.#sawTag = true;
      this.#skipBlank = this.#depth === 0 && this.#endsBlank;
      at = lt + step.length;
    }
    if (this.#held === "" && text !== "") this.#before = text.charAt(text.length - 1);
    return { reset, text: out.join("") };
  }

  /** What the "<" at `lt` is: a tag (how long), text, or not decidable until more arrives. */
  #read(text: string, lt: number, previous: string): Step {
    const rest = text.length - lt;
    if (this.#inWrapper) {
      if (text.slice(lt, lt + WRAPPER_END.length).toLowerCase() === WRAPPER_END) {
        this.#inWrapper = false;
        return { kind: "close", length: WRAPPER_END.length };
      }
      return rest < WRAPPER_END.length && WRAPPER_END.startsWith(text.slice(lt).toLowerCase())
        ? { kind: "hold" } : { kind: "text" };
    }
    // After a backtick the wrapper is an answer quoting it (stripThinking, with no other tag, shows it as written).
    if (previous === "`") return { kind: "text" };
    WRAPPER_AT.lastIndex = lt;
    const wrapper = WRAPPER_AT.exec(text);
    if (wrapper) {
      this.#inWrapper = true;
      return { kind: "open", length: wrapper[0].length };
    }
    if (rest <= MAX_HELD && mayBecomeWrapper(text.slice(lt))) return { kind: "hold" };
    TAG_AT.lastIndex = lt;
    const tag = TAG_AT.exec(text);
    if (tag) return { kind: tag[1] === "/" ? "close" : "open", length: tag[0].length };
    if (rest <= MAX_HELD && TAG_STARTING.test(text.slice(lt))) return { kind: "hold" };
    return { kind: "text" };
  }
}

type Step = { kind: "open" | "close"; length: number } | { kind: "text" } | { kind: "hold" };

/** True when `text` (from a "<" to the end of what arrived) is a start of Dify's wrapper that has not failed yet. */
function mayBecomeWrapper(text: string): boolean {
  let at = 0;
  /** "ok" when `word` follows (case-insensitively), "end" when the text ends first, else "no". */
  const word = (expected: string): "ok" | "end" | "no" => {
    for (const char of expected) {
      if (at >= text.length) return "end";
      if (text.charAt(at).toLowerCase() !== char) return "no";
      at += 1;
    }
    return "ok";
  };
  const blanks = (): void => {
    while (at < text.length && /\s/.test(text.charAt(at))) at += 1;
  };
  let step = word("<details");
  if (step !== "ok") return step === "end";
  if (at < text.length && /\w/.test(text.charAt(at))) return false;
  while (at < text.length && text.charAt(at) !== ">") {
    if (text.charAt(at) === "<") return false;
    at += 1;
  }
  if (at >= text.length) return true;
  at += 1;
  for (const expected of ["<summary>", "thinking...", "</summary>"]) {
    blanks();
    step = word(expected);
    if (step !== "ok") return step === "end";
  }
  return false; // the whole wrapper, which WRAPPER_AT would have matched
}
