/**
 * WeChat's server API as used here: customer-service (CS) messages, the typing indicator, and temporary media.
 *
 * Every call puts the access token in the query string (WeChat has no other way), so every message we build names
 * only the method and path, and anything echoed back is passed through {@link redactSecrets}. Each request has one
 * deadline that covers connecting, the headers and the whole body.
 */
import { ERRCODE_BAD_RESPONSE, ERRCODE_NETWORK, ERRCODE_TIMEOUT, WechatApiError, redactSecrets } from "./api-errors";
import { BodyTooLargeError, readCappedBytes } from "../bytes";

/** Options for {@link WechatApiClient}. */
export interface WechatApiOptions {
  /** e.g. https://api.weixin.qq.com, or a fixed-IP reverse proxy in front of it (a path prefix is kept). */
  apiBase: string;
  /** Returns a valid access token; given the token WeChat just rejected, returns a newer one. */
  getToken: (rejected?: string) => Promise<string>;
  /** Defaults to the global fetch. */
  fetcher?: typeof fetch;
  /** Deadline per request, covering the body too. Default 10 000 ms. */
  timeoutMs?: number;
  /** Largest media file getMedia accepts. Default 10 MB (WeChat's own limit for images). */
  maxMediaBytes?: number;
}

/** Default deadline of one API request, body included. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default size cap of downloaded media. */
export const DEFAULT_MAX_MEDIA_BYTES = 10 * 1024 * 1024;
/** JSON answers are small; anything bigger is not WeChat talking. */
const MAX_JSON_BYTES = 1024 * 1024;

/** One HTTP exchange with WeChat's API, as {@link wechatRequest} performs it. */
export interface WechatRequest {
  method: "GET" | "POST";
  /** Full URL, token included. */
  url: string;
  /** "POST /cgi-bin/..." — what error messages name instead of the URL. */
  what: string;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Values that must never appear in an error message (token, secret). */
  secrets: readonly string[];
  timeoutMs: number;
  maxBytes: number;
  fetcher: typeof fetch;
}

/** A completed exchange: the body's bytes and its content type. */
export interface WechatRawResponse {
  bytes: Uint8Array;
  contentType: string;
}

/**
 * Performs one request under a single deadline that also covers reading the body, which is capped at `maxBytes`.
 * Transport failures become WechatApiError -2 (network, HTTP 429/5xx), -3 (timeout) or -4 (other status, too big).
 */
