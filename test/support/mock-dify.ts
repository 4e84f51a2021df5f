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
 * | `[answer64=BASE64]`  | the answer is the UTF-8 text in BASE64 (for Markdown with brackets)                     |
 * | `[answer=TEXT]`      | the answer is TEXT (`\n` escapes allowed; no `]` inside)                                |
 * | `[status=CODE:code]` | answer an HTTP error with Dify's JSON body (e.g. `[status=429:too_many_requests]`)     |
 * | `[status=C:code:MSG]`| the same with Dify's message MSG (e.g. `[status=400:invalid_param:Too many requests.]`)  |
 * | `[error-event]`      | send one chunk, then an `error` event (HTTP 200, as Dify does mid-stream)              |
 * | `[stall]`            | send one chunk, then nothing until the client gives up                                  |
 * | `[drop]`             | send one chunk, then destroy the connection                                             |
 * | `[agent]`            | stream `agent_message` deltas and a closing `message` carrying the full answer         |
 * | `[replace=TEXT]`     | after the chunks, a `message_replace` with TEXT (moderation)                            |
 * | `[slow-once=MS]`     | like `[delay=MS]`, but only the first time this user asks this question (restart tests)  |
 * | `[forget]`           | forget every conversation of this user first ("Conversation Not Exists." follows)       |
 * | `[hold=MS]`          | wait MS before even sending the response headers (connect-timeout tests)               |
 * | `[files]`            | a `message_file` event with an image URL (workflow: `outputs.files`) before the end    |
 * | `[reasoning]`        | `reasoning_chunk` events (thinking text that is not part of the answer) before it      |
 * | `[workflow-fail]`    | workflow apps: `workflow_finished` with status failed, then an `error` event           |
 * | `[replay=NAME]`      | serve test/fixtures/dify-streams/NAME.sse byte for byte, cut into paced small writes    |
 * | `[pace=MS]`          | with `[replay]`: MS between writes (default 2)                                          |
 * | `[seed=N]`           | with `[replay]`: the seed of the cut positions (default 1)                              |
 *
 * Directives are read from the query and from the URLs of `files` (an image message's query is fixed text).
 * Without directives the answer is `echo: <query>`. Conversations are tracked per user; an unknown
 * `conversation_id` gets Dify's 404 "Conversation Not Exists.".
 *
 * Routes: POST /chat-messages (query in `query`), POST /completion-messages and POST /workflows/run (query in
 * `inputs.query`; same directives; workflows stream workflow_started, node_started/node_finished, text_chunk deltas and
 * workflow_finished with `outputs.text`), GET /info (mode "advanced-chat"), GET /parameters (image upload and speech to
 * text enabled), POST /files/upload and POST /audio-to-text (multipart `file` + `user`; an upload id / the fixed
 * transcript "transcribed voice"). Every call needs `Authorization: Bearer app-test-key`.
 *
 * Control endpoints for tests: `GET /__calls?user=U` lists the calls received for user U (path, body, auth). The user
 * is taken from the JSON body, the multipart `user` field, or (GET) the `user` query parameter; multipart bodies are
 * recorded as `{user, file: {name, type, size}}`. `GET /__streams` gives their manifest.json, `GET /__streams/NAME` gives the recorded stream NAME's bytes as
 * stored, so tests can compare a replay with its file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { keepConnectionsOpen } from "./keep-alive.js";
import { chineseProse } from "./prose.js";
import { readFileSync } from "node:fs";
import { serveToolFile } from "./dify/files.js";
import { DEFAULT_PACING, STREAMS_DIR, recordedStreams, replayStream } from "./dify/replay.js";

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
  status?: { code: number; errorCode: string; message?: string };
  errorEvent: boolean;
  stall: boolean;
  drop: boolean;
  agent: boolean;
  replace?: string;
  forget: boolean;
  hold: number;
  files: boolean;
  reasoning: boolean;
  workflowFail: boolean;
  slowOnce: number;
  replay?: string;
  pace: number;
  seed: number;
}

/**
 * The apps this stand-in serves, by API key: what GET /info and GET /parameters say about each.
 * app-test-key is the default everywhere; the others let test projects check detection and fallbacks.
 */
