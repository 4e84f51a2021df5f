/** One dispatched server-sent event. `event` is absent when the stream gave no `event:` field. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental parser for the text/event-stream format: feed string chunks split anywhere (mid-line, between "\r" and
 * "\n"); get back the events each chunk completed. Handles `event:` and multi-line `data:` fields, `:` comments, and
 * CRLF / LF / CR line ends. Bytes must already be decoded: use a streaming TextDecoder upstream (readSseEvents does)
 * so a character split across chunks survives.
 *
 * Two deliberate departures from the browser EventSource: an event with an `event:` field but no data is still
 * dispatched (Dify's keep-alive is exactly `event: ping` and a blank line, and the client needs to see it), and end()
 * dispatches a final event that lacks its closing blank line instead of dropping it.
 */
export class SseParser {
  private buffer = "";
  private started = false;
  /** The last chunk ended in "\r": a "\n" opening the next chunk belongs to the same line end. */
  private pendingCr = false;
  private eventName: string | undefined;
  private dataLines: string[] = [];

  /** Feeds one chunk and returns the events it completed, in order. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) return [];
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;

    const out: SseEvent[] = [];
    let start = 0;
    // Positions of the next "\n" and "\r", found once and refreshed only when passed, so a long chunk of LF-only
    // lines is not rescanned for a "\r" it does not contain.
    let lf = this.buffer.indexOf("\n");
    let cr = this.buffer.indexOf("\r");
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      this.line(this.buffer.slice(start, end), out);
      if (end === cr && end + 1 >= this.buffer.length) {
        // A lone "\r" closing the chunk: its "\n", if any, opens the next one.
        this.pendingCr = true;
        start = end + 1;
        break;
      }
      start = end === cr && this.buffer.charCodeAt(end + 1) === 0x0a ? end + 2 : end + 1;
      if (lf !== -1 && lf < start) lf = this.buffer.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = this.buffer.indexOf("\r", start);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Signals the end of the stream and returns whatever event the last unterminated lines formed. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.length > 0) this.line(this.buffer, out);
    this.buffer = "";
    this.pendingCr = false;
    this.dispatch(out);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.dataLines.push(value);
    else if (field === "event") this.eventName = value;
    // `id` and `retry` only matter to reconnecting browsers; Dify streams are never resumed.
  }

  private dispatch(out: SseEvent[]): void {
    if (this.dataLines.length > 0 || this.eventName !== undefined) {
      const event: SseEvent = { data: this.dataLines.join("\n") };
      if (this.eventName !== undefined && this.eventName !== "") event.event = this.eventName;
      out.push(event);
    }
    this.dataLines = [];
    this.eventName = undefined;
  }
}

/**
 * Reads a byte stream as server-sent events, decoding UTF-8 incrementally so multi-byte characters split across
 * network chunks come out whole. Aborting `signal` cancels the body and makes the generator throw the abort reason;
 * leaving the loop early (break / throw) cancels the body too, so the connection is never left dangling.
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
      yield* parser.push(decoder.decode(value, { stream: true }));
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
