/**
 * One follower message sent with WeChat's real timing (as test/support/wechat-retries.ts and the simulator's
 * scripts/lib/deliver.ts): request 1 at once, each request cut after 5 s and the byte-identical request sent again, 3
 * requests in all; a quick non-200 is retried at once. A reply after its 5 s is never read, as WeChat ignores it.
 */
import { callbackQuery, openReply, sealCallback, textXml } from "../wechat-side.js";
import type { TtfcAccount } from "./accounts.js";

/** WeChat's patience per request. */
export const WECHAT_TIMEOUT_MS = 5000;
/** Requests per message: the first and two retries. */
const WECHAT_ATTEMPTS = 3;

/** What the follower saw for one message. */
export interface Delivered {
  /** The reply's text ("" for `success`, undefined when no request got a 200 in time). */
  text?: string;
  /** Which request (1..3) got the reply. */
  request?: number;
  /** Epoch milliseconds when the reply was read (or the last request gave up). */
  at: number;
  /** Why WeChat would have refused a reply it got (bad signature, wrong AppID), if one did. */
  problem?: string;
}

let msgSeq = 0;

/** A 19-digit MsgId, unique within this process. */
function nextMsgId(): string {
  msgSeq += 1;
  return `8${String(Date.now()).padStart(13, "0")}${String(msgSeq).padStart(5, "0")}`;
}

/** One POST whose deadline covers the headers and the whole body, as WeChat's does. */
async function postWithin(url: string, body: string): Promise<{ status: number; body: string } | "timeout"> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body,
      signal: AbortSignal.timeout(WECHAT_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text() };
  } catch {
    return "timeout";
  }
}

/** Sends `content` from `openid` to `account` as WeChat would, and resolves with what the follower saw. */
export async function sendLikeWechat(baseUrl: string, account: TtfcAccount, openid: string, content: string): Promise<Delivered> {
  const createTime = Math.floor(Date.now() / 1000);
  const xml = textXml({ openid, content, msgId: nextMsgId(), createTime, toUser: account.ghId });
  const sealed = sealCallback(xml, openid, createTime, account);
  const url = `${baseUrl}${account.path}?${callbackQuery(sealed)}`;
  for (let request = 1; request <= WECHAT_ATTEMPTS; request++) {
    const outcome = await postWithin(url, sealed.body);
    if (outcome === "timeout" || outcome.status !== 200) continue;
    const opened = openReply(outcome.body, account);
    if (!opened.ok) return { request, at: Date.now(), problem: opened.problem ?? "refused" };
    return { text: opened.content, request, at: Date.now() };
  }
  return { at: Date.now() };
}
