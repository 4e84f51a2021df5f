/**
 * RATE_LIMIT_PER_HOUR: how many questions one follower may put to Dify in any rolling hour. Only questions that
 * would call Dify count (not "1", commands, keyword or handoff replies, nor questions refused for any reason), so
 * the count is that of the follower's `ask` jobs of the last hour, which the store keeps for days anyway.
 */

/** The rolling window the limit counts over. */
export const RATE_WINDOW_MS = 60 * 60_000;

/**
 * Whether a new question is one too many (a limit of 0 means none). `askedInWindow` counts the follower's questions
 * of the last {@link RATE_WINDOW_MS}; it is called only when there is a limit.
 */
export function overRateLimit(limitPerHour: number, askedInWindow: () => number): boolean {
  return limitPerHour > 0 && askedInWindow() >= limitPerHour;
}
