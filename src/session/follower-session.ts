/**
 * One Durable Object per follower (openid). It is the single place where that follower's messages meet:
 *
 * - WeChat's retries of a message find its stored job and join it: one Dify call per message, however many retries.
 * - Messages are answered one at a time in arrival order (a queue drained by `pump`).
 * - WeChat requests 1 and 2 are held while the answer is pending and reply the moment it is ready; request 3 replies
 *   within 5 s x RETRY_WAIT_TIMEOUT_RATIO with the answer or a short holding text.
 * - After the request window the alarm owns the answer: it waits for the pending stream (asking Dify again if a
 *   restart lost it), then sends it by customer-service messages or leaves it for the follower's "1".
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type AppEnv, type Config } from "../config";
import { DifyClient } from "../dify";
import { WechatApiClient } from "../wechat/api-client";
import { dedupeKey, type InboundMessage } from "../wechat/message";
import { accessTokenGetter } from "./access-token-store";
import { describeError, hashOpenid, log } from "../log";
import { fill } from "../texts";
import { answerImages, askDify, VoiceNotUnderstoodError, type AskWork } from "./ask-dify";
import { ChangeSignal } from "./change-signal";
import {
  CS_BUDGET_AFTER_EVENT,
  CS_BUDGET_AFTER_MESSAGE,
  answerParts,
  planUndecidedParts,
  resetCsBudget,
  takePassivePart,
  takePulledPart,
  withEarlierReminder,
} from "./delivery-plan";
import { csRetryAt, holdCsUntil, leaveQueuedForPull, sendQueuedParts } from "./cs-sender";
import { workFor, type Work } from "./intake";
import { queueFinishedParagraphs } from "./progressive";
import { logSettledMessages } from "./summary-log";
import { isLastTry, replyDeadline, windowLength } from "./wechat-window";
import { SessionStore, type Job } from "./store";

/** How long a message's record (and an unclaimed answer) is kept: retries, restarts and a late "1" all fit in it. */
export const RETENTION_MS = 3 * 24 * 60 * 60_000;
/** A passive reply gets this head start over the CS parts that follow it, so they arrive in order. */
const PASSIVE_HEAD_START_MS = 1000;
/** How often "typing…" is renewed while a CS-mode answer is pending (WeChat shows it for 15 s). */
const TYPING_EVERY_MS = 14_000;

const OPENID_KEY = "openid";
const CONVERSATION_KEY = "conversation_id";
const EPOCH_KEY = "conversation_epoch";

/** What the worker sends back to WeChat for one request: a text, or "" for `success` (nothing to show). */
export type CallbackReply = string;

