import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { SseParser, readSseEvents, type SseEvent } from "../../src/dify/sse.js";

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

/** A stream the local Dify stand-in really sent: Chinese text, agent deltas, reasoning, a file, pings. */
async function realDifyStream(): Promise<Uint8Array> {
  const user = `sse-${crypto.randomUUID()}`;
  const res = await fetch(`${inject("difyUrl")}/chat-messages`, {
    method: "POST",
    headers: { authorization: "Bearer app-test-key", "content-type": "application/json" },
    body: JSON.stringify({
      user, inputs: {}, response_mode: "streaming",
      query: "[answer=你好，世界！微信公众号🙂] [agent] [reasoning] [files] [chunks=4] [delay=1500]",
    }),
  });
  return new Uint8Array(await res.arrayBuffer());
}

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

const HANDMADE_EVENTS: SseEvent[] = [
  { event: "ping", data: "" },
  { data: '{"event":"message","answer":"中文"}' },
  { event: "custom", data: "line one\nline two\n" },
  { data: '{"event":"message_end"}' },
];

describe("SseParser", () => {
  it("reads event names, multi-line data, empty data fields and skips comments, id and retry", () => {
    expect(parseWhole(HANDMADE)).toEqual(HANDMADE_EVENTS);
  });

  it("treats CRLF, CR and LF line ends alike", () => {
    expect(parseWhole(HANDMADE.replace(/\n/g, "\r\n"))).toEqual(HANDMADE_EVENTS);
    expect(parseWhole(HANDMADE.replace(/\n/g, "\r"))).toEqual(HANDMADE_EVENTS);
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

  it("dispatches a last event that lost its closing blank line when the stream ends", () => {
    const parser = new SseParser();
    expect(parser.push('data: {"event":"message_end"}')).toEqual([]);
    expect(parser.end()).toEqual([{ data: '{"event":"message_end"}' }]);
  });

  it("drops a leading byte order mark", () => {
    expect(parseWhole("\uFEFFdata: x\n\n")).toEqual([{ data: "x" }]);
  });

  it("keeps a single space after the colon optional and preserves further spaces", () => {
    expect(parseWhole("data:  two spaces\n\n")).toEqual([{ data: " two spaces" }]);
  });
});

describe("readSseEvents", () => {
  it("decodes a real Dify stream split at every byte, including inside Chinese characters and emoji", async () => {
    const bytes = await realDifyStream();
    const expected = await collect(streamOf([bytes]));
    expect(expected.some((e) => e.data.includes("你好，世界！微信公众号🙂"))).toBe(true);
    expect(expected.some((e) => e.event === "ping")).toBe(true);
    // The cut points include offsets inside multi-byte UTF-8 sequences (3 bytes per Chinese character, 4 for emoji).
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events = await collect(streamOf([bytes.slice(0, cut), bytes.slice(cut)]));
      if (JSON.stringify(events) !== JSON.stringify(expected)) expect(events, `cut at byte ${cut}`).toEqual(expected);
    }
  });

  it("decodes a stream delivered one byte at a time", async () => {
    const bytes = new TextEncoder().encode(HANDMADE.replace(/\n/g, "\r\n"));
    const parts = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(await collect(streamOf(parts))).toEqual(HANDMADE_EVENTS);
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
