/**
 * WeChat's request window: 3 requests about 5 s apart for one message; the last must be answered within
 * 5 s x RETRY_WAIT_TIMEOUT_RATIO. Pure timing rules, no state.
 */
import type { Config } from "../config";

/** Extra time a held request 1 or 2 waits past WeChat's own timeout before giving up (WeChat has cut it by then). */
export const HOLD_GRACE_MS = 1000;

/**
 * Whether this delivery is WeChat's last try: the third delivery, or one arriving as late as the third would
 * (a lost delivery must not make the worker hold the real last one too long).
 */
export function isLastTry(deliveries: number, firstSeen: number, arrivedAt: number, config: Config): boolean {
  const timeout = config.wechat.requestTimeoutMs;
  return deliveries >= 3 || arrivedAt - firstSeen >= 2 * timeout - timeout / 10;
}

/** When the reply to this request must be decided: request 3 within its budget; requests 1-2 held to WeChat's cut. */
export function replyDeadline(isLast: boolean, arrivedAt: number, config: Config): number {
  const timeout = config.wechat.requestTimeoutMs;
  return arrivedAt + (isLast ? timeout * config.delivery.retryWaitRatio : timeout + HOLD_GRACE_MS);
}

/** How long after the first delivery every retry is surely over: 3 x 5 s, plus network slack. */
export function windowLength(config: Config): number {
  return 3 * config.wechat.requestTimeoutMs + 500;
}
