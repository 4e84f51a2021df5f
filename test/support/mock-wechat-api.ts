/**
 * A local stand-in for WeChat's server API (api.weixin.qq.com), speaking its wire format: HTTP 200 with JSON
 * `{errcode, errmsg}` on every API error, the access token in the query string.
 *
 * State is kept per appid (tokens) and per openid (messages, typing, injected failures), so test files running in
 * parallel do not interfere as long as each uses its own openids, and tests that invalidate tokens
 * (force_refresh, `/__expire-token`) use their own appid. The worker's tests all share WECHAT_APP_ID: invalidating
 * that appid's token makes other files' next send see 42001 (which they survive by refreshing once).
 * Appids spelled `wx-…` (never a real appid: those are `wx` + 16 hex digits) are private to one test file: only an
 * `/__expire-token` naming them touches them.
 *
 * API endpoints:
 * | endpoint                               | behaviour                                                                 |
 * |----------------------------------------|---------------------------------------------------------------------------|
 * | `POST /cgi-bin/stable_token`           | normal mode: the appid's current token (a new one within 5 min of expiry); `force_refresh: true`: a new token, the old one dies at once. Empty secret 41004, secret `wrong-secret` 40125, appid starting `wx-ip-blocked` 40164 (WeChat's text: `invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: …`), appid starting `wx-unknown` 40013 `invalid appid` |
 * | `GET /cgi-bin/token`                   | always a new token; older ones stay valid (WeChat's overlap)              |
 * | `POST /cgi-bin/message/custom/send`    | checks the token (40001 unknown, 42001 expired), text over 2048 UTF-8 bytes 45002, image media_id unknown 40007; records the body per touser |
 * | `POST /cgi-bin/message/custom/typing`  | checks the token; records the command per touser                         |
 * | `GET /cgi-bin/media/get?media_id=`     | ids `voice-*`: AMR bytes (audio/amr); `image-*`: a 1x1 PNG; `video-*`: JSON {video_url}; uploaded ids: their bytes; others: 40007 (text/plain, as WeChat does) |
 * | `POST /cgi-bin/media/upload?type=image`| multipart field `media` -> {type, media_id, created_at}; the file is kept for media/get |
| `POST /cgi-bin/menu/create`, `GET /cgi-bin/menu/get`, `GET /cgi-bin/menu/delete` | the appid's custom menu, checked as WeChat checks it (./wechat-api/menu.ts) |
| `POST /cgi-bin/webhook/send?key=`      | a WeCom group robot, for alerts (./wechat-api/webhooks.ts)                |
 *
 * Control endpoints for tests:
 * | endpoint                                   | effect                                                                |
 * |--------------------------------------------|-----------------------------------------------------------------------|
 * | `GET /__sent?user=OPENID`                  | the CS message bodies accepted for that follower, in order           |
 * | `GET /__sent-appids?user=OPENID`           | for each of those messages, the appid whose access token carried it  |
 * | `GET /__typing?user=OPENID`                | the typing commands accepted for that follower ("Typing"/"CancelTyping") |
 * | `POST /__fail {touser, errcode, times, api?}` | the next `times` calls for touser answer `errcode` (api "send" (default) or "typing") |
 * | `POST /__hang {touser, times?, mode?}`     | the next `times` (default 1) sends to touser never finish: mode "headers" (default) sends nothing, "body" sends headers and half a body |
 * | `POST /__expire-token {appid?}`            | the current token of appid (without one: of every appid but the private `wx-…` ones) is expired: the next call with it gets 42001 |
 * | `POST /__token-ttl {appid, seconds}`       | tokens issued to appid from now on live `seconds` (default 7200)      |
 * | `GET /__stats?appid=APPID`                 | {stableTokenFetches, forcedRefreshes, tokenFetches, currentToken} for appid |
 * | `GET /__media?id=MEDIA_ID`                 | {filename, contentType, size} of an uploaded file, or 404             |
| `POST /__webhook/NAME`, `GET /__webhook/NAME` | a plain JSON webhook receiver (the owner's own endpoint) and what NAME received (./wechat-api/webhooks.ts) |
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { keepConnectionsOpen } from "./keep-alive.js";
import type { MockServer } from "./mock-dify.js";
import { MenuApi } from "./wechat-api/menu.js";
import { WebhookRecords } from "./wechat-api/webhooks.js";

/** Token bookkeeping of one appid, as `GET /__stats` reports it. */
export interface MockTokenStats {
  stableTokenFetches: number;
  forcedRefreshes: number;
  tokenFetches: number;
  currentToken: string | null;
}

