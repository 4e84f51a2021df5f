/**
 * What one follower sees, recorded on a single logical clock: passive replies to WeChat's requests and the CS
 * messages WeChat's API stand-in accepted. The clock is a counter of events in this test's own event loop, so "before"
 * means "happened before" as this test observed it, never a wall-clock comparison.
 *
 * WeChat's side follows test/support/wechat-retries.ts (three identical requests, each given
 * WECHAT_REQUEST_TIMEOUT_MS before the next), with the model deployment's short timeout.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { callWorker } from "../../support/deployments";
import { csTexts } from "../../support/wechat-api-records";
import { readReply, wechatPost } from "../../support/wechat-fixtures";

/** A logical clock: each call returns a larger number. */
export class Clock {
  #now = 0;
  /** The next tick. */
  tick(): number {
    return ++this.#now;
  }
}

/** The reply WeChat accepted for one message. */
export interface AcceptedReply {
  /** The reply's text ("" for `success`: nothing shown). */
  content: string;
  /** When the follower saw it. */
  at: number;
  /** Which of WeChat's requests got it (1..3). */
  attempt: number;
  /**
   * No request was answered within its timeout, but the last one's reply came later. WeChat would drop it; on a test
   * machine shared by other work the 150 ms of slack the last request has (RETRY_WAIT_TIMEOUT_RATIO) can be eaten by
   * CPU contention, which is the benchmark's business, not this model's, so the reply still counts as received.
   */
  late: boolean;
}

/** Sends `xml` as WeChat does: up to three identical requests, each given `timeoutMs`. */
export async function deliverLikeWechat(xml: string, timeoutMs: number, clock: Clock, inFlight: Array<Promise<unknown>>): Promise<AcceptedReply | undefined> {
  let last: Promise<{ status: number; content: string } | undefined> | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const request = await wechatPost(xml);
    const response = callWorker(request).then(
      async (res) => {
        const read = await readReply(res, "safe");
        return { status: read.status, content: read.content ?? "" };
      },
      () => undefined,
    );
    inFlight.push(response);
    const outcome = await Promise.race([response, sleep(timeoutMs).then(() => "timeout" as const)]);
    if (outcome !== "timeout" && outcome !== undefined && outcome.status === 200) {
      return { content: outcome.content, at: clock.tick(), attempt, late: false };
    }
    last = outcome === "timeout" ? response : undefined;
  }
  const late = await last;
  return late !== undefined && late.status === 200 ? { content: late.content, at: clock.tick(), attempt: 3, late: true } : undefined;
}

/** One request of an earlier message, the same bytes again; what it was answered. */
export async function repost(xml: string): Promise<{ status: number; content: string }> {
  const read = await readReply(await callWorker(await wechatPost(xml)), "safe");
  return { status: read.status, content: read.content ?? "" };
}

/** A CS message the stand-in accepted, known to have arrived after `after` and before `before`. */
export interface SeenCsMessage {
  text: string;
  /** Its place among the follower's CS messages (exact order: the stand-in keeps them in arrival order). */
  index: number;
  after: number;
  before: number;
}

/** Polls the WeChat stand-in's record of CS messages to the follower, bracketing each arrival between two polls. */
export class CsObserver {
  readonly seen: SeenCsMessage[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #lastStart = 0;

  constructor(private readonly openid: string, private readonly clock: Clock) {}

  /** Starts polling every `everyMs`. */
  start(everyMs = 40): void {
    this.#running = true;
    this.#lastStart = this.clock.tick();
    this.#loop = (async () => {
      while (this.#running) {
        await this.poll();
        await sleep(everyMs);
      }
    })();
  }

  /** Reads the record once more. */
  async poll(): Promise<void> {
    const start = this.clock.tick();
    const texts = await csTexts(this.openid);
    const end = this.clock.tick();
    for (let i = this.seen.length; i < texts.length; i++) {
      this.seen.push({ text: texts[i] ?? "", index: i, after: this.#lastStart, before: end });
    }
    this.#lastStart = start;
  }

  /** Stops polling after one last read. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.poll();
  }
}

/** Rows of the follower's object, read by SQL inside it (a fresh stub each time: a restart breaks old ones). */
export async function readRows<T>(openid: string, query: string, ...bindings: Array<string | number>): Promise<T[]> {
  return runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) =>
    state.storage.sql.exec(query, ...bindings).toArray() as T[],
  );
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