export async function wechatRequest(req: WechatRequest): Promise<WechatRawResponse> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Settle first so the deadline, not the abort it causes inside fetch, is what the caller sees.
      reject(new WechatApiError(ERRCODE_TIMEOUT, `no complete answer within ${req.timeoutMs} ms`, req.what));
      controller.abort();
    }, req.timeoutMs);
  });
  const exchange = (async (): Promise<WechatRawResponse> => {
    let res: Response;
    try {
      res = await req.fetcher(req.url, { method: req.method, body: req.body, headers: req.headers, signal: controller.signal });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new WechatApiError(ERRCODE_NETWORK, redactSecrets(`network error: ${detail}`, req.secrets), req.what);
    }
    if (!res.ok) {
      await res.body?.cancel();
      const code = res.status === 429 || res.status >= 500 ? ERRCODE_NETWORK : ERRCODE_BAD_RESPONSE;
      throw new WechatApiError(code, `HTTP ${res.status}`, req.what);
    }
    const contentType = res.headers.get("content-type") ?? "application/octet-stream";
    return { bytes: await readCapped(res, req.maxBytes, req.what), contentType };
  })();
  try {
    return await Promise.race([exchange, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a body up to `maxBytes`, refusing early (by Content-Length or while streaming) when it is bigger. */
async function readCapped(res: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  try {
    return await readCappedBytes(res.body, res.headers, maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new WechatApiError(ERRCODE_BAD_RESPONSE, `answer larger than ${maxBytes} bytes`, what);
    }
    // The deadline aborted the body, or the connection broke mid-body; the deadline's own error wins the race.
    throw new WechatApiError(ERRCODE_NETWORK, "connection lost while reading the answer", what);
  }
}

/** Parses WeChat's JSON answer; `{errcode != 0}` becomes a WechatApiError. */
export function parseWechatJson(bytes: Uint8Array, what: string, secrets: readonly string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new WechatApiError(ERRCODE_BAD_RESPONSE, "answer is not JSON", what);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WechatApiError(ERRCODE_BAD_RESPONSE, "answer is not a JSON object", what);
  }
  const body = parsed as Record<string, unknown>;
  const errcode = typeof body.errcode === "number" ? body.errcode : 0;
  if (errcode !== 0) {
    const errmsg = typeof body.errmsg === "string" ? body.errmsg : "(no errmsg)";
    throw new WechatApiError(errcode, redactSecrets(errmsg, secrets), what);
  }
  return body;
}

/** A content type WeChat uses for JSON answers (it sends errors from media/get as text/plain or application/json). */
function isJsonLike(contentType: string): boolean {
  return /json|^text\//i.test(contentType);
}

/** Client for the CS-message, typing and media endpoints; token refresh on 40001/40014/42001 with one retry. */
export class WechatApiClient {
  readonly #apiBase: string;
  readonly #getToken: (rejected?: string) => Promise<string>;
  readonly #fetcher: typeof fetch;
  readonly #timeoutMs: number;
  readonly #maxMediaBytes: number;

  /** See {@link WechatApiOptions} for defaults. */
  constructor(o: WechatApiOptions) {
    this.#apiBase = o.apiBase.replace(/\/+$/, "");
    this.#getToken = o.getToken;
    // Bound so a bare global fetch is not called with the client as `this` (workerd rejects that).
    this.#fetcher = o.fetcher ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxMediaBytes = o.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  }

  /** Sends a CS text message (POST /cgi-bin/message/custom/send). Throws WechatApiError, e.g. 45047 or 45002. */
  async sendText(openid: string, content: string): Promise<void> {
    await this.#postJson("/cgi-bin/message/custom/send", { touser: openid, msgtype: "text", text: { content } });
  }

  /** Sends a CS image message with a media_id from {@link uploadImage}. Throws WechatApiError. */
  async sendImage(openid: string, mediaId: string): Promise<void> {
    await this.#postJson("/cgi-bin/message/custom/send", { touser: openid, msgtype: "image", image: { media_id: mediaId } });
  }

  /**
   * Shows or cancels "typing…" for a follower (POST /cgi-bin/message/custom/typing). Best effort: WeChat refuses it
   * outside 30 s of the follower's last message (45080/45081) or without CS permission, and none of that matters
   * to the answer, so this never throws and returns whether WeChat accepted it.
   */
  async typing(openid: string, on: boolean): Promise<boolean> {
    try {
      await this.#postJson("/cgi-bin/message/custom/typing", { touser: openid, command: on ? "Typing" : "CancelTyping" });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Downloads a temporary media file (GET /cgi-bin/media/get). A JSON answer is an error (or a video, which WeChat
   * gives as a link rather than bytes) and throws WechatApiError; files over maxMediaBytes throw errcode -4.
   */
  async getMedia(mediaId: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const path = "/cgi-bin/media/get";
    return this.#withToken(async (token) => {
      const raw = await this.#request("GET", path, token, { media_id: mediaId }, this.#maxMediaBytes);
      if (!isJsonLike(raw.contentType)) return raw;
      const body = parseWechatJson(raw.bytes, `GET ${path}`, [token]);
      const kind = typeof body.video_url === "string" ? "a video link" : "JSON";
      throw new WechatApiError(ERRCODE_BAD_RESPONSE, `media is ${kind}, not bytes`, `GET ${path}`);
    });
  }

  /** Uploads a temporary image (POST /cgi-bin/media/upload?type=image, multipart field "media"); returns its media_id. */
  async uploadImage(bytes: Uint8Array, filename: string, contentType: string): Promise<string> {
    const path = "/cgi-bin/media/upload";
    return this.#withToken(async (token) => {
      const form = new FormData();
      form.append("media", new Blob([bytes.slice()], { type: contentType }), filename);
      const raw = await this.#request("POST", path, token, { type: "image" }, MAX_JSON_BYTES, form);
      const body = parseWechatJson(raw.bytes, `POST ${path}`, [token]);
      if (typeof body.media_id !== "string" || body.media_id === "") {
        throw new WechatApiError(ERRCODE_BAD_RESPONSE, "answer has no media_id", `POST ${path}`);
      }
      return body.media_id;
    });
  }

  /** POSTs JSON and checks WeChat's errcode. */
  async #postJson(path: string, payload: unknown): Promise<Record<string, unknown>> {
    return this.#withToken(async (token) => {
      const raw = await this.#request("POST", path, token, {}, MAX_JSON_BYTES, JSON.stringify(payload), {
        "content-type": "application/json",
      });
      return parseWechatJson(raw.bytes, `POST ${path}`, [token]);
    });
  }

  /** Runs `call` with a token; when WeChat rejects the token, asks for a newer one (naming the rejected) and retries once. */
  async #withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.#token();
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof WechatApiError) || err.action !== "refresh-token") throw err;
      return call(await this.#token(token));
    }
  }

  /** getToken may sit behind Workers RPC, which strips error classes: bring its failures back as WechatApiError. */
  async #token(rejected?: string): Promise<string> {
    try {
      return await this.#getToken(rejected);
    } catch (err) {
      throw WechatApiError.from(err, ERRCODE_NETWORK, rejected === undefined ? [] : [rejected]);
    }
  }

  async #request(
    method: "GET" | "POST",
    path: string,
    token: string,
    query: Record<string, string>,
    maxBytes: number,
    body?: BodyInit,
    headers?: Record<string, string>,
  ): Promise<WechatRawResponse> {
    const params = new URLSearchParams({ access_token: token, ...query });
    return wechatRequest({
      method,
      url: `${this.#apiBase}${path}?${params.toString()}`,
      what: `${method} ${path}`,
      body,
      headers,
      secrets: [token],
      timeoutMs: this.#timeoutMs,
      maxBytes,
      fetcher: this.#fetcher,
    });
  }
}
