/**
 * The session model's invariants (./invariants.ts) on hand-made records: a correct delivery passes, and each broken
 * promise is reported, so a green model run means the promises held, not that the checker looked away.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configFor, type AppEnv } from "../../../src/config";
import { answerParts, moreNote } from "../../../src/session/delivery-plan";
import { makeQuestion, questionLabel, type AnswerSpec } from "./answers";
import { checkRun } from "./invariants";
import type { RunRecord, SentMessage } from "./world";

const config = configFor(env as AppEnv);
const spec: AnswerSpec = { paragraphs: Array.from({ length: 14 }, () => 8), delayMs: 0, chunks: 3, gapMs: 0, twist: "none" };

/** A run in which question 1 (long: several parts) was asked once and each part reached the follower once. */
function wholeRun(): { run: RunRecord; parts: string[] } {
  const question = makeQuestion(1, spec);
  const parts = answerParts(question.answer, config);
  let tick = 0;
  const message = (kind: SentMessage["kind"], content: string, reply: string, extra: Partial<SentMessage> = {}): SentMessage => ({
    kind, xml: "", key: `k${tick}`, sentAt: ++tick, sentMs: 0, collecting: false, admittedAs: kind === "one" ? "continue" : "ask",
    reply: { content: reply, at: ++tick, attempt: 1, late: false }, ...extra,
  });
  const messages = [
    message("ask", question.content, `${parts[0]}${moreNote(config, 1, parts.length)}`, { question }),
    ...parts.slice(1).map((part, i) => message("one", "1", i + 2 < parts.length ? `${part}${moreNote(config, i + 2, parts.length)}` : part)),
  ];
  const run: RunRecord = {
    config, messages, cs: [], restarts: [], hangs: [], unsubscribes: [], reposts: [], difyQueries: [question.content],
  };
  return { run, parts };
}

describe("the session model's invariants", () => {
  it("pass an answer delivered whole, in order, once", () => {
    const { run, parts } = wholeRun();
    expect(parts.length).toBeGreaterThan(2);
    expect(checkRun(run).violations).toEqual([]);
  });

  it("report a part delivered twice", () => {
    const { run } = wholeRun();
    const second = run.messages[2];
    if (second?.reply === undefined) throw new Error("no second part");
    run.cs.push({ text: second.reply.content, index: 0, after: 100, before: 101 });
    expect(checkRun(run).violations.join("\n")).toMatch(/gap or a repeat/);
  });

  it("report a part that never arrived", () => {
    const { run } = wholeRun();
    run.messages.splice(2, 1);
    expect(checkRun(run).violations.join("\n")).toMatch(/gap or a repeat|not delivered whole/);
  });

  it("report a message spliced from two answers", () => {
    const { run } = wholeRun();
    const other = makeQuestion(2, spec);
    const last = run.messages.at(-1);
    if (last?.reply === undefined) throw new Error("no last part");
    last.reply.content = `${last.reply.content}${other.answer.slice(0, 40)}`;
    expect(checkRun(run).violations.join("\n")).toMatch(/in no single answer/);
  });

  it("report parts that surely arrived out of order", () => {
    const { run } = wholeRun();
    const [, second, third] = run.messages;
    if (second?.reply === undefined || third?.reply === undefined) throw new Error("too few parts");
    [second.reply.at, third.reply.at] = [third.reply.at, second.reply.at];
    expect(checkRun(run).violations.join("\n")).toMatch(/out of order/);
  });

  it("report a second Dify call no restart explains, and allow it after one", () => {
    const { run } = wholeRun();
    run.difyQueries.push(run.difyQueries[0] ?? "");
    expect(checkRun(run).violations.join("\n")).toMatch(/2 Dify calls, but only 0 restart/);
    run.restarts.push({ from: 2, to: 3 });
    expect(checkRun(run).violations).toEqual([]);
  });

  it("report a question refused as busy that was asked anyway", () => {
    const question = makeQuestion(1, spec);
    const run: RunRecord = {
      config, cs: [], restarts: [], hangs: [], unsubscribes: [], reposts: [], difyQueries: [`x ${questionLabel(1)}`],
      messages: [{
        kind: "ask", xml: "", key: "k", sentAt: 1, sentMs: 0, collecting: false, admittedAs: "instant", question,
        reply: { content: config.texts.busy, at: 2, attempt: 1, late: false },
      }],
    };
    expect(checkRun(run).violations.join("\n")).toMatch(/refused as busy but Dify was asked/);
  });

  it("set aside a CS message sent again across a restart, and only then", () => {
    const { run } = wholeRun();
    const text = run.messages[1]?.reply?.content ?? "";
    run.messages.splice(1, 1);
    run.cs.push({ text, index: 0, after: 50, before: 51 }, { text, index: 1, after: 60, before: 61 });
    expect(checkRun(run).violations.join("\n")).toMatch(/gap or a repeat/);
    run.restarts.push({ from: 55, to: 56 });
    // The restart also allows a second call; there was none, so only the repeat's allowance is used.
    expect(checkRun(run).violations.join("\n")).not.toMatch(/gap or a repeat/);
  });

  it("take a failure text after restarts as the fallback it may be, and still account for a failed answer's own", () => {
    const question = makeQuestion(1, { ...spec, paragraphs: [1], twist: "error" });
    const run: RunRecord = {
      config, hangs: [], unsubscribes: [], reposts: [], difyQueries: [question.content, question.content],
      restarts: [{ from: 2, to: 3 }],
      messages: [{
        kind: "ask", xml: "", key: "k", sentAt: 1, sentMs: 0, collecting: false, admittedAs: "ask", question,
        reply: { content: config.texts.failure, at: 4, attempt: 3, late: false },
      }],
      cs: [{ text: config.texts.failure, index: 0, after: 10, before: 11 }],
    };
    expect(checkRun(run).violations).toEqual([]);
    run.cs.push({ text: config.texts.failure, index: 1, after: 12, before: 13 });
    expect(checkRun(run).violations.join("\n")).toMatch(/2 failure text\(s\) by CS or "1", but only 1 answer\(s\) could have failed/);
  });

  it("report an object that never came to rest", () => {
    const { run } = wholeRun();
    run.stuck = "never came to rest: {\"unfinished\":1}";
    expect(checkRun(run).violations.join("\n")).toMatch(/did not come to rest/);
  });
});
