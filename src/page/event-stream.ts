/**
 * The page's live feed: the follower object's NDJSON feed of AnswerPageEvents (contract.ts) turned into server-sent
 * events of PageUpdates (live-render.ts), one `data:` line each, for the page's EventSource. A comment line keeps the
 * connection open while Dify thinks; the stream ends after `done`, when the feed ends, or when the reader goes away
 * (which cancels the feed, so the object stops writing for a page nobody reads).
 */
import type { AnswerPageEvent } from "./contract";
import { LiveAnswer, type PageUpdate } from "./live-render";

/** Options of {@link answerEventStream}. */
export interface EventStreamOptions {
  /** A comment line after this long without an update (proxies drop idle connections). Default 15 s. */
  keepAliveMs?: number;
  /** How long EventSource waits before it reconnects after the stream ended early. Default 3 s. */
  retryMs?: number;
}

const encoder = new TextEncoder();

/** The SSE body for the page of `ref`, read from the object's feed. */
export function answerEventStream(
  feed: ReadableStream<Uint8Array>,
  ref: string,
  options: EventStreamOptions = {},
): ReadableStream<Uint8Array> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const reader = feed.pipeThrough(new TextDecoderStream()).getReader();
  const answer = new LiveAnswer(ref);
  /** The unfinished last line, in pieces. */
  const partial: string[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastWrite = Date.now();
  let closed = false;
  const stop = (): void => {
    closed = true;
    if (timer !== undefined) clearInterval(timer);
  };
  /** The updates of the whole lines that `text` completes (only `text` is searched for line ends). */
  const readLines = (text: string): PageUpdate[] => {
    const end = text.lastIndexOf("\n");
    if (end === -1) {
      partial.push(text);
      return [];
    }
    partial.push(text.slice(0, end));
    const lines = partial.join("").split("\n");
    partial.length = 0;
    partial.push(text.slice(end + 1));
    const updates: PageUpdate[] = [];
    for (const line of lines) {
      const update = toUpdate(answer, parseEvent(line));
      if (update === undefined) continue;
      addTo(updates, update);
      if (update.done === true) break;
    }
    return updates;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${options.retryMs ?? 3000}\n\n`));
      timer = setInterval(() => {
        if (closed || Date.now() - lastWrite < keepAliveMs) return;
        lastWrite = Date.now();
        controller.enqueue(encoder.encode(": still writing\n\n"));
      }, Math.max(50, Math.floor(keepAliveMs / 3)));
    },
    // Reads until it has something to send: a pull that returned without enqueuing would not be called again.
    async pull(controller) {
      for (;;) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch {
          // The object went away mid-feed (a restart): end here; EventSource reconnects and gets a fresh snapshot.
          chunk = { done: true, value: undefined };
        }
        if (closed) return;
        if (chunk.done) {
          stop();
          controller.close();
          return;
        }
        const updates = readLines(chunk.value);
        if (updates.length === 0) continue;
        lastWrite = Date.now();
        controller.enqueue(encoder.encode(updates.map((update) => `data: ${JSON.stringify(update)}\n\n`).join("")));
        if (updates.at(-1)?.done === true) {
          stop();
          controller.close();
          await reader.cancel().catch(() => undefined);
        }
        return;
      }
    },
    async cancel() {
      stop();
      await reader.cancel().catch(() => undefined);
    },
  });
}

/**
 * Adds `update` to a batch: text that only grows the tail joins the update before it (applying that one and then
 * the text is the same as applying both), so a feed that arrives a token per line costs a frame per batch.
 */
function addTo(batch: PageUpdate[], update: PageUpdate): void {
  const last = batch.at(-1);
  const tailOnly = Object.keys(update).every((key) => key === "tail");
  if (last !== undefined && last.done !== true && tailOnly) {
    last.tail = (last.tail ?? "") + (update.tail ?? "");
    return;
  }
  batch.push(update);
}

function toUpdate(answer: LiveAnswer, event: AnswerPageEvent | undefined): PageUpdate | undefined {
  switch (event?.type) {
    case "snapshot":
      return event.done ? answer.finish(event.markdown, event.images) : answer.start(event.markdown, event.images);
    case "append":
      return answer.append(event.text);
    case "replace":
      return answer.start(event.markdown);
    case "done":
      return answer.finish(event.markdown, event.images);
    default:
      return undefined;
  }
}

/** One NDJSON line as an AnswerPageEvent; anything malformed is skipped. */
function parseEvent(line: string): AnswerPageEvent | undefined {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const event = value as Record<string, unknown>;
  const text = (key: string): boolean => typeof event[key] === "string";
  const images = Array.isArray(event["images"]) && event["images"].every((image) => typeof image === "string");
  switch (event["type"]) {
    case "snapshot":
      return text("markdown") && typeof event["done"] === "boolean" && images ? (value as AnswerPageEvent) : undefined;
    case "append":
      return text("text") ? (value as AnswerPageEvent) : undefined;
    case "replace":
      return text("markdown") ? (value as AnswerPageEvent) : undefined;
    case "done":
      return text("markdown") && images ? (value as AnswerPageEvent) : undefined;
    default:
      return undefined;
  }
}
