/**
 * The one summary log line per message: how it reached the follower (passive, cs, pull), Dify's first-token and
 * total times, and the error if any. Written once, when every part's route is settled.
 */
import { log } from "../log";
import type { SessionStore } from "./store";

/** Writes the summary of each message whose delivery has settled. `user` is the hashed openid, never the raw one. */
export function logSettledMessages(store: SessionStore, user: string, logKey: (key: string) => string): void {
  for (const job of store.settledUnlogged()) {
    const parts = store.parts(job.key);
    const paths = [...new Set(parts.map((p) => (p.via === "pull-ready" ? "pull" : p.via)))].filter((v) => v !== null);
    log.info("message", {
      user,
      key: logKey(job.key),
      type: messageType(job.work),
      path: paths.join("+") || "none",
      parts: parts.length,
      waitingForPull: parts.filter((p) => p.via === "pull-ready").length,
      difyFirstTokenMs: job.firstTokenMs ?? undefined,
      difyTotalMs: job.totalMs ?? undefined,
      attempts: job.attempts,
      deliveries: job.deliveries,
      error: parseJson(job.error),
    });
    store.updateJob(job.key, { logged: true });
  }
}

function messageType(work: string): string | undefined {
  const parsed = parseJson(work);
  return typeof parsed === "object" && parsed !== null && "messageType" in parsed ? String(parsed.messageType) : undefined;
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
