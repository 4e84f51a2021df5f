/**
 * A failed run, told as one line per event on the run's clock: what the follower sent, what came back (passive
 * replies and CS messages, each named by the answer and position it carries), restarts, faults. Printed with the
 * violations so a counterexample can be read without re-running it.
 */
import { receivedTexts, type Content } from "./received";
import type { RunRecord } from "./world";

function describe(content: Content, raw: string): string {
  switch (content.kind) {
    case "nothing": return "(nothing)";
    case "system": return `[${content.name}]`;
    case "echo-1": return "echo: 1";
    case "fragment": return `Q${content.question}${content.replacement ? " replacement" : ""} [${content.start}, ${content.end})`;
    case "foreign": return `FOREIGN ${JSON.stringify(raw.slice(0, 50))}`;
  }
}

/** The run as text, oldest event first. */
export function timeline(run: RunRecord): string {
  const events: Array<[number, string]> = [];
  run.messages.forEach((m, i) => {
    const what = m.question !== undefined ? `Q${m.question.n}` : m.kind;
    events.push([m.sentAt, `message ${i} sent: ${what}${m.collecting ? " (collecting)" : ""}`]);
    if (m.storedAt !== undefined) events.push([m.storedAt, `message ${i} stored as ${m.admittedAs ?? "nothing"}`]);
  });
  for (const r of receivedTexts(run)) {
    const head = r.channel === "cs" ? `CS #${r.csIndex} (after ${r.after})` : `reply to message ${r.message}${run.messages[r.message ?? -1]?.reply?.late ? " (late)" : ""}`;
    events.push([r.before, `${head}: ${describe(r.content, r.raw)}`]);
  }
  for (const r of run.restarts) events.push([r.from, "restart"]);
  for (const h of run.hangs) events.push([h, "WeChat's API will hang on the next send"]);
  for (const p of run.reposts) events.push([p.at, `repost of message ${p.message}: ${JSON.stringify((p.response?.content ?? "?").slice(0, 30))}`]);
  events.sort((a, b) => a[0] - b[0]);
  const calls = new Map<string, number>();
  for (const q of run.difyQueries) {
    const label = /问题Q\d+$/.exec(q)?.[0] ?? q;
    calls.set(label, (calls.get(label) ?? 0) + 1);
  }
  return [
    "timeline (tick: event):",
    ...events.map(([tick, text]) => `  ${tick}: ${text}`),
    `Dify calls: ${[...calls].map(([q, n]) => `${q}×${n}`).join(", ") || "none"}`,
  ].join("\n");
}
