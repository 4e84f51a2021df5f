/** The time-to-first-content table: mode × (ours, whole-answer baseline), medians with their range. */
import { formatCount, type Table } from "../table.js";
import type { TtfcResult } from "./bench.js";
import type { Spread, VariantSummary } from "./summary.js";

const seconds = (s: Spread): string =>
  Number.isFinite(s.median) ? `${s.median.toFixed(1)} s (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : "never (n/a)";
const count = (s: Spread): string =>
  Number.isFinite(s.median) ? `${s.median} (${s.min}–${s.max})` : "n/a";

function problems(v: VariantSummary): string {
  const out: string[] = [];
  if (v.lostChars > 0) out.push(`${v.lostChars} chars lost`);
  if (v.extraChars > 0) out.push(`${v.extraChars} chars twice`);
  if (v.partsOutOfOrder > 0) out.push(`${v.partsOutOfOrder} parts out of order`);
  if (v.unanswered > 0) out.push(`${v.unanswered} messages unanswered`);
  if (v.refused > 0) out.push(`${v.refused} replies WeChat would refuse`);
  if (v.unexpected > 0) out.push(`${v.unexpected} unexpected texts`);
  if (v.extraDifyCalls > 0) out.push(`${v.extraDifyCalls} extra Dify calls`);
  return out.length === 0 ? "" : `: ${out.join(", ")}`;
}

function gain(ours: VariantSummary | undefined, whole: VariantSummary | undefined, pick: (v: VariantSummary) => Spread): string {
  if (ours === undefined || whole === undefined) return "n/a";
  const d = pick(whole).median - pick(ours).median;
  return Number.isFinite(d) ? `${d >= 0 ? "" : "-"}${Math.abs(d).toFixed(1)} s ${d >= 0 ? "sooner" : "later"}` : "n/a";
}

/** The section's table. */
export function ttfcTables(r: TtfcResult): Table[] {
  const o = r.options;
  const find = (mode: string, streamingFirst: boolean) => r.variants.find((v) => v.mode === mode && v.streamingFirst === streamingFirst);
  const rows = r.variants.map((v) => [
    v.mode === "cs" ? "CS" : "pull",
    v.streamingFirst ? "ours (streaming first)" : "baseline: whole answer (STREAMING_FIRST=false)",
    seconds(v.firstContentS),
    seconds(v.allContentS),
    count(v.onesSent),
    `${v.wholeRuns}/${v.runs}${problems(v)}`,
  ]);
  const firstRun = r.runs.filter((run) => run.round === 1);
  return [
    {
      title: `Time to first content on wrangler dev: a slow long answer (first token at ${o.firstTokenMs / 1000} s, ` +
        `${formatCount(r.answerBytes)} bytes at ~${Math.round(r.answerBytes / ((o.chunks - 1) * o.gapMs / 1000))} B/s, Dify ends at ${r.difyEndsS.toFixed(1)} s), ` +
        `${o.rounds} runs each`,
      header: ["mode", "delivery", "first answer text", "whole answer", `"1"s sent`, "whole, in order, once"],
      rows,
      notes: [
        `seconds from the question, median (min–max); ours against the baseline: pull first text ` +
          `${gain(find("pull", true), find("pull", false), (v) => v.firstContentS)}, whole answer ` +
          `${gain(find("pull", true), find("pull", false), (v) => v.allContentS)}; CS first text ` +
          `${gain(find("cs", true), find("cs", false), (v) => v.firstContentS)}, whole answer ` +
          `${gain(find("cs", true), find("cs", false), (v) => v.allContentS)}`,
        "baseline = STREAMING_FIRST=false: no reply carries answer text before the whole answer is there; in CS mode",
        "  finished paragraphs still go by CS once WeChat's window has closed, as they did before streaming-first delivery",
        "the follower plays WeChat: each message's requests cut after 5 s, 3 in all; a \"1\" sent at once whenever a text asks",
        "  for it; in CS mode the CS messages the WeChat API stand-in accepted count as seen when polled (every 100 ms)",
        "first answer text = the first reply or CS message with answer text in it (not a holding or continue text);",
        "  whole = every character of the answer (notes and whitespace removed) received, once, and \"n/m\" notes counting up",
        `the four accounts share one wrangler dev; a round runs them at once, in the orders ${r.roundOrder.map((o2) => o2.join(" ")).join(" / ")}`,
        "round 1, each text the follower saw as seconds:via[#request]:answer characters in it:",
        ...firstRun.map((run) => `  ${run.account}: ${run.timeline.join(" ")}`),
      ],
    },
  ];
}
