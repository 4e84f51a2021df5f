/**
 * The session's promises, checked on one run's record (./world.ts): every answer delivered whole, in order, never
 * twice, never spliced; one Dify call per message (re-asks after restarts aside, capped); busy refusals and failure
 * texts accounted for; nothing of an unsubscribed follower delivered after the unsubscribe; every retry of a message
 * answered with the same text; nothing stuck. Returns every violation found, as sentences, and counts for the log.
 */
import { MAX_REASKS } from "../../../src/session/answering";
import { CS_BUDGET_AFTER_MESSAGE } from "../../../src/session/delivery-plan";
import { utf8Length } from "../../../src/text/split";
import { questionLabel, type Question } from "./answers";
import { FailureLedger } from "./failures";
import { clip, receivedTexts, squash, surelyBefore, where, type Received } from "./received";
import type { RunRecord, SentMessage, Unsubscribe } from "./world";

/** What a run proved or broke. */
export interface Verdict {
  violations: string[];
  stats: Record<string, number>;
}

type Fragment = Received & { content: { kind: "fragment"; question: number; replacement: boolean; start: number; end: number } };

/** Checks every invariant on one run. */
export function checkRun(run: RunRecord): Verdict {
  const violations: string[] = [];
  const stats: Record<string, number> = {};
  const count = (name: string, by = 1) => {
    stats[name] = (stats[name] ?? 0) + by;
  };
  if (run.stuck !== undefined) violations.push(`the object did not come to rest: ${run.stuck}`);

  const received = dropResentAfterRestart(receivedTexts(run), run, count);
  for (const r of received) {
    if (r.content.kind === "foreign") violations.push(`${where(r)} is in no single answer (spliced or invented): ${clip(r.raw)}`);
    if (utf8Length(r.raw) > run.config.delivery.partMaxBytes) violations.push(`${where(r)} is ${utf8Length(r.raw)} bytes, over MESSAGE_PART_MAX_BYTES`);
    if (r.channel === "cs" && r.content.kind === "system" && r.content.name !== "failure" && r.content.name !== "emptyAnswer") {
      violations.push(`${where(r)} is the ${r.content.name} text, which is only ever a passive reply`);
    }
    if (r.content.kind === "fragment") count(r.channel === "cs" ? "cs parts" : isPull(r, run) ? "pulled parts" : "passive parts");
    if (r.content.kind === "system") count(`${r.content.name} texts`);
  }
  for (const message of run.messages) if (message.reply?.late) count("late last replies");

  const failures = new FailureLedger(run);
  run.messages.forEach((message, index) => {
    if (message.question !== undefined) checkQuestion(run, index, message, message.question, received, failures, violations, count);
    checkSystemReply(run, index, message, received, violations);
  });
  failures.settle(received, violations);
  checkQuestionOnes(run, received, violations, count);
  checkUnsubscribes(run, received, violations);
  checkReposts(run, violations, count);
  checkCsBudget(run, received, violations);
  for (const query of run.difyQueries) {
    if (query !== "1" && !questionOfQuery(run, query)) violations.push(`Dify was asked something the follower never asked: ${clip(query)}`);
  }
  stats.restarts = run.restarts.length;
  stats["Dify calls"] = run.difyQueries.length;
  stats["texts received"] = received.filter((r) => r.content.kind !== "nothing").length;
  return { violations, stats };
}

function checkQuestion(
  run: RunRecord, index: number, message: SentMessage, question: Question, received: Received[],
  failures: FailureLedger, violations: string[], count: (name: string, by?: number) => void,
): void {
  const name = `Q${question.n} (message ${index})`;
  const calls = run.difyQueries.filter((query) => query.endsWith(` ${questionLabel(question.n)}`)).length;
  const ended = unsubscribeAfter(run, message.sentAt);
  const restarts = run.restarts.filter((r) => r.to > message.sentAt && (ended === undefined || r.from < ended.doneAt)).length;
  const mine = received.filter((r): r is Fragment => r.content.kind === "fragment" && r.content.question === question.n);
  if (message.admittedAs === "instant") {
    count("busy refusals");
    if (calls > 0) violations.push(`${name} was refused as busy but Dify was asked ${calls} time(s)`);
    if (mine.length > 0) violations.push(`${name} was refused as busy but parts of its answer arrived`);
    return;
  }
  if (message.admittedAs === undefined && ended === undefined) violations.push(`${name} was never stored by the object`);
  if (calls > 1) count("re-asks", calls - 1);
  if (calls > 1 + Math.min(MAX_REASKS, restarts)) {
    violations.push(`${name}: ${calls} Dify calls, but only ${restarts} restart(s) could have lost its stream (cap 1 + ${MAX_REASKS})`);
  }
  if (calls === 0 && ended === undefined) violations.push(`${name} was admitted but Dify was never asked`);
  const attempts = Math.max(1, calls);
  const answer = coverage(squash(question.answer).length, mine.filter((f) => !f.content.replacement));
  const replacement = coverage(squash(question.replacement ?? "").length, mine.filter((f) => f.content.replacement));
  if (!prefixShaped(answer, attempts)) violations.push(`${name}: its answer arrived with a gap or a repeat (coverage ${runs(answer)}, ${calls} call(s))`);
  if (!prefixShaped(replacement, 1)) violations.push(`${name}: moderation's replacement arrived with a gap or a repeat (coverage ${runs(replacement)})`);
  const whole = question.spec.twist === "replace" ? replacement.every((c) => c > 0) : answer.every((c) => c > 0);
  const mayFail = question.spec.twist === "error" || calls >= 1 + MAX_REASKS;
  if (question.spec.twist === "error" || (calls >= 1 + MAX_REASKS && !whole)) failures.expect(index, ended === undefined);
  else if (!whole && ended === undefined) {
    violations.push(`${name}: not delivered whole (coverage ${runs(question.spec.twist === "replace" ? replacement : answer)}; ${calls} call(s))`);
  }
  if (mayFail) failures.allow(index);
  if (calls <= 1) checkOrder(name, question, mine, violations);
}

