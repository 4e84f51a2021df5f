/**
 * Decides how each part of an answer reaches the follower, within WeChat's rules:
 * one passive reply per request; at most 5 customer-service (CS) messages after a follower's message (3 after a menu
 * click, subscription or scan); whatever does not fit waits for the follower's "1".
 */
import type { Config } from "../config";
import { fill } from "../texts";
import { markdownToWechatText } from "../text/markdown";
import { splitByUtf8Bytes, utf8Length } from "../text/split";
import { linkReserve, pageLink } from "./page-link";
import type { Job, Part, SessionStore } from "./store";

/** CS messages WeChat allows after one message from the follower. */
export const CS_BUDGET_AFTER_MESSAGE = 5;
/** CS messages WeChat allows after a menu click, subscription or QR scan. */
export const CS_BUDGET_AFTER_EVENT = 3;

const BUDGET_KEY = "cs_budget";

/** Resets the CS budget when the follower writes (or clicks, subscribes, scans): WeChat counts from their last act. */
export function resetCsBudget(store: SessionStore, budget: number): void {
  store.setMeta(BUDGET_KEY, String(budget));
}

/** CS messages still allowed before the follower writes again. */
export function csBudget(store: SessionStore): number {
  const raw = store.meta(BUDGET_KEY);
  return raw === undefined ? 0 : Math.max(0, Number(raw));
}

function spend(store: SessionStore, count: number): void {
  store.setMeta(BUDGET_KEY, String(Math.max(0, csBudget(store) - count)));
}

/** Bytes kept free in every part for a "reply 1" note and the answer page's link, so adding them never breaks the size limit. */
export function noteReserve(config: Config): number {
  const note = Math.max(
    utf8Length(fill(config.texts.moreParts, { current: 999, total: 999 })),
    utf8Length(config.texts.earlierWaiting),
    utf8Length(config.texts.moreComing),
  );
  return note + linkReserve(config);
}

/**
 * A passive reply to a new question, with a reminder when an earlier answer still waits for "1" and this reply
 * carries no "reply 1" note of its own (the follower moved on, or customer service was refused).
 */
export function withEarlierReminder(store: SessionStore, jobKey: string, text: string, config: Config): string {
  if (text === "") return text;
  const waiting = store.partsWith("pull-ready");
  const ownWaiting = waiting.some((p) => p.job === jobKey);
  const earlierWaiting = waiting.some((p) => p.job !== jobKey);
  return earlierWaiting && !ownWaiting ? text + config.texts.earlierWaiting : text;
}

/** The "reply 1 for more" note after part `current` of `total`. */
export function moreNote(config: Config, current: number, total: number): string {
  return fill(config.texts.moreParts, { current, total });
}

/**
 * Shapes raw answer text for WeChat (Markdown to plain text, reasoning removed) and cuts it into parts that leave
 * room for the note.
 */
export function answerParts(raw: string, config: Config): string[] {
  const text = markdownToWechatText(raw).trim();
  if (text === "") return [];
  const limit = Math.max(64, config.delivery.partMaxBytes - noteReserve(config));
  return splitByUtf8Bytes(text, limit).map((p) => p.trim()).filter((p) => p !== "");
}

/** How the undecided parts of a job were routed. */
export interface PartPlan {
  toCs: number;
  toPull: number;
}

/**
 * Plans every undecided part of a job: in CS mode as many as the budget allows go to the CS queue (the last of them
 * carrying the note when more remain), the rest wait for "1"; in pull mode all wait for "1".
 * `parts` is the job's parts as the caller already has them (read from storage when not given).
 */
export function planUndecidedParts(
  store: SessionStore,
  jobKey: string,
  config: Config,
  parts: readonly Part[] = store.parts(jobKey),
): PartPlan {
  const undecided = parts.filter((p) => p.via === null);
  if (undecided.length === 0) return { toCs: 0, toPull: 0 };
  // Once a part waits for "1" (WeChat refused CS), the rest waits behind it: CS must not overtake it.
  const behindOne = parts.some((p) => p.via === "pull-ready" && p.idx < undecided[0]!.idx);
  const budget = config.delivery.customMessages && !behindOne ? csBudget(store) : 0;
  const viaCs = undecided.slice(0, budget);
  const viaPull = undecided.slice(budget);
  for (const part of viaCs) store.setPartVia(jobKey, part.idx, "cs-queued");
  for (const part of viaPull) store.setPartVia(jobKey, part.idx, "pull-ready");
  const lastCs = viaCs.at(-1);
  if (lastCs !== undefined && viaPull.length > 0) {
    store.setPartText(jobKey, lastCs.idx, lastCs.text + moreNote(config, lastCs.idx + 1, parts.length) + pageLink(store.job(jobKey), config));
  }
  spend(store, viaCs.length);
  return { toCs: viaCs.length, toPull: viaPull.length };
}

