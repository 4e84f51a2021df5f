/**
 * Everything the follower received in a run, each text classified: nothing, one of the worker's own texts, the
 * answer to a "1" asked as a question, or a fragment of exactly one answer at a known position. A text that is none of
 * these (parts of two answers in one message, a slice that is in no answer) is "foreign".
 */
import type { Texts } from "../../../src/texts";
import { labelOf, type Question } from "./answers";
import type { RunRecord } from "./world";

/** The worker's own texts the follower may see. */
export type SystemText = "holding" | "continue" | "continueLater" | "busy" | "failure" | "cleared" | "emptyAnswer";

/** What one received text is. */
export type Content =
  | { kind: "nothing" }
  | { kind: "system"; name: SystemText }
  | { kind: "echo-1" }
  | { kind: "fragment"; question: number; replacement: boolean; start: number; end: number }
  | { kind: "foreign" };

/** One text the follower received, with when (on the run's clock) it arrived. */
export interface Received {
  raw: string;
  content: Content;
  channel: "passive" | "cs";
  /** Passive replies: the index of the message it answered. */
  message?: number;
  /** CS messages: their place in the follower's CS history. */
  csIndex?: number;
  /** It arrived after tick `after` and before tick `before` (equal for passive replies: seen when they came back). */
  after: number;
  before: number;
}

/** Whitespace does not count: parts are trimmed and joined differently from how the answer was written. */
export function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Takes the "reply 1 for more" and "an earlier answer waits" notes off the end of a text. */
export function withoutNotes(text: string, texts: Texts): string {
  const more = new RegExp(`${escapeRegExp(texts.moreParts).replace("\\{current\\}", "\\d+").replace("\\{total\\}", "\\d+")}$`);
  let body = text;
  for (let changed = true; changed;) {
    const before = body;
    body = body.replace(more, "");
    if (body.endsWith(texts.earlierWaiting)) body = body.slice(0, -texts.earlierWaiting.length);
    if (body.endsWith(texts.moreComing)) body = body.slice(0, -texts.moreComing.length);
    changed = body !== before;
  }
  return body;
}

/** Classifies one received text against the run's questions. */
export function classify(raw: string, texts: Texts, questions: ReadonlyMap<number, Question>): Content {
  const body = withoutNotes(raw, texts);
  if (squash(body) === "") return { kind: "nothing" };
  const system: Array<[SystemText, boolean]> = [
    ["holding", body === texts.holding],
    ["continue", body.startsWith(texts.continuePrompt)],
    ["continueLater", body === texts.continueLater],
    ["busy", body === texts.busy],
    ["failure", body === texts.failure],
    ["cleared", body === texts.cleared],
    ["emptyAnswer", body === texts.emptyAnswer],
  ];
  const name = system.find(([, matches]) => matches)?.[0];
  if (name !== undefined) return { kind: "system", name };
  const flat = squash(body);
  if (flat === "echo:1") return { kind: "echo-1" };
  const label = labelOf(flat);
  const question = label === undefined ? undefined : questions.get(label.n);
  const source = question === undefined ? undefined : label?.replacement ? question.replacement : question.answer;
  if (label === undefined || source === undefined) return { kind: "foreign" };
  const start = squash(source).indexOf(flat);
  if (start < 0) return { kind: "foreign" };
  return { kind: "fragment", question: label.n, replacement: label.replacement, start, end: start + flat.length };
}

/** Every text the follower received in the run: the accepted passive replies and the CS messages. */
export function receivedTexts(run: RunRecord): Received[] {
  const questions = questionsOf(run);
  const texts = run.config.texts;
  const out: Received[] = [];
  run.messages.forEach((message, index) => {
    const reply = message.reply;
    if (reply === undefined) return;
    out.push({
      raw: reply.content, content: classify(reply.content, texts, questions), channel: "passive", message: index,
      after: reply.at, before: reply.at,
    });
  });
  for (const seen of run.cs) {
    out.push({
      raw: seen.text, content: classify(seen.text, texts, questions), channel: "cs", csIndex: seen.index,
      after: seen.after, before: seen.before,
    });
  }
  return out;
}

/** The run's questions by number. */
export function questionsOf(run: RunRecord): Map<number, Question> {
  const map = new Map<number, Question>();
  for (const message of run.messages) if (message.question !== undefined) map.set(message.question.n, message.question);
  return map;
}

/** Whether `a` surely reached the follower before `b` (CS messages among themselves: their exact order). */
export function surelyBefore(a: Received, b: Received): boolean {
  if (a.csIndex !== undefined && b.csIndex !== undefined) return a.csIndex < b.csIndex;
  return a.before < b.after;
}

/** Names a received text for messages: which CS message, or the reply to which message. */
export function where(r: Received): string {
  return r.channel === "cs" ? `CS message #${r.csIndex}` : `the reply to message ${r.message}`;
}

/** A text shortened for messages. */
export function clip(text: string): string {
  const flat = JSON.stringify(text);
  return flat.length > 90 ? `${flat.slice(0, 60)}…${flat.slice(-25)}` : flat;
}
