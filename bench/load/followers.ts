/** Simulated followers: send sealed callbacks to the worker over 127.0.0.1 and judge each passive reply. */
import { callbackQuery, openReply, sealCallback, textXml } from "../wechat-side.js";
import { nowMs } from "../stats.js";
import type { LoadAccount } from "./accounts.js";

/** The outcome of one HTTP request, as WeChat would judge it. */
export interface Attempt {
  status: number;
  latencyMs: number;
  /** The reply was a valid encrypted text reply with the expected content. */
  right: boolean;
  /** The request got no answer in time (or the connection failed). */
  noAnswer: boolean;
  content: string;
}

/** One message of one follower, sent `copies` times at once (1 = normal, 3 = WeChat's retries arriving together). */
export interface Sent {
  /** The account's name ("default" or its name in ACCOUNTS). */
  account: string;
  openid: string;
  content: string;
  attempts: Attempt[];
}

let msgSeq = 0;

/** A 19-digit MsgId, unique within this process. */
function nextMsgId(): string {
  msgSeq += 1;
  return `7${String(Date.now()).padStart(13, "0")}${String(msgSeq).padStart(5, "0")}`;
}

/**
 * Posts one message to `account`'s URL, sealed with its token, key and AppID (`copies` byte-identical requests
 * concurrently), and judges each reply against `echo: content`, opened with the same account's key.
 */
export async function sendMessage(
  baseUrl: string, account: LoadAccount, openid: string, content: string, copies: number, timeoutMs: number,
): Promise<Sent> {
  const createTime = Math.floor(Date.now() / 1000);
  const xml = textXml({ openid, content, msgId: nextMsgId(), createTime, toUser: account.ghId });
  const sealed = sealCallback(xml, openid, createTime, account);
  const url = `${baseUrl}${account.path}?${callbackQuery(sealed)}`;
  const expected = `echo: ${content}`;
  const one = async (): Promise<Attempt> => {
    const start = nowMs();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/xml" },
        body: sealed.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.text();
      const latencyMs = nowMs() - start;
      const opened = res.status === 200 ? openReply(body, account) : undefined;
      const replyText = opened?.content ?? "";
      return { status: res.status, latencyMs, right: opened?.ok === true && replyText === expected, noAnswer: false, content: replyText };
    } catch {
      return { status: 0, latencyMs: nowMs() - start, right: false, noAnswer: true, content: "" };
    }
  };
  const attempts = await Promise.all(Array.from({ length: copies }, one));
  return { account: account.name, openid, content, attempts };
}

/** Times `count` plain GETs of `path`, `inFlight` at a time: a baseline for what wrangler dev itself costs. */
export async function getMany(baseUrl: string, path: string, count: number, inFlight: number, timeoutMs: number): Promise<Attempt[]> {
  const out: Attempt[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const start = nowMs();
      try {
        const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        const content = await res.text();
        out.push({ status: res.status, latencyMs: nowMs() - start, right: res.status === 200, noAnswer: false, content });
      } catch {
        out.push({ status: 0, latencyMs: nowMs() - start, right: false, noAnswer: true, content: "" });
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}