/** The per-follower Durable Object. Call it through `env.FOLLOWER_SESSION.getByName(openid)`. */
export class FollowerSession extends DurableObject<AppEnv> {
  private readonly store: SessionStore;
  private readonly changes = new ChangeSignal();
  private pumping: Promise<void> | undefined;
  private lastTypingAt = 0;
  /** The follower's openid and its hash for logs, known after the first call (a restart reads it from storage). */
  private openid: string | undefined;
  private userTag = "";

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new SessionStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      // A restart loses in-memory streams and in-flight sends: put them back so the alarm can finish them.
      const requeued = this.store.requeueRunning();
      const sending = this.store.partsWith("cs-sending");
      for (const part of sending) this.store.setPartVia(part.job, part.idx, "cs-queued");
      if (requeued > 0 || sending.length > 0) {
        log.warn("session_restarted", { requeued, resending: sending.length });
        await this.armAlarm(Date.now());
      }
    });
  }

  private get config(): Config {
    return configFor(this.env);
  }

  /**
   * Handles one delivery of a WeChat message (the first or a retry) and resolves with the passive reply for this
   * request, within the request's time budget.
   */
  async receive(message: InboundMessage): Promise<CallbackReply> {
    const arrivedAt = Date.now();
    const config = this.config;
    await this.remember(message.fromUser);
    const key = dedupeKey(message);
    const known = this.store.job(key);
    const job = known ? this.store.countDelivery(key) ?? known : this.admit(message, key, arrivedAt, config);
    if (known) log.info("retry", { user: this.userTag, key: this.logKey(key), delivery: job.deliveries });

    const isLast = isLastTry(job.deliveries, job.firstSeen, arrivedAt, config);
    const deadline = replyDeadline(isLast, arrivedAt, config);
    this.ensurePump();
    for (;;) {
      const reply = this.replyIfReady(key, config);
      if (reply !== undefined) return reply;
      const left = deadline - Date.now();
      if (left <= 0) return this.replyInTime(key, isLast, config);
      await this.changes.wait(left);
    }
  }

  /** Runs after the request window and whenever parts are due: finishes, sends, retries, cleans up. */
  override async alarm(): Promise<void> {
    const config = this.config;
    const openid = this.store.meta(OPENID_KEY);
    if (openid !== undefined) await this.remember(openid);
    this.ensurePump();
    for (;;) {
      this.closeExpiredWindows(config);
      const outcome = await this.sendDueParts(config);
      if (this.pumping === undefined && outcome.state !== "wait") break;
      this.typingWhilePending(config);
      const until = outcome.state === "wait" ? outcome.until : Date.now() + 5000;
      const windowEnd = this.nextWindowEnd(config);
      await this.changes.wait(Math.min(until, windowEnd ?? Infinity) - Date.now());
    }
    this.closeExpiredWindows(config);
    const removed = this.store.deleteOldJobs(Date.now() - RETENTION_MS);
    if (removed > 0) log.info("session_cleaned", { user: this.userTag, removed });
    await this.armNextAlarm(config);
  }

  /** Records a new message and decides its work. */
  private admit(message: InboundMessage, key: string, arrivedAt: number, config: Config): Job {
    const work = workFor(message, config.texts, () => this.collectable().length > 0);
    if (message.type === "event") {
      if (["subscribe", "scan", "click"].includes(message.event)) resetCsBudget(this.store, CS_BUDGET_AFTER_EVENT);
    } else {
      resetCsBudget(this.store, CS_BUDGET_AFTER_MESSAGE);
    }
    log.info("received", { user: this.userTag, key: this.logKey(key), type: message.type, work: work.do });
    return this.startWork(work, key, arrivedAt, config);
  }

  private startWork(work: Work, key: string, arrivedAt: number, config: Config): Job {
    const base = { key, work: JSON.stringify(work), firstSeen: arrivedAt };
    switch (work.do) {
      case "ask": {
        const job = this.store.insertJob({ ...base, kind: "ask", status: "queued" });
        void this.armAlarm(this.windowEnd(job, config));
        return job;
      }
      case "continue": {
        const target = this.collectable()[0];
        return this.store.insertJob({ ...base, kind: "continue", status: "done", target: target?.key ?? null });
      }
      case "clear":
        this.store.setMeta(CONVERSATION_KEY, undefined);
        this.store.setMeta(EPOCH_KEY, String(this.conversationEpoch() + 1));
        log.info("conversation_cleared", { user: this.userTag });
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: config.texts.cleared });
      case "forget":
        this.store.wipe();
        // The follower may come back to this very instance; CS sends then still need to know who they are.
        if (this.openid !== undefined) this.store.setMeta(OPENID_KEY, this.openid);
        log.info("follower_forgotten", { user: this.userTag });
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: "" });
      case "reply":
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: work.text });
    }
  }

  /** Answers the follower has started receiving (or was told to collect) but not received in full, oldest first. */
  private collectable(): Job[] {
    return this.store.undelivered().filter((job) => job.windowClosed || job.passiveReply !== null);
  }

  /** The reply for a request once one is decided, else undefined (keep waiting). */
  private replyIfReady(key: string, config: Config): CallbackReply | undefined {
    const job = this.store.job(key);
    if (!job) return "";
    if (job.passiveReply !== null) return job.passiveReply;
    const now = Date.now();
    if (job.kind === "ask") {
      if (job.status !== "done") return undefined;
      const taken = takePassivePart(this.store, key, config, now);
      const text = withEarlierReminder(this.store, key, taken?.text ?? "", config);
      this.store.updateJob(key, { passiveReply: text });
      if ((taken?.rest.toCs ?? 0) > 0) {
        holdCsUntil(this.store, now + PASSIVE_HEAD_START_MS);
        void this.armAlarm(now + PASSIVE_HEAD_START_MS);
      }
      logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
      this.changes.notify();
      return text;
    }
    if (job.kind === "continue") {
      const target = job.target === null ? undefined : this.store.job(job.target);
      if (!target) return "";
      const pulled = takePulledPart(this.store, target.key, config, now);
      if (pulled !== undefined) {
        this.store.updateJob(key, { passiveReply: pulled });
        log.info("pulled", { user: this.userTag, key: this.logKey(target.key) });
        this.changes.notify();
        return pulled;
      }
      if (target.status !== "done") return undefined;
      // Nothing waits for "1": the rest is on its way by customer service (or was already delivered).
      const text = this.store.partsWith("cs-queued").length > 0 ? config.texts.holding : "";
      this.store.updateJob(key, { passiveReply: text });
      return text;
    }
    return "";
  }

  /** The reply when the request's time is up and the answer is not ready. */
  private replyInTime(key: string, isLast: boolean, config: Config): CallbackReply {
    const job = this.store.job(key);
    if (!job) return "";
    const target = job.kind === "continue" && job.target !== null ? this.store.job(job.target) : job;
    if (!target) return "";
    const prompts = target.prompts + 1;
    const text = config.delivery.customMessages ? config.texts.holding : this.continuePrompt(prompts, config);
    if (!isLast) return text; // WeChat has cut this request already; the retry decides for real.
    this.store.updateJob(target.key, { prompts, windowClosed: true });
    this.store.updateJob(key, { passiveReply: text });
    if (target.status === "done") planUndecidedParts(this.store, target.key, config);
    log.info("window_closed", { user: this.userTag, key: this.logKey(target.key), reply: config.delivery.customMessages ? "holding" : "continue" });
    void this.armAlarm(Date.now());
    logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
    this.changes.notify();
    return text;
  }

  private continuePrompt(prompt: number, config: Config): string {
    const max = config.delivery.maxContinueCount;
    if (prompt > max) return config.texts.continueLater;
    return config.texts.continuePrompt + fill(config.texts.continueCountdown, { remaining: max - prompt + 1 });
  }

  /** Starts draining the queue unless it is already being drained. */
  private ensurePump(): void {
    if (this.pumping !== undefined) return;
    const first = this.store.nextQueued();
    if (first === undefined) return;
    this.pumping = this.drainQueue(first).finally(() => {
      this.pumping = undefined;
      this.changes.notify();
    });
  }

  private async drainQueue(first: Job): Promise<void> {
    for (let job: Job | undefined = first; job !== undefined; job = this.store.nextQueued()) {
      await this.answer(job);
    }
  }

  /** Asks Dify for one job and stores the answer's parts. Never throws: a failure becomes the polite failure text. */
  private async answer(job: Job): Promise<void> {
    const config = this.config;
    const openid = this.openid ?? this.store.meta(OPENID_KEY) ?? "";
    this.store.updateJob(job.key, { status: "running", attempts: job.attempts + 1 });
    this.changes.notify();
    const work = JSON.parse(job.work) as AskWork;
    let raw: string;
    let images: string[] = [];
    // CS mode implies an app secret (Config turns it off without one), so images can go as WeChat images.
    const pushImages = config.delivery.customMessages;
    let error: string | null = null;
    const started = Date.now();
    let firstEventMs: number | undefined;
    try {
      const answer = await askDify(work, {
        config,
        dify: this.dify(config),
        wechatApi: this.wechatApi(config),
        openid,
        conversation: {
          get: () => this.store.meta(CONVERSATION_KEY),
          set: (id, sinceEpoch) => {
            if (this.conversationEpoch() === sinceEpoch) this.store.setMeta(CONVERSATION_KEY, id);
          },
          epoch: () => this.conversationEpoch(),
        },
        onText: (text) => {
          const queued = queueFinishedParagraphs(this.store, job.key, text, config);
          if (queued === 0) return;
          log.info("progressive", { user: this.userTag, key: this.logKey(job.key), parts: queued });
          this.changes.notify();
        },
      });
      firstEventMs = answer.firstEventMs;
      images = answerImages(answer, config);
      // Where images cannot be pushed as images, their links go at the end of the text.
      const links = pushImages ? [] : answer.files.map((f) => f.url);
      raw = [answer.text, ...links].filter((s) => s.trim() !== "").join("\n\n");
    } catch (caught) {
      error = JSON.stringify(describeError(caught));
      raw = caught instanceof VoiceNotUnderstoodError ? config.texts.voiceNotUnderstood : config.texts.failure;
      log.error("dify_failed", { user: this.userTag, key: this.logKey(job.key), ...describeError(caught) });
    }
    // Read once: progressive delivery may have moved the offset, a timed-out request may have closed the window.
    const current = this.store.job(job.key);
    // Paragraphs already sent progressively are not sent again; a failure text is always whole.
    const offset = error === null ? current?.progressOffset ?? 0 : 0;
    let parts = answerParts(raw.slice(offset), config);
    if (parts.length === 0 && offset === 0 && images.length === 0) parts = [config.texts.emptyAnswer];
    this.store.appendParts(job.key, [...parts, ...(pushImages ? images.map((url) => ({ text: url, media: url })) : [])]);
    this.store.updateJob(job.key, {
      status: "done", finishedAt: Date.now(), error, firstTokenMs: firstEventMs ?? null, totalMs: Date.now() - started,
    });
    if (current?.windowClosed) {
      planUndecidedParts(this.store, job.key, config);
      void this.armAlarm(Date.now());
      // Only a late answer is settled here; one in the window settles when a request takes it.
      logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
    }
    log.info("answered", {
      user: this.userTag, key: this.logKey(job.key), parts: parts.length, attempt: job.attempts + 1,
      firstTokenMs: firstEventMs, totalMs: Date.now() - started, failed: error !== null,
    });
    this.changes.notify();
  }

  /** Closes the windows of jobs whose WeChat retries are all over: what the follower has not got goes late. */
  private closeExpiredWindows(config: Config): void {
    for (const job of this.store.windowsToClose(Date.now() - windowLength(config))) {
      this.store.updateJob(job.key, { windowClosed: true });
      if (job.status === "done") planUndecidedParts(this.store, job.key, config);
      log.info("window_closed", { user: this.userTag, key: this.logKey(job.key), reply: "none" });
    }
    logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
  }

  private async sendDueParts(config: Config): Promise<Awaited<ReturnType<typeof sendQueuedParts>>> {
    if (this.store.partsWith("cs-queued").length === 0) return { state: "idle" };
    const api = this.wechatApi(config);
    const openid = this.store.meta(OPENID_KEY);
    if (!config.delivery.customMessages || api === undefined || openid === undefined) {
      leaveQueuedForPull(this.store);
      return { state: "idle" };
    }
    const outcome = await sendQueuedParts(this.store, api, openid, () => Date.now(), { user: this.userTag }, (k) => this.logKey(k));
    logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
    this.changes.notify();
    return outcome;
  }

  /** Best-effort "typing…" while a late CS-mode answer is being written; never awaited by a WeChat request. */
  private typingWhilePending(config: Config): void {
    if (!config.delivery.customMessages) return;
    const pending = this.store.unfinished().some((job) => job.windowClosed);
    const openid = this.store.meta(OPENID_KEY);
    const api = this.wechatApi(config);
    if (!pending || openid === undefined || api === undefined || Date.now() - this.lastTypingAt < TYPING_EVERY_MS) return;
    this.lastTypingAt = Date.now();
    void api.typing(openid, true);
  }

  private windowEnd(job: Job, config: Config): number {
    return job.firstSeen + windowLength(config);
  }

  private nextWindowEnd(config: Config): number | undefined {
    const first = this.store.earliestOpenWindow();
    return first === undefined ? undefined : first + windowLength(config);
  }

  /** Arms the alarm for `at` unless it is already due sooner. */
  private async armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** After an alarm: the next thing due (a window end, a send retry, clean-up), if anything. */
  private async armNextAlarm(config: Config): Promise<void> {
    const candidates: number[] = [];
    const windowEnd = this.nextWindowEnd(config);
    if (windowEnd !== undefined) candidates.push(windowEnd);
    const retryAt = csRetryAt(this.store);
    if (retryAt !== undefined && this.store.partsWith("cs-queued").length > 0) candidates.push(retryAt);
    if (this.store.unfinished().length > 0 || this.store.partsWith("cs-queued").length > 0) candidates.push(Date.now() + 1000);
    const oldest = this.store.oldestJob();
    if (oldest !== undefined) candidates.push(oldest + RETENTION_MS + 60_000);
    if (candidates.length === 0) return;
    await this.ctx.storage.setAlarm(Math.max(Date.now(), Math.min(...candidates)));
  }

  /** The dedupe key as logged: the follower's openid replaced by its hash. */
  private logKey(key: string): string {
    return this.openid === undefined ? key : key.split(this.openid).join(this.userTag);
  }

  private conversationEpoch(): number {
    return Number(this.store.meta(EPOCH_KEY) ?? 0);
  }

  /** Keeps the openid in storage (the alarm needs it for CS sends after a restart) and, with its hash, in memory. */
  private async remember(openid: string): Promise<void> {
    if (this.openid === openid) return;
    if (this.store.meta(OPENID_KEY) !== openid) this.store.setMeta(OPENID_KEY, openid);
    this.userTag = await hashOpenid(openid);
    this.openid = openid;
  }

  private dify(config: Config): DifyClient {
    return new DifyClient({
      apiBase: config.dify.apiBase,
      apiKey: config.dify.apiKey,
      idleTimeoutMs: config.dify.idleTimeoutMs,
      totalTimeoutMs: config.dify.totalTimeoutMs,
      workflowOutputKey: config.dify.workflowOutputKey,
    });
  }

  private wechatApi(config: Config): WechatApiClient | undefined {
    if (config.wechat.appSecret === undefined) return undefined;
    return new WechatApiClient({ apiBase: config.wechat.apiBase, getToken: accessTokenGetter(this.env) });
  }
}
