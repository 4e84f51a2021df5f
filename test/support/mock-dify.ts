/**
 * A local stand-in for Dify's Service API, speaking its real wire format: SSE streams of `data: {json}` events,
 * `event: ping` keep-alives, and JSON errors `{code, message, status}`.
 *
 * Behaviour is chosen per call by directives inside the query text, so test files running in parallel never share
 * state (each test uses its own openid as Dify's `user`):
 *
 * | directive            | effect                                                                                  |
 * |----------------------|-----------------------------------------------------------------------------------------|
 * | `[delay=MS]`         | wait MS before the first answer event (pings every second meanwhile)                     |
 * | `[silent=MS]`        | wait MS before the first answer event with no pings at all (idle-timeout tests)         |
 * | `[gap=MS]`           | wait MS between answer chunks                                                           |
 * | `[chunks=N]`         | split the answer into N message events (default 3)                                     |
 * | `[long=N]`           | the answer is N characters of Chinese prose in paragraphs                               |
 * | `[answer=TEXT]`      | the answer is TEXT (`\n` escapes allowed; no `]` inside)                                |
 * | `[status=CODE:code]` | answer an HTTP error with Dify's JSON body (e.g. `[status=429:too_many_requests]`)     |
 * | `[error-event]`      | send one chunk, then an `error` event (HTTP 200, as Dify does mid-stream)              |
 * | `[stall]`            | send one chunk, then nothing until the client gives up                                  |
 * | `[drop]`             | send one chunk, then destroy the connection                                             |
 * | `[agent]`            | stream `agent_message` deltas and a closing `message` carrying the full answer         |
 * | `[replace=TEXT]`     | after the chunks, a `message_replace` with TEXT (moderation)                            |
 * | `[forget]`           | forget every conversation of this user first ("Conversation Not Exists." follows)       |
 *
 * Without directives the answer is `echo: <query>`. Conversations are tracked per user; an unknown
 * `conversation_id` gets Dify's 404 "Conversation Not Exists.".
 *
 * Control endpoints for tests: `GET /__calls?user=U` lists the calls received for user U (path, body, auth).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

/** One call received by the stand-in, as tests see it through `GET /__calls`. */
export interface RecordedDifyCall {
  path: string;
  method: string;
  auth: string | undefined;
  body: unknown;
  at: number;
}

/** A running stand-in: its base URL (ending in /v1) and a way to stop it. */
export interface MockServer {
  url: string;
  close(): Promise<void>;
}

interface Directives {
  delay: number;
  silent: number;
  gap: number;
  chunks: number;
  answer?: string;
  long?: number;
  status?: { code: number; errorCode: string };
  errorEvent: boolean;
  stall: boolean;
  drop: boolean;
  agent: boolean;
  replace?: string;
  forget: boolean;
}

const DIRECTIVE = /\[([a-z-]+)(?:=([^\]]*))?\]/g;

function parseDirectives(query: string): { directives: Directives; text: string } {
  const d: Directives = {
    delay: 0, silent: 0, gap: 0, chunks: 3, errorEvent: false, stall: false, drop: false, agent: false, forget: false,
  };
  const text = query.replace(DIRECTIVE, (_all, name: string, value: string | undefined) => {
    const v = value ?? "";
    switch (name) {
      case "delay": d.delay = Number(v); break;
      case "silent": d.silent = Number(v); break;
      case "gap": d.gap = Number(v); break;
      case "chunks": d.chunks = Math.max(1, Number(v)); break;
      case "long": d.long = Number(v); break;
      case "answer": d.answer = v.replace(/\\n/g, "\n"); break;
      case "status": {
        const [code, errorCode] = v.split(":");
        d.status = { code: Number(code), errorCode: errorCode ?? "internal_server_error" };
        break;
      }
      case "error-event": d.errorEvent = true; break;
      case "stall": d.stall = true; break;
      case "drop": d.drop = true; break;
      case "agent": d.agent = true; break;
      case "replace": d.replace = v; break;
      case "forget": d.forget = true; break;
      default: return _all;
    }
    return "";
  }).trim();
  return { directives: d, text };
}

