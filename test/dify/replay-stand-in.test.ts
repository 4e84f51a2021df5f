import { describe, expect, inject, it } from "vitest";
import { replayDirective, streamBytes, streamEntries } from "../support/dify-streams.js";
import { newOpenid } from "../support/dify-calls.js";
import { readSseEvents, type SseEvent } from "../../src/dify/sse.js";

/** Posts to the stand-in as the worker would and keeps every chunk the body arrived in. */
async function replay(path: string, query: string, key = "app-test-key"): Promise<{ res: Response; chunks: Uint8Array[] }> {
  const user = newOpenid("replay");
  const body = path === "/chat-messages"
    ? { inputs: {}, query, user, response_mode: "streaming" }
    : { inputs: { query }, user, response_mode: "streaming" };
  const res = await fetch(`${inject("difyUrl")}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const chunks: Uint8Array[] = [];
  if (res.body) for await (const chunk of res.body) chunks.push(chunk);
  return { res, chunks };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const ROUTE: Record<string, string> = { "workflow.sse": "/workflows/run", "completion.sse": "/completion-messages" };

describe("the Dify stand-in's replay mode", () => {
  it("serves every recorded stream byte for byte with Dify's status and content type", async () => {
    const entries = await streamEntries();
    expect(entries.length).toBeGreaterThanOrEqual(9);
    for (const entry of entries) {
      const name = entry.file.replace(/\.sse$/, "");
      const { res, chunks } = await replay(ROUTE[entry.file] ?? "/chat-messages", replayDirective(name, { paceMs: 0 }));
      expect(res.status, entry.file).toBe(200);
      expect(res.headers.get("content-type"), entry.file).toBe("text/event-stream; charset=utf-8");
      expect(concat(chunks), entry.file).toEqual(await streamBytes(name));
    }
  });

  it("gives the worker's SSE reader the manifest's number of events for every stream, cut as replayed", async () => {
    for (const entry of await streamEntries()) {
      const name = entry.file.replace(/\.sse$/, "");
      const { chunks } = await replay(ROUTE[entry.file] ?? "/chat-messages", replayDirective(name, { paceMs: 1 }));
      // The chunks as the network delivered them, so the reader meets the replay's cuts.
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks[i++];
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        },
      });
      const events: SseEvent[] = [];
      for await (const event of readSseEvents(body)) events.push(event);
      // The manifest counts Dify's pings among its events; the spec dispatches nothing for them.
      const pings = new TextDecoder().decode(concat(chunks)).split("event: ping\n\n").length - 1;
      expect(events.filter((e) => !e.keepAlive), entry.file).toHaveLength(entry.events - pings);
      expect(events.every((e) => e.keepAlive === true || JSON.parse(e.data) !== null)).toBe(true);
    }
  });

  it("cuts the stream inside multi-byte characters and inside data lines", async () => {
    const { chunks } = await replay("/chat-messages", replayDirective("chat", { paceMs: 3 }));
    expect(chunks.length).toBeGreaterThan(20);
    const isContinuation = (b: number | undefined) => b !== undefined && b >= 0x80 && b < 0xc0;
    expect(chunks.some((c) => isContinuation(c[0]))).toBe(true);
    const text = chunks.map((c) => new TextDecoder().decode(c, { stream: true }));
    expect(text.some((t) => /^a: \{/.test(t) || /^ta: \{/.test(t))).toBe(true);
  });

  it("gives other cut positions for another seed, with the same bytes", async () => {
    const one = await replay("/completion-messages", replayDirective("completion", { seed: 1, paceMs: 3 }));
    const two = await replay("/completion-messages", replayDirective("completion", { seed: 2, paceMs: 3 }));
    expect(concat(one.chunks)).toEqual(concat(two.chunks));
    expect(one.chunks.map((c) => c.length)).not.toEqual(two.chunks.map((c) => c.length));
  });

  it("refuses a stream on the route of another app mode, as Dify does", async () => {
    const { res, chunks } = await replay("/workflows/run", replayDirective("chat"));
    expect(res.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(concat(chunks)))).toEqual({
      code: "not_workflow_app", message: "Please check if your app mode matches the right API route.", status: 400,
    });
  });
});
