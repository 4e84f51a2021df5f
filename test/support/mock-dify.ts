/**
 * A local stand-in for Dify's Service API (1.12.1 unless told otherwise), rebuilt from Dify's code: every behaviour
 * cites the Dify file it comes from (paths under `api/`, langgenius/dify commit cd03e0a9), in test/support/dify/.
 *
 * Apps by API key (dify/apps.ts): app-test-key is a chatflow (advanced-chat) with image upload and speech to text;
 * app-basic-key a plain chat app with neither; app-workflow-key a workflow; app-completion-key a completion app;
 * app-old-server-key an app on a server too old to report its mode. Each route answers in the shape of the key's
 * app mode; a route of another mode gets Dify's `not_chat_app` / `not_workflow_app` / `not_completion_app`.
 *
 * Behaviour is chosen per call by directives inside the question text (and inside `files[].url`, since an image
 * message's query is fixed text), so test files running in parallel never share state:
 *
 * | directive              | effect                                                                                  |
 * |------------------------|-----------------------------------------------------------------------------------------|
 * | `[answer=TEXT]`        | the answer is TEXT (`\n` escapes allowed; no `]` inside); default `echo: <query>`        |
 * | `[answer64=BASE64]`    | the answer is the UTF-8 text in BASE64 (for Markdown with brackets)                     |
 * | `[long=N]`             | the answer is N characters of Chinese prose in paragraphs                               |
 * | `[chunks=N]`           | the model streams the answer in N deltas (default 3)                                    |
 * | `[gap=MS]`             | MS between two deltas                                                                   |
 * | `[delay=MS]`           | the model thinks MS before its first delta; Dify pings every 10 s meanwhile             |
 * | `[slow-once=MS]`       | like `[delay=MS]`, but only the first time this user asks this question (restart tests)  |
 * | `[agent]`              | a legacy agent-chat app: agent_thought, agent_message deltas, no closing message        |
 * | `[reasoning]`          | a reasoning model: the answer opens with `<think>…</think>`                              |
 * | `[files]`              | the app produces an image (signed tool-file URL; a chatflow sends it three times)       |
 * | `[replace=TEXT]`       | output moderation replaces the answer with TEXT                                          |
 * | `[error-event]`        | the model fails after its first delta: an in-stream error (chatflow: the run fails)     |
 * | `[workflow-fail]`      | the run fails before any delta (workflow apps: no error event after workflow_finished)   |
 * | `[status=CODE:code]`   | refuse with Dify's JSON error (`[status=400:invalid_param:Too many requests…]` sets the text) |
 * | `[forget]`             | forget this user's conversations first ("Conversation Not Exists." follows)             |
 * | `[version=X.Y.Z]`      | behave like Dify X.Y.Z: before 1.8.1 `\uXXXX` JSON; 1.11.2–1.12.1 the message_file quirk |
 * | `[replay=NAME]`        | serve test/fixtures/dify-streams/NAME.sse byte for byte, cut into paced small writes    |
 * | `[pace=MS]`            | with `[replay]`: MS between writes (default 2)                                          |
 * | `[seed=N]`             | with `[replay]`: the seed of the cut positions (default 1)                              |
 * | network faults, not Dify behaviour:                                                                             |
 * | `[hold=MS]`            | hold the response headers MS (a host that drops packets)                                |
 * | `[silent=MS]`          | headers at once, then MS of nothing, no pings (a stuck server or proxy)                 |
 * | `[stall]`              | one delta, then nothing until the client gives up                                       |
 * | `[drop]`               | one delta, then the connection is destroyed                                             |
 *
 * A question whose image URL contains "unreachable" fails the way Dify fails to download it: after the stream has
 * started, as an in-stream error (`core/file/file_manager.py`; Dify only HEADs the URL before streaming).
 *
 * Routes: POST /chat-messages, /completion-messages, /workflows/run (question in `query` / `inputs.query`), GET /info,
 * GET /parameters, POST /files/upload and POST /audio-to-text (multipart `file` + `user`), GET /files/tools/… (signed
 * tool files, dify/files.ts). Control endpoints for tests: `GET /__calls?user=U` lists the calls received for user U
 * (path, body, auth; multipart bodies as `{user, file: {name, type, size}}`); `GET /__streams` the recorded streams'
 * manifest.json and `GET /__streams/NAME` a recorded stream's bytes.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { keepConnectionsOpen } from "./keep-alive.js";
import { chineseProse } from "./prose.js";
import { acceptsImages, appFor, infoBody, parametersBody, routeOf, type StandInApp } from "./dify/apps.js";
import { streamAnswer } from "./dify/answers.js";
import { parseDirectives } from "./dify/directives.js";
import { serveToolFile } from "./dify/files.js";
import { errorBody, notFoundBody, sendJson } from "./dify/http-errors.js";
import { DEFAULT_PACING, STREAMS_DIR, recordedStreams, replayStream, type StreamRoute } from "./dify/replay.js";
import { readBody, type UploadedFile } from "./dify/request-body.js";
import { handleAudio, handleUpload } from "./dify/uploads.js";
import { StreamWriter } from "./dify/wire.js";

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

export { chineseProse };

// Unref'd: a long `[delay]` still pending when the tests end must not keep the test process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** Starts the Dify stand-in on 127.0.0.1 and a free port. */
export async function startMockDify(): Promise<MockServer> {
  const calls = new Map<string, RecordedDifyCall[]>();
  const conversations = new Map<string, Set<string>>();
  const slowSeen = new Set<string>();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { code: "mock_crash", message: String(err), status: 500 });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (control(url, res)) return;
    if (serveToolFile(req, res, (status, body) => sendJson(res, status, body))) return;
    const parsed = await readBody(req);
    const body = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const user = typeof body.user === "string" ? body.user : (url.searchParams.get("user") ?? "");
    const path = url.pathname.replace(/^\/v1/, "");
    const list = calls.get(user) ?? [];
    list.push({ path, method: req.method ?? "GET", auth: req.headers.authorization, body: parsed, at: Date.now() });
    calls.set(user, list);

    // controllers/service_api/wraps.py validate_app_token
    const app = appFor(req.headers.authorization);
    if (app === undefined) return sendJson(res, 401, errorBody(401, "unauthorized"));
    const route = `${req.method ?? "GET"} ${path}`;
    switch (route) {
      case "POST /chat-messages": return answer("chat", app, body, user, res, url.pathname);
      case "POST /completion-messages": return answer("completion", app, body, user, res, url.pathname);
      case "POST /workflows/run": return answer("workflow", app, body, user, res, url.pathname);
      case "GET /info": return sendJson(res, 200, infoBody(app));
      case "GET /parameters": return sendJson(res, 200, parametersBody(app));
      case "POST /files/upload": return handleUpload(res, body.file as UploadedFile | undefined, user);
      case "POST /audio-to-text": return handleAudio(res, app, body.file as UploadedFile | undefined);
      default: return sendJson(res, 404, notFoundBody(errorBody(404, "not_found").message, url.pathname));
    }
  }

  /** The test-only endpoints; true when `url` was one. */
  function control(url: URL, res: ServerResponse): boolean {
    if (url.pathname === "/__calls") {
      sendJson(res, 200, calls.get(url.searchParams.get("user") ?? "") ?? []);
      return true;
    }
    if (url.pathname === "/__streams") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(readFileSync(`${STREAMS_DIR}manifest.json`));
      return true;
    }
    if (url.pathname.startsWith("/__streams/")) {
      const stream = recordedStreams().get(decodeURIComponent(url.pathname.slice("/__streams/".length)));
      if (stream === undefined) sendJson(res, 404, errorBody(404, "not_found", "no such stream"));
      else {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(stream.bytes);
      }
      return true;
    }
    return false;
  }

  async function answer(
    route: StreamRoute,
    app: StandInApp,
    body: Record<string, unknown>,
    user: string,
    res: ServerResponse,
    fullPath: string,
  ): Promise<void> {
    const inputs = (typeof body.inputs === "object" && body.inputs !== null ? body.inputs : {}) as Record<string, unknown>;
    const raw = route === "chat" ? body.query : inputs.query;
    const query = typeof raw === "string" ? raw : "";
    const offered = Array.isArray(body.files) ? (body.files as Array<Record<string, unknown>>) : [];
    const fileUrls = offered.map((f) => (typeof f.url === "string" ? safeDecode(f.url) : ""));
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
    if (d.status) return sendJson(res, d.status.code, errorBody(d.status.code, d.status.errorCode, d.status.message));

    if (d.replay !== undefined) {
      const stream = recordedStreams().get(d.replay);
      if (stream === undefined) throw new Error(`no recorded stream "${d.replay}"`);
      if (stream.route !== route) return sendJson(res, 400, mismatch(route));
      if (stream.conversationId) known.add(stream.conversationId);
      return replayStream(res, stream, { ...DEFAULT_PACING, paceMs: d.pace, seed: d.seed });
    }
    // controllers/service_api/app/completion.py: each route serves only its app modes.
    const mode = d.agent && routeOf(app.mode) === "chat" ? "agent-chat" : (app.mode ?? "chat");
    if (routeOf(mode) !== route) return sendJson(res, 400, mismatch(route));

    let conversationId = typeof body.conversation_id === "string" ? body.conversation_id : "";
    if (route === "chat") {
      // services/conversation_service.py get_conversation: an unknown id is a 404.
      if (conversationId !== "" && !known.has(conversationId)) {
        return sendJson(res, 404, notFoundBody("Conversation Not Exists.", fullPath));
      }
      if (conversationId === "") {
        conversationId = randomUUID();
        known.add(conversationId);
      }
    }
    // Files count only when the app takes them (file_upload/manager.py); the others are dropped silently.
    const taken = acceptsImages(app) ? offered.filter((f) => f.type === "image") : [];
    const unreachable = taken.find((f) => typeof f.url === "string" && f.url.includes("unreachable"));
    await streamAnswer({
      mode,
      d,
      text: d.answer ?? (d.long !== undefined ? chineseProse(d.long) : `echo: ${text}`),
      user,
      query,
      conversationId,
      questionFiles: taken.length,
      unreachableUrl: typeof unreachable?.url === "string" ? unreachable.url : undefined,
      writer: new StreamWriter(res, d.version),
    });
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

/** Dify's answer when a route is called for an app of another mode (controllers/service_api/app/error.py). */
function mismatch(route: StreamRoute) {
  const code = { chat: "not_chat_app", completion: "not_completion_app", workflow: "not_workflow_app" }[route];
  return errorBody(400, code);
}
