/**
 * WeChat's side of a callback, with its real retry timing, for tests inside workerd: request 1 at t=0; each request
 * is given 5 s, after which WeChat stops listening and sends the identical request again, 3 requests in all. A held
 * response that comes back after its 5 s is ignored, as WeChat ignores it.
 */
import { exports } from "cloudflare:workers";
import { defaultMode, readReply, wechatPost, type ReadReply, type WechatMode } from "./wechat-fixtures";

/** What the follower saw for one message. */
export interface Delivery {
  /** The reply WeChat accepted, if any request got one in time. */
  reply?: ReadReply;
  /** Which request (1..3) got it; undefined when all three timed out. */
  attempt?: number;
  /** Milliseconds from the first request to the accepted reply. */
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends `xml` as WeChat would, retrying on timeouts, and resolves with what the follower saw. The mode defaults to
 * the deployment's ({@link defaultMode}).
 */
export async function deliverLikeWechat(xml: string, opts: { mode?: WechatMode; timeoutMs?: number; attempts?: number } = {}): Promise<Delivery> {
  const mode = opts.mode ?? defaultMode();
  const timeoutMs = opts.timeoutMs ?? 5000;
  const attempts = opts.attempts ?? 3;
  const started = Date.now();
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const request = await wechatPost(xml, { mode });
    const response = exports.default.fetch(request).then(
      async (res) => readReply(res, mode),
      () => undefined,
    );
    const outcome = await Promise.race([response, sleep(timeoutMs).then(() => "timeout" as const)]);
    if (outcome !== "timeout" && outcome !== undefined && outcome.status === 200) {
      return { reply: outcome, attempt, elapsedMs: Date.now() - started };
    }
    // A fast non-200 is retried at once; a timeout is retried right after the 5 s.
  }
  return { elapsedMs: Date.now() - started };
}

/** Sends `xml` once and reads the reply (for checks that are not about timing). */
export async function postOnce(xml: string, mode: WechatMode = defaultMode()): Promise<ReadReply> {
  return readReply(await exports.default.fetch(await wechatPost(xml, { mode })), mode);
}