/** How many received fragments cover each character. */
function coverage(length: number, fragments: readonly Fragment[]): number[] {
  const cover = new Array<number>(length).fill(0);
  for (const f of fragments) for (let i = f.content.start; i < f.content.end; i++) cover[i] = (cover[i] ?? 0) + 1;
  return cover;
}

/**
 * Each Dify attempt delivers a prefix of its answer, each character once: so coverage never rises along the text (no
 * gap before a delivered piece) and never exceeds the attempts.
 */
function prefixShaped(cover: readonly number[], attempts: number): boolean {
  return cover.every((c, i) => c <= attempts && (i === 0 || c <= (cover[i - 1] ?? 0)));
}

/** Coverage as runs, e.g. "1×120 0×30", for messages. */
function runs(cover: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < cover.length) {
    let j = i;
    while (j < cover.length && cover[j] === cover[i]) j++;
    out.push(`${cover[i]}×${j - i}`);
    i = j;
  }
  return out.join(" ") || "empty";
}

/** One attempt, so one order: no later piece may surely arrive before an earlier one (the replacement after the answer). */
function checkOrder(name: string, question: Question, fragments: readonly Fragment[], violations: string[]): void {
  const offset = squash(question.answer).length;
  const place = (f: Fragment) => f.content.start + (f.content.replacement ? offset : 0);
  for (const a of fragments) {
    for (const b of fragments) {
      if (place(a) < place(b) && surelyBefore(b, a)) {
        violations.push(`${name}: out of order: ${where(b)} (at ${place(b)}) arrived before ${where(a)} (at ${place(a)})`);
        return;
      }
    }
  }
}

/** The worker's own texts go only where they belong. */
function checkSystemReply(run: RunRecord, index: number, message: SentMessage, received: readonly Received[], violations: string[]): void {
  const reply = received.find((r) => r.channel === "passive" && r.message === index);
  const content = reply?.content;
  if (content === undefined || reply === undefined) return;
  const restarted = run.restarts.some((r) => r.to > message.sentAt && r.from < (message.reply?.at ?? Infinity));
  if (content.kind === "system" && content.name === "busy" && message.admittedAs !== "instant") {
    violations.push(`${where(reply)} is the busy text, but the message was admitted as ${message.admittedAs ?? "nothing"}`);
  }
  if (message.kind === "clear" && !(content.kind === "system" && (content.name === "cleared" || (content.name === "failure" && restarted)))) {
    violations.push(`${where(reply)} answers /clear with ${clip(reply.raw)}`);
  }
  if (message.kind !== "clear" && content.kind === "system" && content.name === "cleared") violations.push(`${where(reply)} is the cleared text`);
  if (message.kind === "unsubscribe" && content.kind !== "nothing") violations.push(`${where(reply)} answers an unsubscribe with ${clip(reply.raw)}`);
}

/** A "1" with nothing to collect is a question: each such answer ("echo: 1") arrives once, none is invented. */
function checkQuestionOnes(run: RunRecord, received: readonly Received[], violations: string[], count: (name: string, by?: number) => void): void {
  const ones = run.messages.filter((m) => m.kind === "one");
  const asked = ones.filter((m) => m.admittedAs === "ask");
  const unknown = ones.filter((m) => m.admittedAs === undefined);
  const needed = asked.filter((m) => unsubscribeAfter(run, m.sentAt) === undefined).length;
  const echoes = received.filter((r) => r.content.kind === "echo-1").length;
  const calls = run.difyQueries.filter((q) => q === "1").length;
  const callCap = [...asked, ...unknown].reduce((sum, m) => {
    const ended = unsubscribeAfter(run, m.sentAt);
    const restarts = run.restarts.filter((r) => r.to > m.sentAt && (ended === undefined || r.from < ended.doneAt)).length;
    return sum + 1 + Math.min(MAX_REASKS, restarts);
  }, 0);
  count("1 collected", ones.filter((m) => m.admittedAs === "continue").length);
  count("1 asked", asked.length);
  if (echoes < needed) violations.push(`${needed} "1"(s) were asked as questions, but only ${echoes} answer(s) arrived`);
  if (echoes > asked.length + unknown.length) violations.push(`${echoes} answers to "1" arrived for ${asked.length + unknown.length} "1"(s) asked`);
  if (calls > callCap) violations.push(`Dify was asked "1" ${calls} times, more than ${callCap}`);
  if (echoes > calls) violations.push(`${echoes} answers to "1" arrived, but Dify was asked "1" only ${calls} time(s)`);
}

