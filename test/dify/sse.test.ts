import { describe, expect, it } from "vitest";
import { DifyError } from "../../src/dify/errors.js";
import { SseParser, readSseEvents, type SseEvent } from "../../src/dify/sse.js";
import { streamBytes } from "../support/dify-streams.js";

function parseWhole(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}

function parseSplit(text: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return [...out, ...parser.end()];
}

function streamOf(parts: Uint8Array[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++];
      if (part === undefined) controller.close();
      else controller.enqueue(part);
    },
    cancel() {
      onCancel?.();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of readSseEvents(body)) out.push(event);
  return out;
}

/** Only real events, without the keep-alive markers readSseEvents adds for chunks that completed none. */
const dispatched = (events: SseEvent[]) => events.filter((e) => !e.keepAlive);

const HANDMADE = [
  ": a comment line the parser must skip",
  "event: ping",
  "",
  'data: {"event":"message","answer":"中文"}',
  "",
  "event: custom",
  "data: line one",
  "data:line two",
  "data",
  "id: 7",
  "retry: 1000",
  "",
  'data: {"event":"message_end"}',
  "",
  "",
].join("\n");

// Dify's keep-alive (`event: ping`, no data) is not an event in the spec's sense: nothing is dispatched for it.
const HANDMADE_EVENTS: SseEvent[] = [
  { data: '{"event":"message","answer":"中文"}' },
  { event: "custom", data: "line one\nline two\n", id: "7" },
  { data: '{"event":"message_end"}' },
];

describe("SseParser", () => {
  it("reads event names, multi-line data joined by a line feed, a data field without colon, ids; skips comments and retry", () => {
    expect(parseWhole(HANDMADE)).toEqual(HANDMADE_EVENTS);
  });

  it("reads LF line ends", () => {
    expect(parseWhole("data: a\ndata: b\n\nevent: x\ndata: c\n\n")).toEqual([{ data: "a\nb" }, { event: "x", data: "c" }]);
  });

  it("reads CRLF line ends", () => {
    expect(parseWhole("data: a\r\ndata: b\r\n\r\nevent: x\r\ndata: c\r\n\r\n")).toEqual([{ data: "a\nb" }, { event: "x", data: "c" }]);
  });

  it("reads CR line ends", () => {
    expect(parseWhole("data: a\rdata: b\r\revent: x\rdata: c\r\r")).toEqual([{ data: "a\nb" }, { event: "x", data: "c" }]);
  });

  it("reads a stream that mixes all three line ends", () => {
    expect(parseWhole("data: a\rdata: b\r\ndata: c\n\r\n")).toEqual([{ data: "a\nb\nc" }]);
  });

  it("skips comment lines, also between the data lines of one event", () => {
    expect(parseWhole(": hello\ndata: a\n:keep-alive\ndata: b\n\n")).toEqual([{ data: "a\nb" }]);
  });

  it("dispatches nothing for Dify's keep-alive, an event name without data", () => {
    expect(parseWhole("event: ping\n\n")).toEqual([]);
  });

  it("gives the same events whatever single point the text is split at, for every line-end style", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = HANDMADE.replace(/\n/g, eol);
      for (let cut = 0; cut <= text.length; cut++) {
        expect(parseSplit(text, [cut]), `eol ${JSON.stringify(eol)} cut ${cut}`).toEqual(HANDMADE_EVENTS);
      }
    }
  });

  it("gives the same events whatever two points a CRLF stream is split at", () => {
    const text = HANDMADE.replace(/\n/g, "\r\n");
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b++) {
        const events = parseSplit(text, [a, b]);
        if (JSON.stringify(events) !== JSON.stringify(HANDMADE_EVENTS)) {
          expect(events, `cuts ${a},${b}`).toEqual(HANDMADE_EVENTS);
        }
      }
    }
  });

  it("discards a last event that lost its closing blank line when the stream ends, as the spec says", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"event":"message_end"}\n')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it("fails with a protocol error when one event outgrows the bound", () => {
    const parser = new SseParser(1000);
    expect(() => parser.push(`data: ${"x".repeat(2000)}`)).toThrow(DifyError);
  });

  it("drops a leading byte order mark, and only a leading one", () => {
    expect(parseWhole("\uFEFFdata: x\n\n")).toEqual([{ data: "x" }]);
    expect(parseWhole("data: \uFEFFx\n\n")).toEqual([{ data: "\uFEFFx" }]);
  });

  it("keeps a single space after the colon optional and preserves further spaces", () => {
    expect(parseWhole("data:  two spaces\n\n")).toEqual([{ data: " two spaces" }]);
  });
});

describe("readSseEvents", () => {
  it("decodes a recorded Dify stream split at every byte, including inside Chinese characters", async () => {
    const bytes = await streamBytes("error-midstream");
    const expected = dispatched(await collect(streamOf([bytes])));
    expect(expected).toHaveLength(5); // 4 messages and the error; the ping dispatches nothing
    expect(expected.some((e) => e.data.includes('"answer":"退款"'))).toBe(true);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events = dispatched(await collect(streamOf([bytes.slice(0, cut), bytes.slice(cut)])));
      if (JSON.stringify(events) !== JSON.stringify(expected)) expect(events, `cut at byte ${cut}`).toEqual(expected);
    }
  });

  it("decodes a BOM split across chunks", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("data: x\n\n")]);
    for (let cut = 0; cut <= 4; cut++) {
      expect(dispatched(await collect(streamOf([bytes.slice(0, cut), bytes.slice(cut)]))), `cut ${cut}`).toEqual([{ data: "x" }]);
    }
  });

  it("reports a chunk that completed no event, such as a ping, as a keep-alive", async () => {
    const encode = (t: string) => new TextEncoder().encode(t);
    const events = await collect(streamOf([encode("event: ping\n\n"), encode("data: 1\n\n"), encode("data: 2")]));
    expect(events).toEqual([{ data: "", keepAlive: true }, { data: "1" }, { data: "", keepAlive: true }]);
  });

  it("decodes a stream delivered one byte at a time", async () => {
    const bytes = new TextEncoder().encode(HANDMADE.replace(/\n/g, "\r\n"));
    const parts = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(dispatched(await collect(streamOf(parts)))).toEqual(HANDMADE_EVENTS);
  });

  it("cancels the body when the consumer stops early", async () => {
    let cancelled = false;
    const bytes = new TextEncoder().encode("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    const parts = [bytes.slice(0, 9), bytes.slice(9)];
    for await (const event of readSseEvents(streamOf(parts, () => { cancelled = true; }))) {
      expect(event.data).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("throws the abort reason and cancels the body when the signal aborts mid-read", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: first\n\n"));
        // then nothing: the read after the first event waits forever unless aborted
      },
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const event of readSseEvents(body, controller.signal)) {
        seen.push(event.data);
        controller.abort(new Error("stop now"));
      }
    })();
    await expect(run).rejects.toThrow("stop now");
    expect(seen).toEqual(["first"]);
    expect(cancelled).toBe(true);
  });
});
