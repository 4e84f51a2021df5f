/**
 * How old a signed WeChat request may be. WeChat's signatures cover a `timestamp` (Unix seconds, the send time) but
 * never expire by themselves: without this rule one captured callback URL (they sit in access logs and proxies)
 * stays valid forever. The callback protocol sets no window of its own; 5 minutes is the one WeChat Pay's signature
 * guide asks for, and is wide enough for clock skew and for WeChat's three tries of one message (about 15 s).
 */

/** Largest distance, in seconds, between a request's `timestamp` and now, in either direction. */
export const MAX_TIMESTAMP_SKEW_SECONDS = 300;

/**
 * True when `timestamp` is all ASCII digits and at most {@link MAX_TIMESTAMP_SKEW_SECONDS} away from `nowMs`
 * (past or future). Anything else (missing, empty, signed, fractional, milliseconds) is not fresh.
 */
export function isFreshTimestamp(timestamp: string | null | undefined, nowMs: number = Date.now()): boolean {
  if (timestamp == null || !/^[0-9]{1,12}$/.test(timestamp)) return false;
  const skewSeconds = Math.abs(Number(timestamp) - Math.floor(nowMs / 1000));
  return skewSeconds <= MAX_TIMESTAMP_SKEW_SECONDS;
}