interface AppState extends Omit<MockTokenStats, "currentToken"> {
  current?: { token: string; expiresAt: number };
  ttlSeconds: number;
}

interface StoredMedia {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

interface InjectedFailure {
  errcode: number;
  remaining: number;
  api: "send" | "typing";
}

/** A tiny AMR-NB file: the magic header and a few silent 12.2 kbit/s frames. */
export const MOCK_AMR = Buffer.concat([Buffer.from("#!AMR\n", "latin1"), Buffer.alloc(32 * 3, 0x3c)]);
/** A 1x1 transparent PNG. */
export const MOCK_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);
const MAX_TEXT_BYTES = 2048;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const RENEW_MARGIN_MS = 5 * 60_000;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, body: unknown, status = 200, contentType = "application/json; encoding=utf-8"): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(JSON.stringify(body));
}

function wechatError(res: ServerResponse, errcode: number, errmsg: string, contentType?: string): void {
  sendJson(res, { errcode, errmsg: `${errmsg} rid: ${randomUUID().slice(0, 8)}` }, 200, contentType);
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Starts the WeChat API stand-in on 127.0.0.1 and a free port. */
export async function startMockWechatApi(): Promise<MockServer> {
  const apps = new Map<string, AppState>();
  /** Every token ever issued: true while WeChat would accept it. */
  const tokens = new Map<string, boolean>();
  /** Which appid each token was issued to, so a send shows whose token carried it. */
  const tokenAppids = new Map<string, string>();
  const sent = new Map<string, unknown[]>();
  const sentVia = new Map<string, string[]>();
  const typing = new Map<string, string[]>();
  const failures = new Map<string, InjectedFailure[]>();
  const hangs = new Map<string, { remaining: number; mode: "headers" | "body" }>();
  const media = new Map<string, StoredMedia>();
  const webhooks = new WebhookRecords();
  const menu = new MenuApi((res, errcode, errmsg) => wechatError(res, errcode, errmsg), (res, body) => sendJson(res, body));

  const app = (appid: string): AppState => {
    let state = apps.get(appid);
    if (state === undefined) {
      state = { stableTokenFetches: 0, forcedRefreshes: 0, tokenFetches: 0, ttlSeconds: 7200 };
      apps.set(appid, state);
    }
    return state;
  };

  const issue = (appid: string, state: AppState, invalidateOld: boolean): { token: string; expiresAt: number } => {
    if (invalidateOld && state.current !== undefined) tokens.set(state.current.token, false);
    const token = `mock-token-${appid}-${randomUUID()}`;
    state.current = { token, expiresAt: Date.now() + state.ttlSeconds * 1000 };
    tokens.set(token, true);
    tokenAppids.set(token, appid);
    return state.current;
  };

  /** Answers 40001/42001 itself and returns false when the request's access_token is not accepted. */
  const checkToken = (url: URL, res: ServerResponse): boolean => {
    const token = url.searchParams.get("access_token") ?? "";
    const status = tokens.get(token);
    if (status === true) return true;
    if (status === false) wechatError(res, 42001, "access_token expired");
    else wechatError(res, 40001, "invalid credential, access_token is invalid or not latest");
    return false;
  };

  /** The appid whose token the request carries (once checkToken has accepted it). */
  const appidOf = (url: URL): string => tokenAppids.get(url.searchParams.get("access_token") ?? "") ?? "";

  /** Consumes one injected failure for touser/api; answers it and returns true if there was one. */
  const injectedFailure = (touser: string, api: "send" | "typing", res: ServerResponse): boolean => {
    const list = failures.get(touser) ?? [];
    const failure = list.find((f) => f.api === api && f.remaining > 0);
    if (failure === undefined) return false;
    failure.remaining -= 1;
    // 40164 in WeChat's own words, naming the caller's IP (as stable_token's refusal above does).
    const message = failure.errcode === 40164 ? "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist" : `mock failure ${failure.errcode}`;
    wechatError(res, failure.errcode, message);
    return true;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, { errcode: -1, errmsg: `mock crash: ${String(err)}` }, 500);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const raw = await readBody(req);
    const user = url.searchParams.get("user") ?? "";
    if (url.pathname.startsWith("/__webhook/")) {
      const name = decodeURIComponent(url.pathname.slice("/__webhook/".length));
      if (req.method === "GET") return sendJson(res, webhooks.list(name));
      return webhooks.generic(name, raw, res);
    }
    switch (`${req.method ?? "GET"} ${url.pathname}`) {
      case "GET /__sent": return sendJson(res, sent.get(user) ?? []);
      case "GET /__sent-appids": return sendJson(res, sentVia.get(user) ?? []);
      case "GET /__typing": return sendJson(res, typing.get(user) ?? []);
      case "POST /__fail": {
        const b = parseJson(raw);
        const list = failures.get(str(b.touser)) ?? [];
        list.push({ errcode: Number(b.errcode), remaining: Number(b.times ?? 1), api: b.api === "typing" ? "typing" : "send" });
        failures.set(str(b.touser), list);
        return sendJson(res, { ok: true });
      }
      case "POST /__hang": {
        const b = parseJson(raw);
        hangs.set(str(b.touser), { remaining: Number(b.times ?? 1), mode: b.mode === "body" ? "body" : "headers" });
        return sendJson(res, { ok: true });
      }
      case "POST /__expire-token": {
        const appid = str(parseJson(raw).appid);
        for (const [id, state] of apps) {
          const targeted = appid === "" ? !id.startsWith("wx-") : appid === id;
          if (targeted && state.current !== undefined) tokens.set(state.current.token, false);
        }
        return sendJson(res, { ok: true });
      }
      case "POST /__token-ttl": {
        const b = parseJson(raw);
        app(str(b.appid)).ttlSeconds = Number(b.seconds ?? 7200);
        return sendJson(res, { ok: true });
      }
      case "GET /__stats": {
        const { current, ttlSeconds: _ttl, ...counts } = app(url.searchParams.get("appid") ?? "");
        return sendJson(res, { ...counts, currentToken: current?.token ?? null } satisfies MockTokenStats);
      }
      case "GET /__media": {
        const found = media.get(url.searchParams.get("id") ?? "");
        if (found === undefined) return sendJson(res, { error: "unknown media" }, 404);
        return sendJson(res, { filename: found.filename, contentType: found.contentType, size: found.bytes.length });
      }
      case "POST /cgi-bin/stable_token": return stableToken(parseJson(raw), res);
      case "GET /cgi-bin/token": return plainToken(url, res);
      case "POST /cgi-bin/message/custom/send": return customSend(url, parseJson(raw), res);
      case "POST /cgi-bin/message/custom/typing": return customTyping(url, parseJson(raw), res);
      case "GET /cgi-bin/media/get": return mediaGet(url, res);
      case "POST /cgi-bin/media/upload": return mediaUpload(url, req, raw, res);
      case "POST /cgi-bin/menu/create": return checkToken(url, res) ? menu.create(appidOf(url), raw, res) : undefined;
      case "GET /cgi-bin/menu/get": return checkToken(url, res) ? menu.get(appidOf(url), res) : undefined;
      case "GET /cgi-bin/menu/delete": return checkToken(url, res) ? menu.delete(appidOf(url), res) : undefined;
      case "POST /cgi-bin/webhook/send": return webhooks.wecom(url, raw, res);
      default: return sendJson(res, { errcode: 40004, errmsg: `no such API ${url.pathname}` }, 404);
    }
  }

  function credentialsError(appid: string, secret: string, res: ServerResponse): boolean {
    if (appid === "") wechatError(res, 41002, "appid missing");
    else if (secret === "") wechatError(res, 41004, "appsecret missing");
    else if (secret === "wrong-secret") wechatError(res, 40125, "invalid appsecret");
    else if (appid.startsWith("wx-ip-blocked")) wechatError(res, 40164, "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist");
    else if (appid.startsWith("wx-unknown")) wechatError(res, 40013, "invalid appid");
    else return false;
    return true;
  }

  function stableToken(b: Record<string, unknown>, res: ServerResponse): void {
    const appid = str(b.appid);
    if (b.grant_type !== "client_credential") return wechatError(res, 40002, "invalid grant_type");
    if (credentialsError(appid, str(b.secret), res)) return;
    const state = app(appid);
    state.stableTokenFetches += 1;
    let current = state.current;
    if (b.force_refresh === true) {
      state.forcedRefreshes += 1;
      current = issue(appid, state, true);
    } else if (current === undefined || current.expiresAt - RENEW_MARGIN_MS <= Date.now() || tokens.get(current.token) !== true) {
      current = issue(appid, state, false);
    }
    sendJson(res, { access_token: current.token, expires_in: Math.floor((current.expiresAt - Date.now()) / 1000) });
  }

  function plainToken(url: URL, res: ServerResponse): void {
    const appid = url.searchParams.get("appid") ?? "";
    if (url.searchParams.get("grant_type") !== "client_credential") return wechatError(res, 40002, "invalid grant_type");
    if (credentialsError(appid, url.searchParams.get("secret") ?? "", res)) return;
    const state = app(appid);
    state.tokenFetches += 1;
    const current = issue(appid, state, false);
    sendJson(res, { access_token: current.token, expires_in: state.ttlSeconds });
  }

  function customSend(url: URL, b: Record<string, unknown>, res: ServerResponse): void {
    const touser = str(b.touser);
    const hang = hangs.get(touser);
    if (hang !== undefined && hang.remaining > 0) {
      hang.remaining -= 1;
      if (hang.mode === "body") {
        res.writeHead(200, { "content-type": "application/json; encoding=utf-8" });
        res.write('{"errcode":');
      }
      return; // never finishes; closeAllConnections ends it at shutdown
    }
    if (!checkToken(url, res)) return;
    if (injectedFailure(touser, "send", res)) return;
    if (touser === "") return wechatError(res, 40003, "invalid openid");
    if (b.msgtype === "text") {
      const text = b.text as { content?: unknown } | undefined;
      const content = str(text?.content);
      if (Buffer.byteLength(content, "utf8") > MAX_TEXT_BYTES) return wechatError(res, 45002, "content size out of limit");
    } else if (b.msgtype === "image") {
      const image = b.image as { media_id?: unknown } | undefined;
      if (!knownMedia(str(image?.media_id))) return wechatError(res, 40007, "invalid media_id");
    }
    const list = sent.get(touser) ?? [];
    list.push(b);
    sent.set(touser, list);
    const via = sentVia.get(touser) ?? [];
    via.push(tokenAppids.get(url.searchParams.get("access_token") ?? "") ?? "");
    sentVia.set(touser, via);
    sendJson(res, { errcode: 0, errmsg: "ok" });
  }

  function customTyping(url: URL, b: Record<string, unknown>, res: ServerResponse): void {
    const touser = str(b.touser);
    if (!checkToken(url, res)) return;
    if (injectedFailure(touser, "typing", res)) return;
    if (b.command !== "Typing" && b.command !== "CancelTyping") return wechatError(res, 40035, "invalid args");
    const list = typing.get(touser) ?? [];
    list.push(b.command);
    typing.set(touser, list);
    sendJson(res, { errcode: 0, errmsg: "ok" });
  }

  function knownMedia(id: string): boolean {
    return media.has(id) || /^(voice|image)-/.test(id);
  }

  function mediaGet(url: URL, res: ServerResponse): void {
    if (!checkToken(url, res)) return;
    const id = url.searchParams.get("media_id") ?? "";
    const uploaded = media.get(id);
    let file: { bytes: Buffer; contentType: string; filename: string } | undefined = uploaded;
    if (id.startsWith("voice-")) file = { bytes: MOCK_AMR, contentType: "audio/amr", filename: `${id}.amr` };
    if (id.startsWith("image-")) file = { bytes: MOCK_PNG, contentType: "image/png", filename: `${id}.png` };
    if (id.startsWith("video-")) return sendJson(res, { video_url: `http://127.0.0.1/video/${id}.mp4` });
    if (file === undefined) return wechatError(res, 40007, "invalid media_id", "text/plain");
    res.writeHead(200, {
      "content-type": file.contentType,
      "content-length": String(file.bytes.length),
      "content-disposition": `attachment; filename="${file.filename}"`,
    });
    res.end(file.bytes);
  }

  async function mediaUpload(url: URL, req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    if (!checkToken(url, res)) return;
    if (url.searchParams.get("type") !== "image") return wechatError(res, 40004, "invalid media type");
    let form: FormData;
    try {
      const contentType = req.headers["content-type"] ?? "";
      form = await new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": contentType }, body: raw }).formData();
    } catch {
      return wechatError(res, 41005, "media data missing");
    }
    const file = form.get("media");
    if (file === null || typeof file === "string") return wechatError(res, 41005, "media data missing");
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length > MAX_IMAGE_BYTES) return wechatError(res, 40009, "invalid image size");
    const mediaId = `uploaded-${randomUUID()}`;
    media.set(mediaId, { bytes, contentType: file.type || "application/octet-stream", filename: file.name });
    sendJson(res, { type: "image", media_id: mediaId, created_at: Math.floor(Date.now() / 1000) });
  }

  keepConnectionsOpen(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
