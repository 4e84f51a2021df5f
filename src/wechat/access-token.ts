/**
 * WeChat's stable access token (POST /cgi-bin/stable_token).
 *
 * Normal mode hands every caller the same token until 5 minutes before it expires, so many Worker instances can
 * ask without invalidating each other; force_refresh (at most 20 a day) issues a new token and kills the old one,
 * which is only right when WeChat has just rejected the token we hold. Caching and deciding when to force belong to
 * the caller (src/session/access-token-store.ts).
 */
import { DEFAULT_TIMEOUT_MS, parseWechatJson, wechatRequest } from "./api-client";
import { ERRCODE_BAD_RESPONSE, WechatApiError } from "./api-errors";

/** Options for {@link fetchStableToken}. */
export interface StableTokenOptions {
  /** e.g. https://api.weixin.qq.com (or a fixed-IP proxy in front of it). */
  apiBase: string;
  appId: string;
  appSecret: string;
  /** true only after WeChat rejected the current token (40001/40014/42001). */
  forceRefresh: boolean;
  /** Defaults to the global fetch. */
  fetcher?: typeof fetch;
  /** Clock for the absolute expiry. Defaults to Date.now. */
  now?: () => number;
  /** Deadline including the body. Default 10 000 ms. */
  timeoutMs?: number;
}

/** A token and the moment (ms since epoch) WeChat stops accepting it. */
export interface StableToken {
  token: string;
  expiresAt: number;
}

/**
 * Fetches a stable access token. Throws WechatApiError: WeChat's errcode (e.g. 40125 bad secret, 40164 IP not
 * whitelisted) or a transport code; the secret never appears in the error.
 */
export async function fetchStableToken(o: StableTokenOptions): Promise<StableToken> {
  const path = "/cgi-bin/stable_token";
  const what = `POST ${path}`;
  const now = o.now ?? Date.now;
  const raw = await wechatRequest({
    method: "POST",
    url: `${o.apiBase.replace(/\/+$/, "")}${path}`,
    what,
    body: JSON.stringify({ grant_type: "client_credential", appid: o.appId, secret: o.appSecret, force_refresh: o.forceRefresh }),
    headers: { "content-type": "application/json" },
    secrets: [o.appSecret],
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxBytes: 64 * 1024,
    fetcher: o.fetcher ?? ((input, init) => fetch(input, init)),
  });
  const body = parseWechatJson(raw.bytes, what, [o.appSecret]);
  const token = body.access_token;
  const expiresIn = body.expires_in;
  if (typeof token !== "string" || token === "" || typeof expiresIn !== "number" || !(expiresIn > 0)) {
    throw new WechatApiError(ERRCODE_BAD_RESPONSE, "answer has no access_token/expires_in", what);
  }
  return { token, expiresAt: now() + expiresIn * 1000 };
}
