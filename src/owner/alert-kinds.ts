/**
 * The problems the worker tells the owner about (ALERT_WEBHOOK_URL): each kind is posted at most once per
 * {@link ALERT_WINDOW_MS} per account, whatever the number of followers meeting it.
 */
import { DifyError } from "../dify";
import { WechatApiError } from "../wechat/api-errors";
import { WECHAT_INVALID_SECRET, WECHAT_IP_NOT_WHITELISTED, wechatAdvice } from "./wechat-advice";

/** The kinds of problem, one alert window each. */
export type AlertKind = "wechat-ip-blocked" | "wechat-secret-invalid" | "dify-key-refused" | "dify-failing";

/** One kind of problem is posted at most once in this long (per account). */
export const ALERT_WINDOW_MS = 10 * 60_000;
/** Dify failing this many times in a row (no success between) is a problem of its own. */
export const DIFY_FAILURE_STREAK = 5;

/** One alert, as posted. `detail` never holds a secret: the errors it comes from are scrubbed already. */
export interface Alert {
  account: string;
  kind: AlertKind;
  /** One line: what happened and what to do. */
  summary: string;
  /** The underlying error message, truncated. */
  detail: string;
}

/** Longest `detail` posted (WeCom's text messages take 2048 bytes in all). */
const DETAIL_MAX_CHARS = 500;

function truncated(text: string): string {
  return text.length <= DETAIL_MAX_CHARS ? text : `${text.slice(0, DETAIL_MAX_CHARS - 1)}…`;
}

/** The alert for a failed stable_token call, when it is one of the kinds the owner must hear of. */
export function wechatAlert(account: string, error: unknown): Alert | undefined {
  const e = WechatApiError.from(error);
  let kind: AlertKind;
  if (e.errcode === WECHAT_IP_NOT_WHITELISTED) kind = "wechat-ip-blocked";
  else if (e.errcode === WECHAT_INVALID_SECRET) kind = "wechat-secret-invalid";
  else return undefined;
  return { account, kind, summary: wechatAdvice(e.errcode, e.errmsg, "the worker"), detail: truncated(e.message) };
}

/** How one Dify call ended, as the follower's object reports it to the account's ledger. */
export type DifyOutcome =
  | { ok: true }
  /** `keyRefused`: Dify answered 401 (the key is wrong or deleted): posted at once, not counted as a failure. */
  | { ok: false; keyRefused: boolean; detail: string };

/**
 * The outcome of a failed call, or undefined when the failure says nothing about Dify (a voice that could not be
 * downloaded, our own abort, the invocation's outbound-call budget).
 */
export function difyFailure(error: unknown): DifyOutcome | undefined {
  if (!(error instanceof DifyError) || error.deadline === "caller") return undefined;
  // The invocation ran out of outbound calls before asking: Dify was never reached (src/session/subrequests.ts).
  if (error.cause instanceof Error && error.cause.name === "SubrequestBudgetError") return undefined;
  return { ok: false, keyRefused: error.status === 401, detail: truncated(error.message) };
}

/** The alert for a key Dify refused. */
export function difyKeyAlert(account: string, detail: string): Alert {
  return {
    account,
    kind: "dify-key-refused",
    summary: "Dify refused DIFY_API_KEY (401): followers get the failure text until the key is fixed (wrangler secret put DIFY_API_KEY)",
    detail,
  };
}

/** The alert for Dify failing {@link DIFY_FAILURE_STREAK} times in a row. */
export function difyFailingAlert(account: string, streak: number, detail: string): Alert {
  return {
    account,
    kind: "dify-failing",
    summary: `Dify failed ${streak} times in a row: followers get the failure text (the last error is below)`,
    detail,
  };
}
