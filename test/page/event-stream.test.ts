import { describe, expect, it } from "vitest";
import type { AnswerPageEvent } from "../../src/page/contract.js";
import { answerEventStream } from "../../src/page/event-stream.js";
import type { PageUpdate } from "../../src/page/live-render.js";

const REF = "DDDDDDDDDDDDDDDDDDDDDD";
const encoder = new TextEncoder();

/** A feed the test writes NDJSON into by hand, and whether it was cancelled. */
function handFeed(): {
  feed: ReadableStream<Uint8Array>;
  write(text: string): void;
  send(event: AnswerPageEvent): void;
  end(): void;
  fail(): void;
  cancelled: Promise<void>;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (onCancel = resolve));
  const feed = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => onCancel(),
  });
  return {
    feed,
    write: (text) => controller.enqueue(encoder.encode(text)),
    send: (event) => controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`)),
    end: () => controller.close(),
    fail: () => controller.error(new Error("object reset")),
    cancelled,
  };
}

/** Reads SSE frames from the stream as they come. */
function frames(stream: ReadableStream<Uint8Array>): { next(): Promise<string | undefined>; reader: ReadableStreamDefaultReader<string> } {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    reader,
    async next() {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return frame;
        }
        const chunk = await reader.read();
        if (chunk.done) return undefined;
        buffer += chunk.value;
      }
    },
  };
}

const update = (frame: string | undefined): PageUpdate => {
  expect(frame).toMatch(/^data: /);
  return JSON.parse((frame ?? "").slice("data: ".length)) as PageUpdate;
};

const snapshot: AnswerPageEvent = {
  type: "snapshot", question: "Q", markdown: "Hello\n\nwor", done: false, images: [], language: "en_US",
};

describe("answerEventStream: the object's feed as server-sent events", () => {
  it("sends the snapshot, then appends as they come, then done, and closes", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF));
    expect(await sse.next()).toBe("retry: 3000");
    hand.send(snapshot);
    expect(update(await sse.next())).toMatchObject({ html: "<p>Hello</p>\n", resetTail: true, tail: "wor" });
    hand.send({ type: "append", text: "ld" });
    expect(update(await sse.next())).toEqual({ tail: "ld" });
    hand.send({ type: "done", markdown: "Hello\n\nworld!", images: [] });
    expect(update(await sse.next())).toMatchObject({ html: "<p>Hello</p>\n<p>world!</p>\n", done: true });
    expect(await sse.next()).toBeUndefined();
    await hand.cancelled; // the object is told nobody reads any more
  });

  it("joins tail text that arrives together, reads lines cut anywhere, and skips lines it cannot read", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF));
    await sse.next();
    hand.send(snapshot);
    await sse.next();
    const lines = [
      JSON.stringify({ type: "append", text: "l" }),
      "not json",
      JSON.stringify({ type: "append", text: 5 }),
      JSON.stringify({ type: "mystery" }),
      JSON.stringify({ type: "append", text: "d." }),
      "",
    ].join("\n");
    hand.write(lines.slice(0, 7));
    hand.write(lines.slice(7));
    expect(update(await sse.next())).toEqual({ tail: "ld." });
    hand.end();
    expect(await sse.next()).toBeUndefined();
  });

  it("passes a line on as soon as it is whole, however it was cut and whatever came before it", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF, { keepAliveMs: 60_000 }));
    await sse.next();
    hand.send(snapshot);
    await sse.next();
    const line = `${JSON.stringify({ type: "append", text: "ld" })}\n`;
    const next = sse.next();
    hand.write("\n"); // a blank line: nothing to send
    await new Promise((resolve) => setTimeout(resolve, 50));
    hand.write(line.slice(0, 5)); // half a line: nothing yet
    await new Promise((resolve) => setTimeout(resolve, 50));
    hand.write(line.slice(5));
    const started = Date.now();
    expect(update(await next)).toEqual({ tail: "ld" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("says it is still there while nothing comes, and ends quietly when the object goes away", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF, { keepAliveMs: 60 }));
    await sse.next();
    expect(await sse.next()).toBe(": still writing");
    hand.fail();
    let frame = await sse.next();
    while (frame === ": still writing") frame = await sse.next();
    expect(frame).toBeUndefined();
  });

  it("cancels the object's feed when the page goes away", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF));
    await sse.next();
    await sse.reader.cancel();
    await hand.cancelled;
  });

  it("sends a finished snapshot as done at once", async () => {
    const hand = handFeed();
    const sse = frames(answerEventStream(hand.feed, REF));
    await sse.next();
    hand.send({ ...snapshot, done: true, markdown: "All **done**.", images: ["img/0"] });
    const last = update(await sse.next());
    expect(last).toMatchObject({ html: "<p>All <strong>done</strong>.</p>\n", done: true });
    expect(last.gallery).toContain(`${REF}/img/0`);
    expect(await sse.next()).toBeUndefined();
  });
});
