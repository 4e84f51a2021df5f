/**
 * An answer on the page while Dify writes it, in time linear in its size: each finished stretch of paragraphs
 * (ParagraphScanner: never inside a code fence or reasoning) is rendered once and appended; the unfinished rest is
 * shown as plain text that grows by what arrives (VisibleText) and is emptied when its paragraphs finish. The whole
 * text is rendered again only when it is replaced or finished.
 */
import { ParagraphScanner } from "../text/paragraphs";
import { renderGallery, renderMarkdown } from "./render";
import { VisibleText } from "./visible-text";

/**
 * One change to the page's answer, as the live script applies it (in this order). The page has three parts: the
 * rendered paragraphs, the unfinished tail (plain text) and the gallery of images the text does not show.
 */
export interface PageUpdate {
  /** Sanitised HTML that replaces the rendered paragraphs. */
  html?: string;
  /** Sanitised HTML appended to the rendered paragraphs. */
  add?: string;
  /** Empty the tail before adding `tail`. */
  resetTail?: boolean;
  /** Plain text added to the tail (the script inserts it as text, never as HTML). */
  tail?: string;
  /** Sanitised HTML that replaces the gallery. */
  gallery?: string;
  /** The answer is finished: nothing more will come. */
  done?: boolean;
}

/** The state of one answer as one page view follows it. */
export class LiveAnswer {
  readonly #ref: string;
  #scanner = new ParagraphScanner();
  #visible = new VisibleText();
  /** Characters read since the scanner started (its offset is where the unfinished rest begins). */
  #read = 0;
  /** The answer's images as last told (a replaced text keeps them). */
  #images: readonly string[] = [];

  /** @param ref the answer's ref (own images are written relative to its page). */
  constructor(ref: string) {
    this.#ref = ref;
  }

  /**
   * The whole answer so far (a snapshot, or a replaced text that may still grow): every part of the page. Without
   * `images`, those last told are kept.
   */
  start(markdown: string, images: readonly string[] = this.#images): PageUpdate {
    this.#images = images;
    this.#scanner = new ParagraphScanner();
    this.#visible = new VisibleText();
    this.#read = markdown.length;
    const finished = this.#scanner.append(markdown, 0);
    const rendered = renderMarkdown(finished, this.#ref);
    return {
      html: rendered.html,
      resetTail: true,
      tail: this.#visible.push(markdown.slice(finished.length)).text,
      gallery: renderGallery(images, rendered.images, this.#ref),
    };
  }

  /** Text Dify appended. Undefined when the page does not change. */
  append(text: string): PageUpdate | undefined {
    this.#read += text.length;
    const finished = this.#scanner.append(text, 0);
    if (finished === "") {
      const visible = this.#visible.push(text);
      if (!visible.reset && visible.text === "") return undefined;
      return visible.reset ? { resetTail: true, tail: visible.text } : { tail: visible.text };
    }
    // The finished stretch ends inside this delta (at the newline of its last blank line); the rest starts a new tail.
    const rest = text.slice(text.length - (this.#read - this.#scanner.offset));
    this.#visible = new VisibleText();
    const update: PageUpdate = { resetTail: true, tail: this.#visible.push(rest).text };
    const html = renderMarkdown(finished, this.#ref).html;
    if (html !== "") update.add = html;
    return update;
  }

  /** The final text: rendered whole, once. */
  finish(markdown: string, images: readonly string[]): PageUpdate {
    const rendered = renderMarkdown(markdown, this.#ref);
    return {
      html: rendered.html,
      resetTail: true,
      tail: "",
      gallery: renderGallery(images, rendered.images, this.#ref),
      done: true,
    };
  }
}
