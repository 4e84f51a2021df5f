/**
 * The real side of the session model: one follower (a fresh openid per run) talking to the worker through WeChat's
 * retries, the object restarted and its alarm nudged under it, WeChat's API failing on cue; and the record of all of
 * it that the invariants read (./invariants.ts).
 */
import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { inject } from "vitest";
import { configFor, type AppEnv, type Config } from "../../../src/config";
import { windowLength } from "../../../src/session/wechat-window";
import { difyAsks, newOpenid } from "../../support/dify-calls";
import { failNextSends } from "../../support/wechat-api-records";
import { eventXml, textMessageXml } from "../../support/wechat-fixtures";
import { makeQuestion, type AnswerSpec, type Question } from "./answers";
import { Clock, CsObserver, deliverLikeWechat, readRows, repost, sleep, type AcceptedReply, type SeenCsMessage } from "./follower-view";

/** What a message is, from the follower's side. */
export type MessageKind = "ask" | "one" | "clear" | "unsubscribe";

/** One message the follower sent, and what became of it. */
export interface SentMessage {
  kind: MessageKind;
  xml: string;
  /** The worker's dedupe key for it (src/wechat/message.ts dedupeKey). */
  key: string;
  /** When its first request was about to go out (logical clock), and the wall time then. */
  sentAt: number;
  sentMs: number;
  question?: Question;
  /** The job row's kind once admitted ("ask", "continue", "instant"); undefined if never seen (tombstoned, wiped). */
  admittedAs?: string;
  /** When the row was seen (the object had taken the message, and reset the CS budget, by then). */
  storedAt?: number;
  /** The reply WeChat accepted, if any. */
  reply?: AcceptedReply;
  /** Sent by the final drive to collect what waits for "1". */
  collecting: boolean;
}

/** An extra request of an earlier message (WeChat delivering it once more, same bytes). */
export interface RepostRecord {
  message: number;
  at: number;
  /** The message's own delivery had ended (its reply was decided) before this request went out. */
  afterDelivery: boolean;
  /** The message was sent before an unsubscribe and this request came while its tombstone stood. */
  tombstoned: boolean;
  response?: { status: number; content: string };
}

/** An unsubscribe: when it went out and when its reply came back (the follower's state was wiped by then). */
export interface Unsubscribe {
  sentAt: number;
  sentMs: number;
  doneAt: number;
}

/** One restart of the object, between two ticks of the clock. */
export interface Restart {
  from: number;
  to: number;
}

/** Everything one run recorded, for the invariants. */
export interface RunRecord {
  config: Config;
  messages: SentMessage[];
  cs: SeenCsMessage[];
  /** Each restart, from just before it to just after it. */
  restarts: Restart[];
  hangs: number[];
  unsubscribes: Unsubscribe[];
  reposts: RepostRecord[];
  /** Query of every answer-producing call the Dify stand-in received for this follower. */
  difyQueries: string[];
  /** Set when the object never came to rest (a job or a part left unfinished). */
  stuck?: string;
}

/** How long the final drive waits for the object to come to rest before calling it stuck. */
const QUIET_WITHIN_MS = 60_000;
/** A hung CS send costs the API client's 10 s timeout (src/wechat/api-client.ts DEFAULT_TIMEOUT_MS). */
const PER_HANG_MS = 15_000;
/** Bounds the final "1"s (each collects one part). */
const MAX_COLLECTING = 80;

let msgIds = 0;

/** The follower, the worker behind WeChat, and the record of a run. */
export class World {
  readonly openid = newOpenid("model");
  readonly config = configFor(env as AppEnv);
  readonly clock = new Clock();
  readonly cs = new CsObserver(this.openid, this.clock);
  readonly messages: SentMessage[] = [];
  readonly restarts: Restart[] = [];
  readonly hangs: number[] = [];
  readonly unsubscribes: Unsubscribe[] = [];
  readonly reposts: RepostRecord[] = [];
  private readonly deliveries: Array<Promise<unknown>> = [];
  private readonly inFlight: Array<Promise<unknown>> = [];
  private questions = 0;
  private lastUnsubscribeTime = 0;

  constructor() {
    if (this.config.delivery.customMessages) this.cs.start();
  }

