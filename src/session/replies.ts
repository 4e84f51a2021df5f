/**
 * What each of WeChat's requests for a message is answered with: the answer (or its first part) once it is ready,
 * else, when the request's time is up, a holding text (CS mode) or a continue prompt (pull mode). The decision is
 * stored with the job, so every retry of the message gets the same text.
 */
import type { Config } from "../config";
import { log } from "../log";
import { fill } from "../texts";
import { holdCsUntil } from "./cs-sender";
import { earlyNote, planUndecidedParts, takeEarlyPassivePart, takePassivePart, takePulledPart, withEarlierReminder } from "./delivery-plan";
import { pageLink } from "./page-link";
import { routeEarlyParts } from "./progressive";
import { logSettledMessages } from "./summary-log";
import type { Job, SessionStore } from "./store";

/** A passive reply gets this head start over the CS parts that follow it, so they arrive in order. */
const PASSIVE_HEAD_START_MS = 1000;

/** What the reply decisions need from the follower's object. */
export interface ReplyContext {
  store: SessionStore;
  config: Config;
  userTag: string;
  logKey(key: string): string;
  /** Wakes held requests and the alarm. */
  notify(): void;
  /** Makes sure the alarm runs by `at`. */
  armAlarm(at: number): void;
  /**
   * Stores what has finished of the answer being written for `jobKey` (if it is being written here), routed by the
   * job's state (src/session/progressive.ts). Returns how many parts were stored.
   */
  takeFinished(jobKey: string): number;
}

/** The reply for a request once one is decided, else undefined (keep waiting). "" = `success`, nothing shown. */
export function replyIfReady(ctx: ReplyContext, key: string): string | undefined {
  const { store, config } = ctx;
  const job = store.job(key);
  if (!job) return "";
  if (job.passiveReply !== null) return job.passiveReply;
  const now = Date.now();
  if (job.kind === "ask") {
    // Dify is still writing: the first part goes as soon as it is final.
    if (job.status === "running") return earlyReply(ctx, job, now);
    if (job.status !== "done") return undefined;
    const taken = takePassivePart(store, key, config, now);
    const text = withEarlierReminder(store, key, taken?.text ?? "", config);
    store.updateJob(key, { passiveReply: text });
    if ((taken?.rest.toCs ?? 0) > 0) {
      holdCsUntil(store, now + PASSIVE_HEAD_START_MS);
      ctx.armAlarm(now + PASSIVE_HEAD_START_MS);
    }
    logSettledMessages(store, ctx.userTag, ctx.logKey);
    ctx.notify();
    return text;
  }
  if (job.kind === "continue") {
    const target = job.target === null ? undefined : store.job(job.target);
    if (!target) return "";
    let pulled = takePulledPart(store, target.key, config, now);
    // A "1" while Dify is still writing gets whatever has finished since, at once.
    if (pulled === undefined && target.status === "running" && !config.delivery.customMessages && ctx.takeFinished(target.key) > 0) {
      pulled = takePulledPart(store, target.key, config, now);
    }
    if (pulled !== undefined) {
      store.updateJob(key, { passiveReply: pulled });
      log.info("pulled", { user: ctx.userTag, key: ctx.logKey(target.key) });
      ctx.notify();
      return pulled;
    }
    if (target.status !== "done") return undefined;
    // Nothing waits for "1": the rest is on its way by customer service (or was already delivered).
    const text = store.hasPartsWith("cs-queued") ? config.texts.holding + pageLink(target, config) : "";
    store.updateJob(key, { passiveReply: text });
    return text;
  }
  return "";
}

/** The reply when the request's time is up and the answer is not ready. */
export function replyInTime(ctx: ReplyContext, key: string, isLast: boolean): string {
  const { store, config } = ctx;
  const job = store.job(key);
  if (!job) return "";
  const target = job.kind === "continue" && job.target !== null ? store.job(job.target) : job;
  if (!target) return "";
  const prompts = target.prompts + 1;
  const text = (config.delivery.customMessages ? config.texts.holding : continuePrompt(prompts, config)) + pageLink(target, config);
  if (!isLast) return text; // WeChat has cut this request already; the retry decides for real.
  // WeChat's last try: whatever has finished is better than a bare holding text.
  if (target.status === "running" && ctx.takeFinished(target.key) > 0) {
    const finished = replyIfReady(ctx, key);
    if (finished !== undefined) return finished;
  }
  store.updateJob(target.key, { prompts, windowClosed: true });
  store.updateJob(key, { passiveReply: text });
  if (target.status === "done") planUndecidedParts(store, target.key, config);
  log.info("window_closed", { user: ctx.userTag, key: ctx.logKey(target.key), reply: config.delivery.customMessages ? "holding" : "continue" });
  ctx.armAlarm(Date.now());
  logSettledMessages(store, ctx.userTag, ctx.logKey);
  ctx.notify();
  return text;
}

/**
 * The reply to a request while Dify is still writing, once a first part is final: that part (see
 * takeEarlyPassivePart). WeChat's window is over for this message from here: the rest goes late, by customer service
 * or "1", as it finishes. Undefined while nothing has finished.
 */
function earlyReply(ctx: ReplyContext, job: Job, now: number): string | undefined {
  const { store, config } = ctx;
  const part = takeEarlyPassivePart(store, job, now);
  if (part === undefined) return undefined;
  const closed = { ...job, windowClosed: true };
  store.updateJob(job.key, { windowClosed: true });
  routeEarlyParts(store, closed, config);
  const note = earlyNote(store, closed, config);
  const text = part + note;
  // A note of its own already says to send "1"; without one (the rest comes by CS), an earlier unread answer is recalled.
  const reply = note.startsWith(config.texts.moreComing) ? text : withEarlierReminder(store, job.key, text, config);
  store.updateJob(job.key, { passiveReply: reply });
  if (config.delivery.customMessages) holdCsUntil(store, now + PASSIVE_HEAD_START_MS);
  ctx.armAlarm(now + PASSIVE_HEAD_START_MS);
  log.info("window_closed", { user: ctx.userTag, key: ctx.logKey(job.key), reply: "first part" });
  ctx.notify();
  return reply;
}

function continuePrompt(prompt: number, config: Config): string {
  const max = config.delivery.maxContinueCount;
  if (prompt > max) return config.texts.continueLater;
  return config.texts.continuePrompt + fill(config.texts.continueCountdown, { remaining: max - prompt + 1 });
}