/**
 * After an unsubscribe nothing of the follower remains: no reply to a later message carries an earlier answer, and at
 * most one CS message (a send already on its way) arrives after the unsubscribe was answered.
 */
function checkUnsubscribes(run: RunRecord, received: readonly Received[], violations: string[]): void {
  for (const u of run.unsubscribes) {
    const earlier = (r: Received) =>
      r.content.kind === "fragment" && (run.messages.find((m) => m.question?.n === (r.content.kind === "fragment" ? r.content.question : -1))?.sentAt ?? Infinity) < u.sentAt;
    for (const r of received.filter(earlier)) {
      const to = r.message === undefined ? undefined : run.messages[r.message];
      if (r.channel === "passive" && to !== undefined && to.sentAt > u.doneAt) {
        violations.push(`${where(r)}, a reply to a message sent after the unsubscribe, carries an answer from before it`);
      }
    }
    const late = received.filter((r) => earlier(r) && r.channel === "cs" && r.after > u.doneAt);
    if (late.length > 1) violations.push(`${late.length} CS messages of answers from before an unsubscribe arrived after it`);
  }
}

/**
 * WeChat allows CS_BUDGET_AFTER_MESSAGE CS messages after each message from the follower: no more may surely arrive
 * after the object took one message and before the follower sent the next.
 */
function checkCsBudget(run: RunRecord, received: readonly Received[], violations: string[]): void {
  const texts = run.messages.filter((m) => m.kind !== "unsubscribe");
  const cs = received.filter((r) => r.channel === "cs");
  texts.forEach((message, i) => {
    const next = texts[i + 1];
    if (message.storedAt === undefined) return;
    const since = message.storedAt;
    const inside = cs.filter((r) => r.after > since && (next === undefined || r.before < next.sentAt));
    if (inside.length > CS_BUDGET_AFTER_MESSAGE) {
      violations.push(`${inside.length} CS messages (#${inside.map((r) => r.csIndex).join(", #")}) arrived after message ${run.messages.indexOf(message)} and before the next; WeChat allows ${CS_BUDGET_AFTER_MESSAGE}`);
    }
  });
}

/** Every request of a message whose reply was decided gets that reply again (the decision is stored with the job). */
function checkReposts(run: RunRecord, violations: string[], count: (name: string, by?: number) => void): void {
  for (const p of run.reposts) {
    count("reposts");
    const message = run.messages[p.message];
    if (message === undefined || p.response === undefined) continue;
    if (p.response.status !== 200) violations.push(`a repost of message ${p.message} got HTTP ${p.response.status}`);
    if (p.tombstoned) {
      if (p.response.content !== "") violations.push(`a repost of message ${p.message} (before the unsubscribe) was answered ${clip(p.response.content)}`);
      continue;
    }
    const reply = message.reply;
    if (!p.afterDelivery || reply === undefined || unsubscribeAfter(run, message.sentAt, p.at) !== undefined) continue;
    const fallback = reply.content === run.config.texts.failure && run.restarts.some((r) => r.to > message.sentAt && r.from < reply.at);
    if (!fallback && p.response.content !== reply.content) {
      violations.push(`a repost of message ${p.message} was answered ${clip(p.response.content)}, not the reply WeChat took: ${clip(reply.content)}`);
    }
  }
}

/**
 * CS messages repeated after a restart: the send was under way when the object was reset, so it cannot know whether
 * WeChat took it and sends it again (at least once, as the README states). Such repeats are set aside, and counted.
 */
function dropResentAfterRestart(received: Received[], run: RunRecord, count: (name: string) => void): Received[] {
  const cs = received.filter((r) => r.channel === "cs");
  const repeats = new Set<Received>();
  for (const r of cs) {
    const first = cs.find((e) => e !== r && e.raw === r.raw && (e.csIndex ?? 0) < (r.csIndex ?? 0) && !repeats.has(e));
    if (first !== undefined && run.restarts.some((x) => x.to > first.after && x.from < r.before)) {
      repeats.add(r);
      count("CS resent after a restart");
    }
  }
  return received.filter((r) => !repeats.has(r));
}

function unsubscribeAfter(run: RunRecord, since: number, until = Infinity): Unsubscribe | undefined {
  return run.unsubscribes.find((u) => u.sentAt > since && u.sentAt < until);
}

function questionOfQuery(run: RunRecord, query: string): boolean {
  return run.messages.some((m) => m.question !== undefined && query.endsWith(` ${questionLabel(m.question.n)}`));
}

function isPull(r: Received, run: RunRecord): boolean {
  return r.message !== undefined && run.messages[r.message]?.kind === "one";
}