const APPS: Record<string, { mode?: string; images: boolean | "legacy-only"; speechToText: boolean }> = {
  "app-test-key": { mode: "advanced-chat", images: true, speechToText: true },
  // Only the legacy `image.enabled` is on: Dify ignores it and drops the files silently.
  "app-basic-key": { mode: "chat", images: "legacy-only", speechToText: false },
  "app-workflow-key": { mode: "workflow", images: true, speechToText: true },
  "app-completion-key": { mode: "completion", images: false, speechToText: false },
  "app-old-server-key": { images: false, speechToText: false },
};

/**
 * `file_upload` as Dify's console stores it. Dify takes files only when the top-level `enabled` is true
 * (core/app/app_config/features/file_upload/manager.py `FileUploadConfigManager.convert`); `image.enabled` alone is
 * the legacy switch it no longer reads.
 */
function fileUpload(images: boolean | "legacy-only"): Record<string, unknown> {
  const image = { detail: "high", enabled: images !== false, number_limits: 3, transfer_methods: ["remote_url", "local_file"] };
  if (images !== true) return { image };
  return {
    image, enabled: true, allowed_file_types: ["image"], allowed_file_extensions: [".JPG", ".JPEG", ".PNG", ".GIF", ".WEBP", ".SVG"],
    allowed_file_upload_methods: ["local_file", "remote_url"], number_limits: 3,
  };
}

/** A 1x1 transparent PNG, served as the image an app "generated". */
const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

/** What Dify says when an app of another mode is called on this route (controllers/service_api/app/error.py). */
const ROUTE_MISMATCH = {
  chat: { code: "not_chat_app", message: "Please check if your Chat app mode matches the right API route.", status: 400 },
  completion: {
    code: "not_completion_app", message: "Please check if your Completion app mode matches the right API route.", status: 400,
  },
  workflow: { code: "not_workflow_app", message: "Please check if your app mode matches the right API route.", status: 400 },
};

const DIRECTIVE = /\[([a-z0-9-]+)(?:=([^\]]*))?\]/g;

function parseDirectives(query: string): { directives: Directives; text: string } {
  const d: Directives = {
    delay: 0, silent: 0, gap: 0, chunks: 3, errorEvent: false, stall: false, drop: false, agent: false, forget: false,
    hold: 0, files: false, reasoning: false, workflowFail: false, slowOnce: 0,
    pace: DEFAULT_PACING.paceMs, seed: DEFAULT_PACING.seed,
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
      case "answer64": d.answer = Buffer.from(v, "base64").toString("utf8"); break;
      case "status": {
        const [code, errorCode, ...message] = v.split(":");
        d.status = { code: Number(code), errorCode: errorCode ?? "internal_server_error", message: message.join(":") || undefined };
        break;
      }
      case "error-event": d.errorEvent = true; break;
      case "stall": d.stall = true; break;
      case "drop": d.drop = true; break;
      case "agent": d.agent = true; break;
      case "replace": d.replace = v; break;
      case "forget": d.forget = true; break;
      case "hold": d.hold = Number(v); break;
      case "slow-once": d.slowOnce = Number(v); break;
      case "files": d.files = true; break;
      case "reasoning": d.reasoning = true; break;
      case "workflow-fail": d.workflowFail = true; break;
      case "replay": d.replay = v; break;
      case "pace": d.pace = Number(v); break;
      case "seed": d.seed = Number(v); break;
      default: return _all;
    }
    return "";
  }).trim();
  return { directives: d, text };
}

export { chineseProse };

