/**
 * Errors from WeChat's server API, carrying WeChat's own `errcode`/`errmsg` and what a caller should do about them.
 *
 * Failures that never reached WeChat's JSON get negative codes of our own (WeChat itself only uses -1):
 * - {@link ERRCODE_NETWORK} (-2): the request failed in transit (connection refused, reset, DNS) or came back with
 *   HTTP 429/5xx (e.g. from the fixed-IP reverse proxy); retry later.
 * - {@link ERRCODE_TIMEOUT} (-3): no complete answer before the deadline (headers or body); retry later.
 * - {@link ERRCODE_BAD_RESPONSE} (-4): an answer we cannot use (other HTTP status, body that is not WeChat's JSON,
 *   media over the size cap); almost always a misconfigured API base URL, so stop.
 */

/** What the caller should do after a failed call. */
export type WechatErrorAction = "refresh-token" | "retry-later" | "stop";

/** Our code for a request that failed in transit or got HTTP 429/5xx. */
export const ERRCODE_NETWORK = -2;
/** Our code for a request that did not complete (headers and body) before its deadline. */
export const ERRCODE_TIMEOUT = -3;
/** Our code for an answer that is not WeChat's JSON (or is otherwise unusable). */
export const ERRCODE_BAD_RESPONSE = -4;

/** 40001 invalid credential, 40014 invalid access_token, 42001 access_token expired: get a new token and retry once. */
const REFRESH_TOKEN_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** -1 system busy, 45009 daily API quota reached, and our own transport failures: the same call may work later. */
const RETRY_LATER_CODES: ReadonlySet<number> = new Set([-1, 45009, ERRCODE_NETWORK, ERRCODE_TIMEOUT]);

/**
 * Maps a WeChat errcode to the caller's next step. Everything not known to be transient is "stop": 45015 (48 h
 * window passed), 45047 (CS quota used up), 48001 (no CS permission), 43004 (not following), 40164 (IP not
 * whitelisted), 45002 (content too long) and any code we have never seen, because retrying those only burns quota.
 */
export function actionFor(errcode: number): WechatErrorAction {
  if (REFRESH_TOKEN_CODES.has(errcode)) return "refresh-token";
  if (RETRY_LATER_CODES.has(errcode)) return "retry-later";
  return "stop";
}

const MESSAGE_FORMAT = /^WeChat API error (-?\d+)(?: \(([^)]*)\))?: ([\s\S]*)$/;

/**
 * An errcode != 0 from WeChat's API, or one of our transport codes (-2, -3, -4, see the module comment).
 * The message is `WeChat API error <errcode> (<endpoint>): <errmsg>` and never contains the access token or the
 * app secret.
 */
export class WechatApiError extends Error {
  /** WeChat's errcode, or our negative transport code. */
  readonly errcode: number;
  /** WeChat's errmsg (or our description), already scrubbed of secrets. */
  readonly errmsg: string;
  /** What the caller should do next; derived from errcode. */
  readonly action: WechatErrorAction;
  /** The call that failed, e.g. "POST /cgi-bin/message/custom/send" (never the URL: it holds the token). */
  readonly endpoint: string | undefined;

  /** `errmsg` must already be free of secrets (see {@link redactSecrets}). */
  constructor(errcode: number, errmsg: string, endpoint?: string) {
    super(`WeChat API error ${errcode}${endpoint === undefined ? "" : ` (${endpoint})`}: ${errmsg}`);
    this.name = "WechatApiError";
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.action = actionFor(errcode);
    this.endpoint = endpoint;
  }

  /**
   * Rebuilds a WechatApiError from anything thrown. Workers RPC (e.g. a Durable Object's getToken) keeps only an
   * error's message, so the errcode is read back from the message format; other errors become
   * `fallbackCode` with their message (scrubbed of `secrets`).
   */
  static from(err: unknown, fallbackCode: number = ERRCODE_BAD_RESPONSE, secrets: readonly string[] = []): WechatApiError {
    if (err instanceof WechatApiError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const match = MESSAGE_FORMAT.exec(message);
    if (match?.[1] !== undefined && match[3] !== undefined) {
      return new WechatApiError(Number(match[1]), redactSecrets(match[3], secrets), match[2]);
    }
    return new WechatApiError(fallbackCode, redactSecrets(message, secrets));
  }
}

/**
 * Removes secrets from text that may end up in an error message or a log: every occurrence of each given secret,
 * and any `access_token=...` / `secret=...` query parameter (a proxy or runtime may echo our URL back).
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join("***");
  }
  return out.replace(/\b(access_token|secret)=[^&\s"']+/gi, "$1=***");
}