/** Deterministic Chinese prose of `length` characters, with sentence ends and a paragraph break every ~200 chars. */
export function chineseProse(length: number): string {
  const sentence = "微信公众号的回答需要完整送达每一位关注者，而且顺序不能错乱。";
  let out = "";
  let sinceBreak = 0;
  while (out.length < length) {
    out += sentence;
    sinceBreak += sentence.length;
    if (sinceBreak > 200) {
      out += "\n\n";
      sinceBreak = 0;
    }
  }
  return out.slice(0, length);
}

function splitInto(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out.length > 0 ? out : [""];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (raw === "") return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Starts the Dify stand-in on 127.0.0.1 and a free port. */
export async function startMockDify(): Promise<MockServer> {
  const calls = new Map<string, RecordedDifyCall[]>();
  const conversations = new Map<string, Set<string>>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { code: "mock_crash", message: String(err), status: 500 });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/__calls") {
      sendJson(res, 200, calls.get(url.searchParams.get("user") ?? "") ?? []);
      return;
    }
    const body = (await readJson(req)) as Record<string, unknown>;
    const user = typeof body.user === "string" ? body.user : "";
    const path = url.pathname.replace(/^\/v1/, "");
    const list = calls.get(user) ?? [];
    list.push({ path, method: req.method ?? "GET", auth: req.headers.authorization, body, at: Date.now() });
    calls.set(user, list);

    if (req.headers.authorization !== "Bearer app-test-key") {
      sendJson(res, 401, { code: "unauthorized", message: "Access token is invalid", status: 401 });
      return;
    }
    if (req.method === "POST" && path === "/chat-messages") return chat(body, user, res);
    sendJson(res, 404, { code: "not_found", message: `No route ${req.method} ${path}`, status: 404 });
  }

  async function chat(body: Record<string, unknown>, user: string, res: ServerResponse): Promise<void> {
    const query = typeof body.query === "string" ? body.query : "";
    const { directives: d, text } = parseDirectives(query);
    const known = conversations.get(user) ?? new Set<string>();
    conversations.set(user, known);
    if (d.forget) known.clear();

    if (d.status) {
      sendJson(res, d.status.code, { code: d.status.errorCode, message: `mock ${d.status.errorCode}`, status: d.status.code });
      return;
    }
    let conversationId = typeof body.conversation_id === "string" ? body.conversation_id : "";
    if (conversationId !== "" && !known.has(conversationId)) {
      sendJson(res, 404, { code: "not_found", message: "Conversation Not Exists.", status: 404 });
      return;
    }
    if (conversationId === "") {
      conversationId = randomUUID();
      known.add(conversationId);
    }
    const messageId = randomUUID();
    const taskId = randomUUID();
    const answer = d.answer ?? (d.long !== undefined ? chineseProse(d.long) : `echo: ${text}`);

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    let closed = false;
    res.on("close", () => { closed = true; });
    const send = (event: Record<string, unknown>) => {
      if (!closed) res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    const base = { conversation_id: conversationId, message_id: messageId, task_id: taskId, created_at: Math.floor(Date.now() / 1000) };

    if (d.silent > 0) await sleep(d.silent);
    for (let waited = 0; waited < d.delay && !closed; waited += 1000) {
      await sleep(Math.min(1000, d.delay - waited));
      if (waited + 1000 < d.delay) res.write("event: ping\n\n");
    }
    const pieces = splitInto(answer, d.chunks);
    for (const [i, piece] of pieces.entries()) {
      if (closed) return;
      if (i > 0 && d.gap > 0) await sleep(d.gap);
      send({ event: d.agent ? "agent_message" : "message", answer: piece, ...base });
      if (i === 0 && d.errorEvent) {
        send({ event: "error", ...base, status: 400, code: "completion_request_error", message: "mock model failure" });
        res.end();
        return;
      }
      if (i === 0 && d.stall) return; // hold the connection open, say nothing more
      if (i === 0 && d.drop) {
        res.destroy();
        return;
      }
    }
    if (d.agent) send({ event: "message", answer, ...base });
    if (d.replace !== undefined) send({ event: "message_replace", answer: d.replace, ...base });
    send({ event: "message_end", ...base, metadata: { usage: { total_tokens: 42 } } });
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