function splitInto(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out.length > 0 ? out : [""];
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a JSON body, or a multipart one as `{user, file: {name, type, size}}`; other text comes back raw. */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buffer = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("multipart/form-data")) {
    const form = await new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": type }, body: buffer })
      .formData();
    const file = form.get("file");
    const user = form.get("user");
    return {
      user: typeof user === "string" ? user : undefined,
      file: file instanceof File ? { name: file.name, type: file.type, size: file.size } : undefined,
    };
  }
  const raw = buffer.toString("utf8");
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
  const slowSeen = new Set<string>();
  const origin = (req: IncomingMessage) => `http://${req.headers.host ?? "127.0.0.1"}`;

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
    if (url.pathname === "/__streams") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(readFileSync(`${STREAMS_DIR}manifest.json`));
      return;
    }
    if (url.pathname.startsWith("/__streams/")) {
      const stream = recordedStreams().get(decodeURIComponent(url.pathname.slice("/__streams/".length)));
      if (stream === undefined) return sendJson(res, 404, { code: "not_found", message: "no such stream", status: 404 });
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(stream.bytes);
      return;
    }
    if (serveToolFile(req, res, (status, body) => sendJson(res, status, body))) return;
    const parsed = await readBody(req);
    const body = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const user = typeof body.user === "string" ? body.user : (url.searchParams.get("user") ?? "");
    const path = url.pathname.replace(/^\/v1/, "");
    const list = calls.get(user) ?? [];
    list.push({ path, method: req.method ?? "GET", auth: req.headers.authorization, body: parsed, at: Date.now() });
    calls.set(user, list);

    if (url.pathname === "/files/mock/generated.png") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(TINY_PNG);
      return;
    }
    const app = APPS[(req.headers.authorization ?? "").replace(/^Bearer /, "")];
    if (app === undefined) {
      sendJson(res, 401, { code: "unauthorized", message: "Access token is invalid", status: 401 });
      return;
    }
    const route = `${req.method ?? "GET"} ${path}`;
    switch (route) {
      case "POST /chat-messages": return answer("chat", body, user, res, origin(req));
      case "POST /completion-messages": return answer("completion", body, user, res, origin(req));
      case "POST /workflows/run": return answer("workflow", body, user, res, origin(req));
      case "GET /info":
        return sendJson(res, 200, { name: "Mock Dify App", description: "local stand-in", tags: [], ...(app.mode ? { mode: app.mode } : {}) });
      case "GET /parameters":
        return sendJson(res, 200, {
          opening_statement: "",
          user_input_form: [],
          file_upload: fileUpload(app.images),
          speech_to_text: { enabled: app.speechToText },
          text_to_speech: { enabled: false },
        });
      case "POST /files/upload": {
        const file = body.file as { name: string; type: string; size: number } | undefined;
        if (!file) return sendJson(res, 400, { code: "no_file_uploaded", message: "Please upload your file.", status: 400 });
        return sendJson(res, 201, {
          id: randomUUID(), name: file.name, size: file.size, extension: file.name.split(".").pop() ?? "",
          mime_type: file.type, created_by: user, created_at: Math.floor(Date.now() / 1000),
        });
      }
      case "POST /audio-to-text":
        if (!body.file) return sendJson(res, 400, { code: "no_audio_uploaded", message: "Please upload your audio.", status: 400 });
        return sendJson(res, 200, { text: "transcribed voice" });
      default:
        sendJson(res, 404, { code: "not_found", message: `No route ${route}`, status: 404 });
    }
  }

  async function answer(
    kind: "chat" | "completion" | "workflow",
    body: Record<string, unknown>,
    user: string,
    res: ServerResponse,
    selfOrigin: string,
  ): Promise<void> {
    const inputs = (typeof body.inputs === "object" && body.inputs !== null ? body.inputs : {}) as Record<string, unknown>;
    const raw = kind === "chat" ? body.query : inputs.query;
    const query = typeof raw === "string" ? raw : "";
    const files = Array.isArray(body.files) ? (body.files as Array<Record<string, unknown>>) : [];
    // An image message's query is fixed text, so its picture URL may carry directives too.
    const fileUrls = files.map((f) => (typeof f.url === "string" ? safeDecode(f.url) : ""));
    const { directives: d } = parseDirectives([query, ...fileUrls].join("\n"));
    const { text } = parseDirectives(query);
    const known = conversations.get(user) ?? new Set<string>();
    conversations.set(user, known);
    if (d.forget) known.clear();

    if (d.hold > 0) await sleep(d.hold);
    if (d.slowOnce > 0) {
      const seenKey = `${user}|${query}`;
      if (slowSeen.has(seenKey)) d.slowOnce = 0;
      slowSeen.add(seenKey);
      d.delay = Math.max(d.delay, d.slowOnce);
    }
    if (files.some((f) => f.transfer_method === "remote_url" && String(f.url).includes("unreachable"))) {
      // What Dify says when it cannot download a remote_url file.
      sendJson(res, 400, { code: "invalid_param", message: "Failed to download remote file", status: 400 });
      return;
    }
    if (d.status) {
      sendJson(res, d.status.code, { code: d.status.errorCode, message: d.status.message ?? `mock ${d.status.errorCode}`, status: d.status.code });
      return;
    }
    let conversationId = typeof body.conversation_id === "string" ? body.conversation_id : "";
    if (kind === "chat") {
      if (conversationId !== "" && !known.has(conversationId)) {
        sendJson(res, 404, { code: "not_found", message: "Conversation Not Exists.", status: 404 });
        return;
      }
      if (conversationId === "") {
        conversationId = randomUUID();
        known.add(conversationId);
      }
    }
    if (d.replay !== undefined) {
      const stream = recordedStreams().get(d.replay);
      if (stream === undefined) throw new Error(`no recorded stream "${d.replay}"`);
      if (stream.route !== kind) return sendJson(res, 400, ROUTE_MISMATCH[kind]);
      if (stream.conversationId) known.add(stream.conversationId);
      return replayStream(res, stream, { ...DEFAULT_PACING, paceMs: d.pace, seed: d.seed });
    }
    const messageId = randomUUID();
    const taskId = randomUUID();
    const runId = randomUUID();
    const answerText = d.answer ?? (d.long !== undefined ? chineseProse(d.long) : `echo: ${text}`);

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    // Node holds headers back until the first body write; Dify sends them at once, which `[silent]` relies on.
    res.flushHeaders();
    let closed = false;
    res.on("close", () => { closed = true; });
    const send = (event: Record<string, unknown>) => {
      if (!closed) res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    const now = () => Math.floor(Date.now() / 1000);
    const base = kind === "workflow"
      ? { task_id: taskId, workflow_run_id: runId }
      : kind === "chat"
        ? { conversation_id: conversationId, message_id: messageId, task_id: taskId, created_at: now() }
        : { message_id: messageId, task_id: taskId, created_at: now() };
    const imageUrl = `${selfOrigin}/files/mock/generated.png`;

    if (kind === "workflow") {
      send({ event: "workflow_started", ...base, data: { id: runId, workflow_id: "wf-mock", created_at: now() } });
      send({ event: "node_started", ...base, data: { id: "n1", node_id: "llm", node_type: "llm", title: "LLM", index: 1 } });
    }
    if (d.silent > 0) await sleep(d.silent);
    for (let waited = 0; waited < d.delay && !closed; waited += 1000) {
      await sleep(Math.min(1000, d.delay - waited));
      if (waited + 1000 < d.delay) res.write("event: ping\n\n");
    }
    if (d.reasoning) {
      for (const thought of ["Let me think. ", "REASONING-NOT-ANSWER"]) {
        send({ event: "reasoning_chunk", ...base, answer: thought, data: { text: thought } });
      }
    }
    const pieces = splitInto(answerText, d.chunks);
    for (const [i, piece] of pieces.entries()) {
      if (closed) return;
      if (i > 0 && d.gap > 0) await sleep(d.gap);
      if (kind === "workflow") send({ event: "text_chunk", ...base, data: { text: piece, from_variable_selector: ["llm", "text"] } });
      else send({ event: d.agent ? "agent_message" : "message", answer: piece, ...base });
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
    if (kind === "workflow") {
      send({ event: "node_finished", ...base, data: { id: "n1", node_id: "llm", status: d.workflowFail ? "failed" : "succeeded" } });
      if (d.workflowFail) {
        send({ event: "workflow_finished", ...base, data: { id: runId, status: "failed", outputs: null, error: "mock node failure", elapsed_time: 0.1 } });
        send({ event: "error", ...base, status: 500, code: "internal_server_error", message: "mock node failure" });
        res.end();
        return;
      }
      const outputs: Record<string, unknown> = { text: d.replace ?? answerText };
      if (d.files) outputs.files = [{ type: "image", transfer_method: "tool_file", url: imageUrl, filename: "generated.png" }];
      send({ event: "workflow_finished", ...base, data: { id: runId, status: "succeeded", outputs, error: null, elapsed_time: 0.1 } });
      res.end();
      return;
    }
    if (d.agent) send({ event: "message", answer: answerText, ...base });
    if (d.files) send({ event: "message_file", id: randomUUID(), type: "image", belongs_to: "assistant", url: imageUrl, ...base });
    if (d.replace !== undefined) send({ event: "message_replace", answer: d.replace, ...base });
    send({ event: "message_end", ...base, metadata: { usage: { total_tokens: 42 } } });
    res.end();
  }

  keepConnectionsOpen(server);
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
