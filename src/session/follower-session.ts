/**
 * One Durable Object per follower (openid): the single place where that follower's messages meet. This class is
 * wiring only; each concern has its module:
 *
 * | state \ event            | WeChat retry       | "1"                | alarm                   | restart           | stream event       | CS result        |
 * |--------------------------|--------------------|--------------------|-------------------------|-------------------|--------------------|------------------|
 * | queued                   | `receive` waits    | `intake` (busy cap: `admit`) | `alarm` starts it (one job per run) | stays queued | —          | —                |
 * | running, window open     | `replyIfReady` (first part once final) | `replyIfReady` | `alarm` waits for it | `requeueRunning` | `ProgressiveStream` (full parts) | — |
 * | running, window closed   | stored reply       | `replyIfReady` (pull: what finished, at once) | `alarm` waits, sends | `requeueRunning` (re-asks capped) | `ProgressiveStream` | `sendQueuedParts` |
 * | done, window open        | `replyIfReady`     | `replyIfReady`     | `closeExpiredWindows`   | nothing lost      | —                  | —                |
 * | done, window closed      | stored reply       | `takePulledPart`   | `sendDueParts`, clean-up | `cs-sending` → `cs-queued` | —      | `sendQueuedParts` |
 *
 * - WeChat's retries of a message find its stored job and join it: one Dify call per message, however many retries.
 * - Messages are answered one at a time in arrival order; each invocation (callback or alarm run) starts at most one
 *   answer, so its outbound calls stay bounded (src/session/subrequests.ts).
 * - After WeChat's window the alarm owns the answer: each run waits for the one answer being written, sends what is
 *   due, and re-arms only for what is due next.
 */
import { DurableObject } from "cloudflare:workers";
import { configFor, type AppEnv, type Config } from "../config";
import { dedupeKey, type InboundMessage } from "../wechat/message";
import { difyClient, wechatApiClient } from "./clients";
import { nextAlarmAt } from "./next-alarm";
import { reportWechatRefusal } from "../owner";
import { hashOpenid, log, withLogFields } from "../log";
import { DEFAULT_ACCOUNT } from "../accounts";
import type { AnswerPageImage, AnswerPageSnapshot } from "../page/contract";
import { newPage } from "./page-link";
import { AnswerPages } from "./answer-pages";
import { answerJob, clearConversation } from "./answering";
import { ChangeSignal } from "./change-signal";
import { CS_BUDGET_AFTER_EVENT, CS_BUDGET_AFTER_MESSAGE, planUndecidedParts, resetCsBudget } from "./delivery-plan";
import { leaveQueuedForPull, sendQueuedParts, type SendOutcome } from "./cs-sender";
import { workFor, type Work } from "./intake";
import { RATE_WINDOW_MS, endHandoff, isHandedOff, overRateLimit, startHandoff } from "../owner-rules";
import { TRANSFER_REPLY } from "../wechat/reply";
import { replyIfReady, replyInTime, type ReplyContext } from "./replies";
import { logSettledMessages } from "./summary-log";
import { SubrequestMeter } from "./subrequests";
import { isLastTry, replyDeadline, windowLength } from "./wechat-window";
import { SessionStore, type Job } from "./store";
import { LiveAnswers } from "./live-answers";
import { ProgressiveStream, routeEarlyParts } from "./progressive";

/** How long a message's record is kept: retries, restarts and a late "1" all fit in it. */
export const RETENTION_MS = 3 * 24 * 60 * 60_000;
/** How long an answer that still waits for the follower's "1" is kept (counted from the question). */
export const UNREAD_RETENTION_MS = 7 * 24 * 60 * 60_000;
/** How often "typing…" is renewed while a CS-mode answer is pending (WeChat shows it for 15 s). */
const TYPING_EVERY_MS = 14_000;
/** WeChat refuses "typing…" this long after the follower's message, so it is not sent later. */
const TYPING_ALLOWED_MS = 30_000;

const OPENID_KEY = "openid";
/** The account this follower belongs to (absent: the default account, as objects from before accounts). */
const ACCOUNT_KEY = "account";

/** What the worker sends back to WeChat for one request: a text, or "" for `success` (nothing to show). */
export type CallbackReply = string;

/** The answer being written in this instance: which job, how to drop it, and whether it has ended. */
interface RunningAnswer {
  key: string;
  abort: AbortController;
  settled: boolean;
  done: Promise<void>;
  progress: ProgressiveStream;
}