  get csMode(): boolean {
    return this.config.delivery.customMessages;
  }

  /** WeChat's window for one message: its three requests, all over after this long. */
  get windowMs(): number {
    return windowLength(this.config);
  }

  /** Asks a new question whose answer follows `spec`. */
  async ask(spec: AnswerSpec): Promise<void> {
    const question = makeQuestion(++this.questions, spec);
    await this.send("ask", question.content, question);
  }

  /** Sends a text message ("1", "/clear", a question) and waits until the object has stored it. */
  async send(kind: Exclude<MessageKind, "unsubscribe">, content: string, question?: Question, collecting = false): Promise<SentMessage> {
    const createTime = Math.floor(Date.now() / 1000);
    const msgId = `8${String(Date.now()).padStart(13, "0")}${String(++msgIds).padStart(5, "0")}`;
    const xml = textMessageXml({ openid: this.openid, content, msgId, createTime });
    const message: SentMessage = {
      kind, xml, key: `msg|${this.openid}|${createTime}|${msgId}`,
      sentAt: this.clock.tick(), sentMs: Date.now(), question, collecting,
    };
    this.messages.push(message);
    const delivery = this.deliver(message);
    // Stored before the next message goes out, so the object sees them in the order the model sent them.
    message.admittedAs = await this.admitted(message.key);
    message.storedAt = this.clock.tick();
    if (collecting) await delivery;
    return message;
  }

  /**
   * The follower unsubscribes (WeChat's `unsubscribe` event). Messages after it stand for a follower who followed
   * again (the subscribe event itself is not sent). WeChat tells events apart by sender and CreateTime, and a real
   * follower cannot unsubscribe twice within a second (they must follow again in between), so each unsubscribe here
   * is a second later than the one before; two in one second would be one event and its retry.
   */
  async unsubscribe(): Promise<void> {
    const createTime = Math.max(Math.floor(Date.now() / 1000), this.lastUnsubscribeTime + 1);
    this.lastUnsubscribeTime = createTime;
    const xml = eventXml({ openid: this.openid, event: "unsubscribe", createTime });
    const message: SentMessage = { kind: "unsubscribe", xml, key: "", sentAt: this.clock.tick(), sentMs: Date.now(), collecting: false };
    this.messages.push(message);
    await this.deliver(message);
    this.unsubscribes.push({ sentAt: message.sentAt, sentMs: message.sentMs, doneAt: message.reply?.at ?? this.clock.tick() });
  }

  /** WeChat delivers earlier message number `pick` (modulo those it could still retry) once more, same bytes. */
  async repost(pick: number): Promise<void> {
    const lastUnsub = this.unsubscribes.at(-1);
    const now = Date.now();
    const candidates = this.messages
      .map((message, index) => ({ message, index }))
      .filter(({ message }) => message.kind !== "unsubscribe" && !message.collecting)
      .filter(({ message }) => lastUnsub === undefined || message.sentAt > lastUnsub.sentAt || this.tombstoneStands(message, now));
    const chosen = candidates[pick % Math.max(1, candidates.length)];
    if (chosen === undefined) return;
    const record: RepostRecord = {
      message: chosen.index,
      at: this.clock.tick(),
      afterDelivery: chosen.message.reply !== undefined,
      tombstoned: lastUnsub !== undefined && chosen.message.sentAt < lastUnsub.sentAt,
    };
    this.reposts.push(record);
    this.deliveries.push(repost(chosen.message.xml).then((response) => {
      record.response = response;
    }, () => undefined));
  }

  /** The object is reset (a deploy, a crash): in-memory streams and sends are lost, storage stays. */
  async restart(): Promise<void> {
    const from = this.clock.tick();
    await abortAllDurableObjects();
    this.restarts.push({ from, to: this.clock.tick() });
  }

  /** Makes the object's alarm due now; the platform runs it (never two at once, as in production). */
  async nudgeAlarm(): Promise<void> {
    await retrying(() => runInDurableObject(env.FOLLOWER_SESSION.getByName(this.openid), async (_instance, state) => {
      await state.storage.setAlarm(Date.now());
    }));
  }

