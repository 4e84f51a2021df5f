/**
 * A minimal Dify chat app for the CPU figure: `POST /v1/chat-messages` streams a registered answer, in the events
 * given, as fast as the socket takes them, after a fixed wait (so the answer is late and progressive delivery runs).
 *
 * Wire format as Dify's chat app sends it (/work/shared/reference/dify-streams/chat.sse and its README, derived from
 * Dify 1.12.1 `core/app/apps/base_app_generator.py` and `chat/generate_response_converter.py`): every event is
 * `data: ` + compact JSON + `\n\n`, keys in Dify's order, `message` deltas carrying the text in `answer`, closed by
 * `message_end`. The answer to play is chosen by the question's text (the registered key), nothing else is read.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The running stand-in. */
export interface DifyStream {
  /** Base URL to give the worker as DIFY_API_BASE (ends in /v1). */
  url: string;
  /**
   * Registers the events to stream for the question `key`; resolves `done` when they have all been written. Each
   * event is its own write, as Dify flushes them, unless `coalesceBytes` is given: then events are gathered into
   * writes of that many characters, so the worker reads few large chunks instead of one per event.
   */
  register(key: string, events: readonly string[], coalesceBytes?: number): { done: Promise<void> };
  close(): Promise<void>;
}

/** Starts the stand-in; `delayMs` passes between the request and the first event. */
export async function startDifyStream(delayMs: number): Promise<DifyStream> {
  const answers = new Map<string, { events: readonly string[]; coalesce: number; finished: () => void }>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (req.method !== "POST" || path !== "/v1/chat-messages") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "not_found", message: "not in this stand-in", status: 404 }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { query?: string };
    const answer = answers.get(body.query ?? "");
    if (answer === undefined) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "invalid_param", message: "unknown question", status: 400 }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const ids = { conversation_id: randomUUID(), message_id: randomUUID(), created_at: Math.floor(Date.now() / 1000) };
    const head = { event: "message", ...ids, task_id: randomUUID(), id: ids.message_id };
    let pending = "";
    for (const text of answer.events) {
      pending += `data: ${JSON.stringify({ ...head, answer: text, from_variable_selector: null })}\n\n`;
      if (pending.length < answer.coalesce) continue;
      if (!res.write(pending)) await new Promise((resolve) => res.once("drain", resolve));
      pending = "";
    }
    if (pending !== "") res.write(pending);
    const end = { event: "message_end", ...ids, task_id: head.task_id, id: ids.message_id, metadata: { usage: {} }, files: null };
    res.end(`data: ${JSON.stringify(end)}\n\n`);
    answer.finished();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    register(key, events, coalesceBytes) {
      let finished = (): void => undefined;
      const done = new Promise<void>((resolve) => (finished = resolve));
      answers.set(key, { events, coalesce: coalesceBytes ?? 0, finished });
      return { done };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