/** The per-follower Durable Object. Call it through `env.FOLLOWER_SESSION.getByName(openid)`. */
export class FollowerSession extends DurableObject<AppEnv> {
  private readonly store: SessionStore;
  private readonly changes = new ChangeSignal();
  private readonly live = new LiveAnswers();
  private readonly pages: AnswerPages;
  private running: RunningAnswer | undefined;
  private lastTypingAt = 0;
  /** The follower's openid and its hash for logs, known after the first call (a restart reads it from storage). */
  private openid: string | undefined;
  private userTag = "";
  /** Whether `openid` is in storage too (an unsubscribe wipes it; the hash in memory stays for logs). */
  private openidStored = false;
  private accountName: string | undefined;

  constructor(ctx: DurableObjectState, env: AppEnv) {
    super(ctx, env);
    this.store = new SessionStore(ctx.storage.sql);
    this.pages = new AnswerPages({ env, store: this.store, live: this.live, language: () => this.config.language });
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

  /**
   * The account this follower belongs to: a follower's object serves one account only (its name says which). Read
   * from storage once (an alarm after a restart needs it), then kept in memory.
   */
  private get account(): string {
    this.accountName ??= this.store.meta(ACCOUNT_KEY) ?? DEFAULT_ACCOUNT;
    return this.accountName;
  }

  private get config(): Config {
    return configFor(this.env, this.account);
  }

  /**
   * Handles one delivery of a WeChat message (the first or a retry) for `account` and resolves with the passive
   * reply for this request, within the request's time budget.
   */
  async receive(message: InboundMessage, account: string = DEFAULT_ACCOUNT, origin?: string): Promise<CallbackReply> {
    if (this.account !== account) {
      this.store.setMeta(ACCOUNT_KEY, account === DEFAULT_ACCOUNT ? undefined : account);
      this.accountName = account;
    }
    return withLogFields({ account }, () => this.receiveForAccount(message, origin));
  }

  private async receiveForAccount(message: InboundMessage, origin: string | undefined): Promise<CallbackReply> {
    const arrivedAt = Date.now();
    const config = this.config;
    const key = dedupeKey(message);
    // A retry of a message the follower's unsubscribe forgot: acknowledged, nothing stored, nothing asked.
    if (this.store.isTombstoned(key, arrivedAt)) return "";
    await this.remember(message.fromUser);
    const known = this.store.job(key);
    const job = known ? this.store.countDelivery(key) ?? known : this.admit(message, key, arrivedAt, config, origin);
    if (known) log.info("retry", { user: this.userTag, key: this.logKey(key), delivery: job.deliveries });

    const isLast = isLastTry(job.deliveries, job.firstSeen, arrivedAt, config);
    const deadline = replyDeadline(isLast, arrivedAt, config);
    const meter = new SubrequestMeter();
    if (!known && job.pageRef !== null) {
      meter.take("answer page index");
      await this.pages.register(job, this.account, this.openid ?? "", job.firstSeen + UNREAD_RETENTION_MS, { user: this.userTag, key: this.logKey(key) });
    }
    let started = false;
    const context = this.replyContext(config);
    // A request WeChat will cut (not its last try) looks once more just before the cut, while its reply still counts:
    // a "1" sent while Dify writes then gets what has finished since, rather than waiting for WeChat's retry.
    let lookAgainAt = isLast ? deadline : Math.min(deadline, arrivedAt + config.wechat.requestTimeoutMs * config.delivery.retryWaitRatio);
    for (;;) {
      // This invocation may start one answer (its own, or the next one in the queue); the alarm starts the rest.
      if (!started) started = this.startNextAnswer(meter);
      const reply = replyIfReady(context, key);
      if (reply !== undefined) return reply;
      const now = Date.now();
      if (now >= deadline) return replyInTime(context, key, isLast);
      if (now >= lookAgainAt) lookAgainAt = deadline;
      await this.changes.wait(lookAgainAt - now);
    }
  }

  /** Rows this object's storage has read and written since it started: the cost of its callbacks, for benchmarks. */
  storageStats(): { rowsRead: number; rowsWritten: number } {
    return this.store.io;
  }

  /**
   * Runs after WeChat's window and whenever something is due: closes windows, waits for the one answer being written
   * (starting the next one if none is), sends due parts, cleans up, and re-arms for the next thing due.
   */
  override async alarm(): Promise<void> {
    return withLogFields({ account: this.account }, () => this.alarmForAccount());
  }

  private async alarmForAccount(): Promise<void> {
    const config = this.config;
    const openid = this.store.meta(OPENID_KEY);
    if (openid !== undefined) await this.remember(openid);
    const meter = new SubrequestMeter();
    this.store.expireTombstones(Date.now());
    // A job marked running that no stream in this instance is writing was lost: queue it again (re-asks are capped).
    if (this.running === undefined && this.store.requeueRunning() > 0) log.warn("session_lost_answer_requeued", { user: this.userTag });
    this.startNextAnswer(meter);
    const waitingFor = this.running;
    for (;;) {
      this.closeExpiredWindows(config);
      const outcome = await this.sendDueParts(config, meter);
      if (waitingFor === undefined || waitingFor.settled || outcome.state === "deferred") break;
      const typingDue = this.typingWhilePending(config, meter);
      const due = outcome.state === "wait" ? outcome.until : outcome.state === "retry" ? outcome.at : Infinity;
      // Woken by the answer settling or a part being queued; else by what is due (at least once a minute).
      await this.changes.wait(Math.min(due, typingDue, this.nextWindowEnd(config) ?? Infinity, Date.now() + 60_000) - Date.now());
    }
    this.closeExpiredWindows(config);
    const now = Date.now();
    const removed = this.store.deleteOldJobs(now - RETENTION_MS, now - UNREAD_RETENTION_MS);
    if (removed > 0) log.info("session_cleaned", { user: this.userTag, removed });
    await this.armNextAlarm(config);
    log.info("alarm_run", {
      user: this.userTag, subrequests: meter.used, answer: waitingFor === undefined ? undefined : this.logKey(waitingFor.key),
    });
  }

  /** The answer page of `ref` as it stands (src/page/contract.ts), or null when no answer here has that ref. */
  async answerPage(ref: string): Promise<AnswerPageSnapshot | null> {
    return this.pages.snapshot(ref);
  }

  /** The live feed of `ref`'s page while Dify writes (src/page/contract.ts), or null as for answerPage. */
  async answerPageFeed(ref: string): Promise<ReadableStream<Uint8Array> | null> {
    return this.pages.feed(ref);
  }

  /** Image `n` of `ref`'s answer, as kept for its page, or null. */
  async answerPageImage(ref: string, n: number): Promise<AnswerPageImage | null> {
    return this.pages.image(ref, n);
  }

  /** Records a new message and decides its work. */
  private admit(message: InboundMessage, key: string, arrivedAt: number, config: Config, origin?: string): Job {
    const owner = config.ownerRules;
    const handedOff = isHandedOff(this.store, owner.handoff, arrivedAt);
    let work = workFor(message, config.texts, () => this.collectable().length > 0, { rules: owner, handedOff });
    // WeChat resets the follower's CS quota on each of their acts and counts every send after it, so parts still
    // queued (or under way) from earlier plans use up the new quota too.
    const unsent = () => this.store.partsWith("cs-queued").length + this.store.partsWith("cs-sending").length;
    if (message.type === "event") {
      if (["subscribe", "scan", "click"].includes(message.event)) resetCsBudget(this.store, CS_BUDGET_AFTER_EVENT - unsent());
    } else {
      resetCsBudget(this.store, CS_BUDGET_AFTER_MESSAGE - unsent());
    }
    if (work.do === "ask" && overRateLimit(owner.rateLimitPerHour, () => this.store.questionsSince(arrivedAt - RATE_WINDOW_MS))) {
      log.warn("rate_limited", { user: this.userTag, key: this.logKey(key), limit: owner.rateLimitPerHour });
      work = { do: "reply", text: config.texts.rateLimited };
    }
    const waiting = work.do === "ask" ? this.store.unfinished().length : 0;
    if (waiting > config.delivery.maxQueuedQuestions) {
      // One is being answered and MAX_QUEUED_QUESTIONS wait behind it: no more Dify work for this follower now.
      log.warn("queue_full", { user: this.userTag, key: this.logKey(key), waiting });
      work = { do: "reply", text: config.texts.busy };
    }
    log.info("received", { user: this.userTag, key: this.logKey(key), type: message.type, work: work.do });
    return this.startWork(work, key, arrivedAt, config, origin);
  }

  private startWork(work: Work, key: string, arrivedAt: number, config: Config, origin?: string): Job {
    const base = { key, work: JSON.stringify(work), firstSeen: arrivedAt };
    switch (work.do) {
      case "ask": {
        const job = this.store.insertJob({ ...base, kind: "ask", status: "queued", ...newPage(config, origin) });
        void this.armAlarm(job.firstSeen + windowLength(config));
        return job;
      }
      case "continue": {
        const target = this.collectable()[0];
        return this.store.insertJob({ ...base, kind: "continue", status: "done", target: target?.key ?? null });
      }
      case "clear":
        clearConversation(this.store);
        log.info("conversation_cleared", { user: this.userTag });
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: config.texts.cleared });
      case "forget":
        return this.forget(key, arrivedAt, config);
      case "reply":
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: work.text });
      case "handoff":
        // The staff answer from here on: what the bot had not delivered yet is dropped, the answer being written too.
        this.dropRunningAnswer("handed off to staff");
        log.info("handed_off", { user: this.userTag, key: this.logKey(key), dropped: startHandoff(this.store, arrivedAt) });
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: TRANSFER_REPLY });
      case "bot":
        endHandoff(this.store);
        return this.store.insertJob({ ...base, kind: "instant", status: "done", passiveReply: config.texts.botBack });
    }
  }

  /**
   * Unsubscribe: drops the answer being written and everything stored about the follower. Only tombstones of the
   * messages WeChat may still retry stay, until their retries are over, so none of them is asked again.
   */
  private forget(key: string, arrivedAt: number, config: Config): Job {
    this.dropRunningAnswer("follower forgotten");
    const window = windowLength(config);
    const retriable = [...this.store.recentKeys(arrivedAt - window), key];
    this.store.wipe(retriable, arrivedAt + window);
    this.openidStored = false;
    // Which account the object serves is not the follower's data: it stays, so alarms read the right settings.
    if (this.account !== DEFAULT_ACCOUNT) this.store.setMeta(ACCOUNT_KEY, this.account);
    void this.armAlarm(arrivedAt + window);
    log.info("follower_forgotten", { user: this.userTag });
    // Not stored: the reply is "" (success), and the tombstone answers its retries.
    return { key, seq: 0, kind: "instant", work: "{}", firstSeen: arrivedAt, deliveries: 1, status: "done", passiveReply: "",
      windowClosed: true, prompts: 0, target: null, attempts: 0, progressOffset: 0, progressText: "", error: null,
      finishedAt: arrivedAt, firstTokenMs: null, totalMs: null, logged: true, pageRef: null, pageUrl: null, answerText: null };
  }

  /** Stops the answer being written, if any: nothing of it is stored or delivered, and its page feeds close. */
  private dropRunningAnswer(reason: string): void {
    if (this.running === undefined) return;
    this.running.abort.abort(reason);
    this.live.drop(this.running.key);
  }

  /** Answers the follower has started receiving (or was told to collect) but not received in full, oldest first. */
  private collectable(): Job[] {
    return this.store.undelivered().filter((job) => job.windowClosed || job.passiveReply !== null);
  }

  private replyContext(config: Config): ReplyContext {
    return {
      store: this.store,
      config,
      userTag: this.userTag,
      logKey: (k) => this.logKey(k),
      notify: () => this.changes.notify(),
      armAlarm: (at) => void this.armAlarm(at),
      takeFinished: (jobKey) => {
        const running = this.running;
        return running !== undefined && running.key === jobKey && !running.settled ? running.progress.takeFinished(this.store, config) : 0;
      },
    };
  }

  /** Starts the oldest queued answer unless one is being written. Returns whether it started one. */
  private startNextAnswer(meter: SubrequestMeter): boolean {
    if (this.running !== undefined) return false;
    const job = this.store.nextQueued();
    if (job === undefined) return false;
    const config = this.config;
    const abort = new AbortController();
    const running: RunningAnswer = { key: job.key, abort, settled: false, done: Promise.resolve(), progress: new ProgressiveStream(job.key) };
    this.running = running;
    running.done = answerJob(job, {
      store: this.store,
      config,
      dify: difyClient(config, meter),
      wechatApi: wechatApiClient(this.env, config, meter),
      fetcher: meter.fetch,
      openid: this.openid ?? this.store.meta(OPENID_KEY) ?? "",
      userTag: this.userTag,
      logKey: (k) => this.logKey(k),
      signal: abort.signal,
      progress: running.progress,
      live: this.live,
      notify: () => this.changes.notify(),
      onLateAnswer: () => {
        void this.armAlarm(Date.now());
        // Only a late answer is settled here; one in the window settles when a request takes it.
        logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
      },
    }).finally(() => {
      running.settled = true;
      if (this.running === running) this.running = undefined;
      // The next question starts in a held request or in the alarm: never in this invocation's background.
      if (this.store.nextQueued() !== undefined) void this.armAlarm(Date.now());
      this.changes.notify();
    });
    return true;
  }

  /** Closes the windows of jobs whose WeChat retries are all over: what the follower has not got goes late. */
  private closeExpiredWindows(config: Config): void {
    for (const job of this.store.windowsToClose(Date.now() - windowLength(config))) {
      this.store.updateJob(job.key, { windowClosed: true });
      if (job.status === "done") planUndecidedParts(this.store, job.key, config);
      // Parts finished while the window was open that no request took: they go late, ahead of what follows.
      else routeEarlyParts(this.store, { ...job, windowClosed: true }, config);
      log.info("window_closed", { user: this.userTag, key: this.logKey(job.key), reply: "none" });
    }
    logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
  }

  private async sendDueParts(config: Config, meter: SubrequestMeter): Promise<SendOutcome> {
    if (!this.store.hasPartsWith("cs-queued")) return { state: "idle" };
    const api = wechatApiClient(this.env, config, meter);
    const openid = this.store.meta(OPENID_KEY);
    if (!config.delivery.customMessages || api === undefined || openid === undefined) {
      leaveQueuedForPull(this.store);
      return { state: "idle" };
    }
    const outcome = await sendQueuedParts(this.store, api, openid, {
      now: () => Date.now(),
      logFields: { user: this.userTag },
      logKey: (k) => this.logKey(k),
      callsLeft: () => meter.left,
      fetcher: meter.fetch,
      // Counted like every outbound call, and only while the invocation has calls to spare.
      onRefused: (error) => {
        if (meter.left > 1 && reportWechatRefusal(config, error)) meter.take("alert ledger");
      },
    });
    logSettledMessages(this.store, this.userTag, (k) => this.logKey(k));
    this.changes.notify();
    return outcome;
  }

  /**
   * Best-effort "typing…" while a late CS-mode answer is being written, only while WeChat still accepts it (30 s
   * after the follower's message); never awaited by a WeChat request. Returns when it is next due (Infinity: never).
   */
  private typingWhilePending(config: Config, meter: SubrequestMeter): number {
    if (!config.delivery.customMessages) return Infinity;
    const now = Date.now();
    const pending = this.store.unfinished().find((job) => job.windowClosed && now - job.firstSeen < TYPING_ALLOWED_MS);
    if (pending === undefined) return Infinity;
    const next = this.lastTypingAt + TYPING_EVERY_MS;
    const stillAllowed = (at: number): number => (at - pending.firstSeen < TYPING_ALLOWED_MS ? at : Infinity);
    if (now < next) return stillAllowed(next);
    const openid = this.store.meta(OPENID_KEY);
    const api = wechatApiClient(this.env, config, meter);
    if (openid === undefined || api === undefined || meter.left < 10) return Infinity;
    this.lastTypingAt = now;
    void api.typing(openid, true).catch(() => undefined);
    return stillAllowed(now + TYPING_EVERY_MS);
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

  /** After an alarm: the next thing due (a window end, a send, the next answer, clean-up), if anything. */
  private async armNextAlarm(config: Config): Promise<void> {
    const at = nextAlarmAt(this.store, Date.now(), this.nextWindowEnd(config), { readMs: RETENTION_MS, unreadMs: UNREAD_RETENTION_MS });
    if (at !== undefined) await this.ctx.storage.setAlarm(at);
  }

  /** The dedupe key as logged: the follower's openid replaced by its hash. */
  private logKey(key: string): string {
    return this.openid === undefined ? key : key.split(this.openid).join(this.userTag);
  }

  /** Keeps the openid in storage (the alarm needs it for CS sends after a restart) and, with its hash, in memory. */
  private async remember(openid: string): Promise<void> {
    if (this.openid === openid && this.openidStored) return;
    if (this.store.meta(OPENID_KEY) !== openid) this.store.setMeta(OPENID_KEY, openid);
    this.openidStored = true;
    if (this.openid === openid) return;
    this.userTag = await hashOpenid(openid);
    this.openid = openid;
  }
}