  /** WeChat's API refuses the next CS sends with `errcode`, or leaves the next one hanging. */
  async fault(errcode: number | "hang", times: number): Promise<void> {
    if (errcode === "hang") {
      this.hangs.push(this.clock.tick());
      await fetch(`${inject("wechatApiUrl")}/__hang`, { method: "POST", body: JSON.stringify({ touser: this.openid, times }) });
    } else {
      await failNextSends(this.openid, errcode, times);
    }
  }

  /**
   * Lets everything finish: WeChat's deliveries, the answers, the alarm's sends; then collects with "1" whatever
   * waits for it, as the "reply 1" notes tell the follower to. Nothing here runs the alarm: the object must come to
   * rest by the alarms it arms itself. Returns a description of what was left if it never did.
   */
  async settle(): Promise<string | undefined> {
    await Promise.allSettled(this.deliveries);
    await Promise.allSettled(this.inFlight);
    const deadline = Date.now() + QUIET_WITHIN_MS + PER_HANG_MS * this.hangs.length;
    let collected = 0;
    for (;;) {
      const state = await this.restState();
      const resting = state.unfinished === 0 && state.unsent === 0 && state.openWindows === 0;
      if (resting && (state.pullReady === 0 || collected >= MAX_COLLECTING)) break;
      if (resting) {
        collected += 1;
        await this.send("one", "1", undefined, true);
        continue;
      }
      if (Date.now() > deadline) return `never came to rest: ${JSON.stringify(state)}`;
      await sleep(200);
    }
    await Promise.allSettled(this.inFlight);
    if (this.csMode) await this.cs.stop();
    return undefined;
  }

  /** The run's record, once settled. */
  async record(stuck: string | undefined): Promise<RunRecord> {
    const asks = await difyAsks(this.openid);
    return {
      config: this.config,
      messages: this.messages,
      cs: this.cs.seen,
      restarts: this.restarts,
      hangs: this.hangs,
      unsubscribes: this.unsubscribes,
      reposts: this.reposts,
      difyQueries: asks.map((call) => String(call.body.query ?? "")),
      stuck,
    };
  }

  private deliver(message: SentMessage): Promise<void> {
    const delivery = deliverLikeWechat(message.xml, this.config.wechat.requestTimeoutMs, this.clock, this.inFlight).then((reply) => {
      message.reply = reply;
    });
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Waits until the object has stored the message; returns its job kind (undefined: never stored). */
  private async admitted(key: string): Promise<string | undefined> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const rows = await retrying(() => readRows<{ kind: string }>(this.openid, "SELECT kind FROM jobs WHERE key = ?", key));
      if (rows[0] !== undefined) return rows[0].kind;
      await sleep(20);
    }
    return undefined;
  }

  /**
   * Whether the last unsubscribe's tombstone of `message` still stands: the message came within WeChat's window
   * before it, and the window since it is not over (src/session/follower-session.ts forget). With a margin each side.
   */
  private tombstoneStands(message: SentMessage, now: number): boolean {
    const last = this.unsubscribes.at(-1);
    if (last === undefined) return false;
    const margin = 400;
    return last.sentMs - message.sentMs < this.windowMs - margin && now - last.sentMs < this.windowMs - margin;
  }

  /** Counts of what keeps the object busy. */
  private async restState(): Promise<{ unfinished: number; unsent: number; pullReady: number; openWindows: number; alarm: number | null }> {
    return retrying(() => runInDurableObject(env.FOLLOWER_SESSION.getByName(this.openid), async (_instance, state) => {
      const count = (query: string) => Number(state.storage.sql.exec(query).one().n);
      return {
        unfinished: count("SELECT COUNT(*) AS n FROM jobs WHERE status != 'done'"),
        unsent: count("SELECT COUNT(*) AS n FROM parts WHERE via IS NULL OR via IN ('cs-queued', 'cs-sending')"),
        pullReady: count("SELECT COUNT(*) AS n FROM parts WHERE via = 'pull-ready'"),
        openWindows: count("SELECT COUNT(*) AS n FROM jobs WHERE window_closed = 0 AND kind = 'ask'"),
        alarm: await state.storage.getAlarm(),
      };
    }));
  }
}

/** Runs `call`, once more if a restart broke it. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch {
    await sleep(50);
    return call();
  }
}
