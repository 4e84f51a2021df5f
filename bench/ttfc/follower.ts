/**
 * One follower asking the slow long question and reading until the whole answer is there, as a person would: every
 * passive reply, and in CS mode every customer-service message the WeChat API stand-in accepted for them (polled
 * through its `GET /__sent`), in the order they showed up. Whenever a text asks for "1", the follower sends "1" at
 * once (after the message in flight, if any, got its reply: WeChat users wait for a reply before typing again).
 */
import type { TtfcAccount } from "./accounts.js";
import { answerText, asksForOne } from "./texts.js";
import { sendLikeWechat } from "./wechat-timing.js";

/** One text the follower saw. */
export interface Seen {
  /** Milliseconds after the question was sent. */
  atMs: number;
  via: "reply" | "cs";
  /** For a reply: which follower message it answered (0 = the question, n = the n-th "1") and on which request. */
  message?: number;
  request?: number;
  /** The raw text, as WeChat would show it. */
  text: string;
  /** Its answer text (notes, holding text and whitespace removed). */
  answer: string;
}

/** Everything one follower saw, and what it cost them. */
export interface Trace {
  account: string;
  openid: string;
  seen: Seen[];
  /** "1"s the follower sent. */
  onesSent: number;
  /** Follower messages that got no reply on any of WeChat's 3 requests. */
  unanswered: number;
  /** Replies WeChat would have refused (bad signature, wrong AppID). */
  refused: string[];
  /** Texts with answer text that is no part of the expected answer (e.g. a "1" taken for a question). */
  unexpected: string[];
  /** The answer text received, in order, without whitespace. */
  received: string;
  /** The follower gave up at the deadline before the whole answer was there. */
  gaveUp: boolean;
}

/** What a follower needs to know. */
export interface FollowerPlan {
  workerUrl: string;
  /** The WeChat API stand-in's base URL (CS messages). */
  wechatApiUrl: string;
  account: TtfcAccount;
  openid: string;
  question: string;
  /** The whole answer, without whitespace. */
  expected: string;
  /** Give up this long after the question. */
  deadlineMs: number;
  /** CS mode: keep watching this long after the whole answer arrived, so a duplicate still shows. */
  graceMs: number;
}

const CS_POLL_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function csTexts(wechatApiUrl: string, openid: string): Promise<string[]> {
  const res = await fetch(`${wechatApiUrl}/__sent?user=${encodeURIComponent(openid)}`, { signal: AbortSignal.timeout(3000) });
  const list = (await res.json()) as Array<{ msgtype?: string; text?: { content?: string } }>;
  return list.map((m) => (m.msgtype === "text" ? (m.text?.content ?? "") : `[${m.msgtype ?? "?"}]`));
}

/** Plays one follower from the question to the whole answer (or the deadline). */
export async function playFollower(p: FollowerPlan): Promise<Trace> {
  const started = Date.now();
  const trace: Trace = {
    account: p.account.name, openid: p.openid, seen: [], onesSent: 0, unanswered: 0, refused: [], unexpected: [],
    received: "", gaveUp: false,
  };
  let pendingOne = false;
  let inFlight: Promise<void> | undefined;
  let csCount = 0;

  const record = (seen: Omit<Seen, "answer" | "atMs">, at: number) => {
    const answer = answerText(seen.text);
    trace.seen.push({ ...seen, atMs: at - started, answer });
    if (answer !== "" && !p.expected.includes(answer)) trace.unexpected.push(seen.text.slice(0, 80));
    else trace.received += answer;
    if (asksForOne(seen.text)) pendingOne = true;
  };
  const send = (content: string, message: number) => {
    inFlight = sendLikeWechat(p.workerUrl, p.account, p.openid, content).then((d) => {
      if (d.problem !== undefined) trace.refused.push(d.problem);
      else if (d.text === undefined) {
        trace.unanswered += 1;
        // A "1" that got nothing in pull mode: the follower tries again, or the rest would never come.
        if (p.account.mode === "pull" && message > 0) pendingOne = true;
      } else record({ via: "reply", message, request: d.request, text: d.text }, d.at);
      inFlight = undefined;
    });
  };
  const pollCs = async () => {
    if (p.account.mode !== "cs") return;
    const texts = await csTexts(p.wechatApiUrl, p.openid);
    const at = Date.now();
    for (const text of texts.slice(csCount)) record({ via: "cs", text }, at);
    csCount = Math.max(csCount, texts.length);
  };

  send(p.question, 0);
  let wholeAt: number | undefined;
  while (true) {
    await pollCs();
    const now = Date.now();
    const whole = trace.received.length >= p.expected.length;
    if (whole && wholeAt === undefined) wholeAt = now;
    if (pendingOne && inFlight === undefined) {
      pendingOne = false;
      trace.onesSent += 1;
      send("1", trace.onesSent);
    } else if (whole && !pendingOne && inFlight === undefined) {
      if (p.account.mode === "pull" || now - (wholeAt ?? now) >= p.graceMs) break;
    } else if (now - started >= p.deadlineMs) {
      trace.gaveUp = !whole;
      break;
    }
    await sleep(CS_POLL_MS);
  }
  if (inFlight !== undefined) await inFlight;
  await pollCs();
  return trace;
}
