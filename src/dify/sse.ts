/**
 * Server-sent events, parsed by `eventsource-parser` (a small, dependency-free parser that follows the WHATWG
 * "parse an event stream" algorithm: LF, CR and CRLF line ends, also split across chunks; `:` comments; multi-line
 * `data` joined by "\n"; `event:` names; a field without a colon; one leading BOM; a bound on buffered text).
 *
 * One addition for Dify: its keep-alive is `event: ping` and a blank line, with no `data`, which the spec (and so
 * the parser) never dispatches. Bytes that arrive without completing an event are therefore reported as a
 * `keepAlive` marker, so a caller's idle deadline sees that a quiet stream is still alive.
 */
import { createParser, type EventSourceParser } from "eventsource-parser";
import { DifyError } from "./errors.js";

/**
 * One dispatched server-sent event, or (`keepAlive: true`, empty `data`) proof that bytes arrived which completed
 * none. `event` is absent when the stream gave no `event:` field.
 */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  keepAlive?: true;
}

/**
 * The most text one event (and the partial line before it) may hold. Dify's largest events are workflow_finished
 * and node_finished with every output inline; 8 M characters is far above those and still bounds memory.
 */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Incremental parser over decoded text: feed string chunks split anywhere, get back the events each chunk
 * completed, in order. Bytes must already be decoded: use a streaming TextDecoder upstream (readSseEvents does) so
 * a character split across chunks survives. Throws DifyError "protocol" when one event outgrows MAX_EVENT_CHARS.
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  private completed: SseEvent[] = [];
  private overflow: DifyError | undefined;

  constructor(maxEventChars: number = MAX_EVENT_CHARS) {
    this.parser = createParser({
      maxBufferSize: maxEventChars,
      onEvent: (message) => {
        const event: SseEvent = { data: message.data };
        if (message.event !== undefined) event.event = message.event;
        if (message.id !== undefined) event.id = message.id;
        this.completed.push(event);
      },
      onError: (error) => {
        // Unknown fields and bad `retry` values are ignored, as the spec says; only an overflow ends the stream.
        if (error.type === "max-buffer-size-exceeded") {
          this.overflow = new DifyError("protocol", `Dify sent an event larger than ${maxEventChars} characters`, {
            cause: error,
          });
        }
      },
    });
  }

  /** Feeds one chunk and returns the events it completed, in order. */
  push(chunk: string): SseEvent[] {
    if (chunk.length > 0) this.parser.feed(chunk);
    if (this.overflow) throw this.overflow;
    const out = this.completed;
    this.completed = [];
    return out;
  }

  /**
   * Signals the end of the stream. Per the spec, an event that lacks its closing blank line is discarded, so a
   * stream cut in the middle of its last event never passes off a fragment as complete.
   */
  end(): SseEvent[] {
    this.parser.reset();
    this.completed = [];
    return [];
  }
}

/**
 * Reads a byte stream as server-sent events, decoding UTF-8 incrementally so multi-byte characters split across
 * network chunks come out whole. A network chunk that completed no event yields one `keepAlive` marker. Aborting
 * `signal` cancels the body and makes the generator throw the abort reason; leaving the loop early (break / throw)
 * cancels the body too, so the connection is never left dangling.
 */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const parser = new SseParser();
  let finished = false;
  // A pending read() does not notice an abort by itself; cancelling the reader settles it.
  const onAbort = () => {
    reader.cancel(signal?.reason).catch(() => undefined);
  };
  signal?.addEventListener("abort", onAbort);
  try {
    signal?.throwIfAborted();
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      const events = parser.push(decoder.decode(value, { stream: true }));
      if (events.length === 0 && value.length > 0) yield { data: "", keepAlive: true };
      yield* events;
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
