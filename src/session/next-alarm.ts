/**
 * When a follower's object must run next after an alarm: the first of a window's end, a CS send that is due, an
 * answer to start or wait for, a tombstone to expire, and the clean-up of old records.
 */
import { csNotBefore, csRetryAt } from "./cs-sender";
import type { SessionStore } from "./store";

/** The retention periods that clean-up keeps records for. */
export interface Retention {
  /** Answered messages. */
  readMs: number;
  /** Answers that still wait for the follower's "1". */
  unreadMs: number;
}

/** The time of the next run (never before `now`), or undefined when nothing is due. */
export function nextAlarmAt(store: SessionStore, now: number, windowEnd: number | undefined, retention: Retention): number | undefined {
  const candidates: number[] = [];
  if (windowEnd !== undefined) candidates.push(windowEnd);
  if (store.hasPartsWith("cs-queued")) candidates.push(Math.max(now, csRetryAt(store) ?? now, csNotBefore(store)));
  // An answer to start or to wait for (one per run): the next run takes it at once.
  if (store.unfinished().length > 0) candidates.push(now);
  const tombstone = store.expireTombstones(now);
  if (tombstone !== undefined) candidates.push(tombstone);
  const read = store.oldestReadJob();
  if (read !== undefined) candidates.push(read + retention.readMs + 60_000);
  const oldest = store.oldestJob();
  if (oldest !== undefined) candidates.push(oldest + retention.unreadMs + 60_000);
  return candidates.length === 0 ? undefined : Math.max(now, Math.min(...candidates));
}