/**
 * Hands the first undecided part of a finished job to a passive reply and plans the rest. Returns the reply text
 * (with the note when parts wait for "1") and the plan of the rest, or undefined when nothing is undecided.
 */
export function takePassivePart(
  store: SessionStore,
  jobKey: string,
  config: Config,
  now: number,
): { text: string; rest: PartPlan } | undefined {
  const parts = store.parts(jobKey);
  const first = parts.find((p) => p.via === null);
  if (first === undefined) return undefined;
  store.setPartVia(jobKey, first.idx, "passive", now);
  const rest = planUndecidedParts(store, jobKey, config, parts.map((p) => (p === first ? { ...p, via: "passive" } : p)));
  const alreadyWaiting = parts.some((p) => p.via === "pull-ready");
  const note = rest.toPull > 0 || alreadyWaiting ? moreNote(config, first.idx + 1, parts.length) : "";
  const link = note !== "" || rest.toCs > 0 ? pageLink(store.job(jobKey), config) : "";
  return { text: first.text + note + link, rest };
}

/**
 * Hands the first finished part of an answer Dify is still writing to a passive reply. Returns its text, or
 * undefined when nothing has finished yet. The caller routes the other parts (src/session/progressive.ts
 * routeEarlyParts) and adds the note ({@link earlyNote}).
 */
export function takeEarlyPassivePart(store: SessionStore, job: Job, now: number): string | undefined {
  const first = store.parts(job.key).find((p) => p.via === null);
  if (first === undefined) return undefined;
  store.setPartVia(job.key, first.idx, "passive", now);
  return first.text;
}

/**
 * What follows the first part of an answer Dify is still writing: in pull mode, or in CS mode with no CS message
 * left for this answer, the note that "1" fetches the rest; then the page link.
 */
export function earlyNote(store: SessionStore, job: Job, config: Config): string {
  const byOne = !config.delivery.customMessages || csBudget(store) === 0;
  return (byOne ? config.texts.moreComing : "") + pageLink(job, config);
}

/**
 * Hands the next part waiting for "1" to a passive reply. Returns undefined when none waits. An image part with no
 * text (a WeChat media id whose Dify link has expired: a passive reply here is text only) is passed over, marked as
 * handed out, rather than shown as an empty message or a dead link.
 */
export function takePulledPart(store: SessionStore, jobKey: string, config: Config, now: number): string | undefined {
  const parts = store.parts(jobKey);
  const waiting = parts.filter((p) => p.via === "pull-ready");
  for (const part of waiting) {
    if (part.text.trim() !== "") break;
    store.setPartVia(jobKey, part.idx, "pull", now);
  }
  const next = waiting.find((p) => p.text.trim() !== "");
  if (next === undefined) return undefined;
  // Earlier parts still on their way by CS come first; the last of them tells the follower to send "1" again.
  if (parts.some((p) => p.idx < next.idx && (p.via === "cs-queued" || p.via === "cs-sending"))) return undefined;
  store.setPartVia(jobKey, next.idx, "pull", now);
  const job = store.job(jobKey);
  const writing = job !== undefined && job.status !== "done";
  const more = waiting.some((p) => p.idx > next.idx && p.text.trim() !== "");
  const link = pageLink(job, config);
  // The last part planned for CS carries its note already; kept for "1" after WeChat refused CS, it gets one note.
  const planned = moreNote(config, next.idx + 1, parts.length);
  let text = next.text.endsWith(planned + link) ? next.text.slice(0, -(planned + link).length) : next.text;
  if (text.endsWith(planned)) text = text.slice(0, -planned.length);
  // While Dify is still writing, how many parts there will be is not known: the note says more is coming.
  if (writing) return text + config.texts.moreComing + link;
  return more ? text + planned + link : text;
}
