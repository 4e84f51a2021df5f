/**
 * Sends queued answer parts through WeChat's customer-service API, one at a time, in answer order, each exactly once:
 * a part is marked `cs-sending` before the call and `cs` right after it, so an alarm that runs again never resends a
 * sent part. When WeChat refuses for good (quota used, 48 h passed, no permission), the rest waits for "1".
 */
import { WechatApiError } from "../wechat/api-errors";
import type { WechatApiClient } from "../wechat/api-client";
import { describeError, log } from "../log";
import { downloadImage, imageExtension } from "./image-download";
import type { SessionStore } from "./store";
import { SubrequestBudgetError } from "./subrequests";

/** Retries of a busy (-1) or unreachable API before the parts are left for "1". */
export const MAX_SEND_RETRIES = 6;
const RETRY_KEY = "cs_retries";
const RETRY_AT_KEY = "cs_retry_at";
const NOT_BEFORE_KEY = "cs_not_before";

/** What a send round ended with. */
export type SendOutcome =
  | { state: "idle" }
  | { state: "retry"; at: number }
  | { state: "wait"; until: number }
  /** This invocation has no outbound calls left for another send: a later one carries on. */
  | { state: "deferred" };

/**
 * A part's `media` starting with this holds a WeChat media id stored when the answer was written (the image was
 * fetched while Dify's signed URL still worked); any other `media` is an image URL, fetched at send time.
 */
export const WECHAT_MEDIA_PREFIX = "wechat-media:";

/** Outbound calls one CS send may take at most (an answer image: download, token, upload, token, send). */
export const CALLS_PER_SEND = 5;

/** Keeps CS parts back until `until` (so a passive reply reaches the follower before the parts that follow it). */
export function holdCsUntil(store: SessionStore, until: number): void {
  const current = Number(store.meta(NOT_BEFORE_KEY) ?? 0);
  if (until > current) store.setMeta(NOT_BEFORE_KEY, String(until));
}

/** Until when CS parts are held back (0 when they are not). */
export function csNotBefore(store: SessionStore): number {
  return Number(store.meta(NOT_BEFORE_KEY) ?? 0);
}

/** When a backed-off retry is due, if one is. */
export function csRetryAt(store: SessionStore): number | undefined {
  const raw = store.meta(RETRY_AT_KEY);
  return raw === undefined ? undefined : Number(raw);
}

/** Moves every queued CS part to "wait for 1" (no CS possible now). Returns how many moved. */
export function leaveQueuedForPull(store: SessionStore): number {
  const queued = [...store.partsWith("cs-queued"), ...store.partsWith("cs-sending")];
  for (const part of queued) store.setPartVia(part.job, part.idx, "pull-ready");
  return queued.length;
}

/**
 * Sends an image the app produced as a WeChat image (download, upload as temporary media, CS image message).
 * Returns false when the image could not be fetched or uploaded, so the caller sends its link instead; WeChat's own
 * refusals of the send itself are thrown like any send error.
 */
async function sendImage(api: WechatApiClient, openid: string, url: string, fetcher?: typeof fetch): Promise<boolean> {
  if (url.startsWith(WECHAT_MEDIA_PREFIX)) {
    await api.sendImage(openid, url.slice(WECHAT_MEDIA_PREFIX.length));
    return true;
  }
  let mediaId: string;
  try {
    const { bytes, contentType } = await downloadImage(url, "image/png", fetcher);
    mediaId = await api.uploadImage(bytes, `answer.${imageExtension(contentType)}`, contentType);
  } catch (error) {
    if (error instanceof SubrequestBudgetError) throw error;
    log.warn("cs_image_fallback_to_link", describeError(error));
    return false;
  }
  await api.sendImage(openid, mediaId);
  return true;
}

/** How one send round is run. */
export interface SendRound {
  now: () => number;
  /** Added to each log line (hashed user, etc.). */
  logFields: Record<string, unknown>;
  /** Turns a job key into its loggable form (no raw openid). */
  logKey?: (key: string) => string;
  /** Outbound calls this invocation still has; a send starts only when it could finish within them. */
  callsLeft?: () => number;
  /** The invocation's counted fetch, for answer images. */
  fetcher?: typeof fetch;
  /** Told of each send WeChat refused (for the owner's alerts); never awaited. */
  onRefused?: (error: unknown) => void;
}

/** Sends every queued part now due, in order, each exactly once. */
export async function sendQueuedParts(
  store: SessionStore,
  api: WechatApiClient,
  openid: string,
  round: SendRound,
): Promise<SendOutcome> {
  const { now, logFields } = round;
  const logKey = round.logKey ?? ((key: string) => key);
  for (;;) {
    const notBefore = Number(store.meta(NOT_BEFORE_KEY) ?? 0);
    if (notBefore > now()) return { state: "wait", until: notBefore };
    const retryAt = csRetryAt(store);
    if (retryAt !== undefined && retryAt > now()) return { state: "retry", at: retryAt };
    const part = store.partsWith("cs-queued")[0];
    if (part === undefined) return { state: "idle" };
    if (round.callsLeft !== undefined && round.callsLeft() < CALLS_PER_SEND) return { state: "deferred" };

    store.setPartVia(part.job, part.idx, "cs-sending");
    try {
      const sentAsImage = part.media !== null && (await sendImage(api, openid, part.media, round.fetcher));
      if (!sentAsImage && part.text.trim() !== "") await api.sendText(openid, part.text);
      store.setPartVia(part.job, part.idx, "cs", now());
      store.setMeta(RETRY_KEY, undefined);
      store.setMeta(RETRY_AT_KEY, undefined);
      log.info("cs_sent", { ...logFields, key: logKey(part.job), part: part.idx });
    } catch (error) {
      if (error instanceof SubrequestBudgetError) {
        store.setPartVia(part.job, part.idx, "cs-queued");
        return { state: "deferred" };
      }
      round.onRefused?.(error);
      const retries = Number(store.meta(RETRY_KEY) ?? 0);
      const action = error instanceof WechatApiError ? error.action : "retry-later";
      if (action !== "stop" && retries < MAX_SEND_RETRIES) {
        store.setPartVia(part.job, part.idx, "cs-queued");
        const at = now() + Math.min(60_000, 1000 * 2 ** retries);
        store.setMeta(RETRY_KEY, String(retries + 1));
        store.setMeta(RETRY_AT_KEY, String(at));
        log.warn("cs_send_retry", { ...logFields, key: logKey(part.job), part: part.idx, retry: retries + 1, ...describeError(error) });
        return { state: "retry", at };
      }
      store.setPartVia(part.job, part.idx, "pull-ready");
      const moved = leaveQueuedForPull(store);
      store.setMeta(RETRY_KEY, undefined);
      store.setMeta(RETRY_AT_KEY, undefined);
      log.error("cs_send_stopped", {
        ...logFields, key: logKey(part.job), part: part.idx, keptForPull: moved + 1, ...describeError(error),
      });
      return { state: "idle" };
    }
  }
}
