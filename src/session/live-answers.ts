/**
 * The answers being written in this instance, as the answer page sees them live: the raw text so far of each running
 * answer, and the page feeds listening to it. In memory only: a restart ends the feeds (the page reconnects and gets
 * a new snapshot) and the re-asked answer starts again from nothing.
 *
 * A feed coalesces what Dify streams into at most one line per FEED_EVERY_MS, so a page costs a few dozen lines per
 * answer rather than one per token, and the work per line is proportional to what it carries.
 */
import type { AnswerPageEvent, AnswerPageSnapshot } from "../page/contract";

/** The longest a feed keeps streamed text before passing it on. */
export const FEED_EVERY_MS = 300;
/** A feed is closed after this long (the page reconnects and gets a fresh snapshot): no RPC stream lives forever. */
export const FEED_MAX_MS = 10 * 60_000;

/** What listeners hear: the page events, and `gone` when the answer was dropped (the feed just closes). */
type LiveEvent = AnswerPageEvent | { type: "gone" };
type Listener = (event: LiveEvent) => void;

/** The live text of running answers and their listeners, by job key. */
export class LiveAnswers {
  readonly #texts = new Map<string, string>();
  readonly #listeners = new Map<string, Set<Listener>>();

  /** The raw text Dify has written so far for `key`, if that answer is being written here. */
  text(key: string): string | undefined {
    return this.#texts.get(key);
  }

  /** A running answer's text grew by `delta` (or, without one, was rewritten). */
  update(key: string, textSoFar: string, delta?: string): void {
    const before = this.#texts.get(key) ?? "";
    this.#texts.set(key, textSoFar);
    const extends_ = delta !== undefined && before.length + delta.length === textSoFar.length;
    this.#emit(key, extends_ ? { type: "append", text: delta } : { type: "replace", markdown: textSoFar });
  }

  /** The answer ended (finished or failed) with `markdown`; its feeds get `done` and close. */
  end(key: string, markdown: string, images: string[]): void {
    this.#texts.delete(key);
    this.#emit(key, { type: "done", markdown, images });
    this.#listeners.delete(key);
  }

  /** Ends every feed without an answer (the follower was forgotten): pages see the stream close. */
  drop(key: string): void {
    this.#texts.delete(key);
    this.#emit(key, { type: "gone" });
    this.#listeners.delete(key);
  }

  #emit(key: string, event: LiveEvent): void {
    for (const listener of this.#listeners.get(key) ?? []) listener(event);
  }

  /**
   * A feed for `key` starting with `snapshot` (NDJSON lines, see AnswerPageEvent). When the snapshot is already
   * done the stream holds just it and a `done`.
   */
  feed(key: string, snapshot: AnswerPageSnapshot): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const line = (event: AnswerPageEvent): Uint8Array => encoder.encode(`${JSON.stringify(event)}\n`);
    let cleanup = (): void => undefined;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(line({ type: "snapshot", ...snapshot }));
        if (snapshot.done) {
          controller.enqueue(line({ type: "done", markdown: snapshot.markdown, images: snapshot.images }));
          controller.close();
          return;
        }
        let pending = "";
        let timer: ReturnType<typeof setTimeout> | undefined;
        const flush = (): void => {
          timer = undefined;
          if (pending === "") return;
          controller.enqueue(line({ type: "append", text: pending }));
          pending = "";
        };
        const listeners = this.#listeners.get(key) ?? new Set<Listener>();
        this.#listeners.set(key, listeners);
        const listener: Listener = (event) => {
          if (event.type === "append") {
            pending += event.text;
            timer ??= setTimeout(flush, FEED_EVERY_MS);
            return;
          }
          if (event.type === "gone") return close();
          if (event.type === "replace") pending = "";
          else flush();
          controller.enqueue(line(event));
          if (event.type === "done") close();
        };
        const maxAge = setTimeout(() => close(), FEED_MAX_MS);
        const close = (): void => {
          cleanup();
          try {
            controller.close();
          } catch {
            // Already closed or cancelled.
          }
        };
        cleanup = () => {
          if (timer !== undefined) clearTimeout(timer);
          clearTimeout(maxAge);
          listeners.delete(listener);
        };
        listeners.add(listener);
      },
      cancel: () => cleanup(),
    });
  }
}
