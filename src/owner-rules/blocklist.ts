/**
 * BLOCKED_OPENIDS: followers the worker does not serve. Checked before the follower's Durable Object is called, so a
 * blocked follower's messages are acknowledged with `success` and leave nothing behind: no row, no Dify call.
 */

/** Reads the comma-separated openids (exact, case-sensitive: openids are opaque ids). */
export function parseBlockedOpenids(value: unknown): ReadonlySet<string> {
  if (typeof value !== "string") return new Set();
  return new Set(value.split(/[,，\s]+/).filter((id) => id !== ""));
}
