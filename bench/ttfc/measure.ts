/**
 * One run's figures from what the follower saw: when answer text first showed, when all of it was there, how many
 * "1"s it took, and whether the answer came whole, in order and once.
 */
import type { Trace } from "./follower.js";
import { partNumber } from "./texts.js";

/** The figures of one follower's run (JSON-ready). */
export interface RunFigures {
  account: string;
  round: number;
  /** Seconds from the question to the first text with answer text; NaN if none came. */
  firstContentS: number;
  /** Seconds from the question to the text that completed the answer; NaN if it never was complete. */
  allContentS: number;
  onesSent: number;
  /** Texts the follower saw (replies and CS messages), with or without answer text. */
  texts: number;
  /**
   * The answer text received equals the whole answer, nothing twice, and the "n/m" notes count up. (The stand-in's
   * prose repeats one sentence, so two whole parts swapped would read alike: the notes are what show the order.)
   */
  whole: boolean;
  /** Characters of the answer missing at the end (0 when whole). */
  lostChars: number;
  /** Characters received beyond the whole answer (a part twice). */
  extraChars: number;
  /** "n/m" notes that did not count up one by one (a part skipped or repeated). */
  partsOutOfOrder: number;
  unanswered: number;
  refused: number;
  unexpected: string[];
  difyCalls: number;
  /** Each text as `<s>:<via>:<answer chars>` (e.g. `8.4:reply:651`), for reading a run's shape. */
  timeline: string[];
}

/** Counts "n/m" notes that do not follow the previous one (1/m, 2/m, ... within one series). */
function notesOutOfOrder(trace: Trace): number {
  let bad = 0;
  let last: { current: number; total: number } | undefined;
  for (const s of trace.seen) {
    const n = partNumber(s.text);
    if (n === undefined) continue;
    const continues = last !== undefined && last.total === n.total && n.current === last.current + 1;
    if (!continues && !(n.current === 1)) bad += 1;
    last = n;
  }
  return bad;
}

/** The figures of one run. */
export function runFigures(trace: Trace, expected: string, round: number, difyCalls: number): RunFigures {
  const first = trace.seen.find((s) => s.answer !== "");
  let got = 0;
  let completedAt = Number.NaN;
  for (const s of trace.seen) {
    if (trace.unexpected.includes(s.text.slice(0, 80))) continue;
    got += s.answer.length;
    if (got >= expected.length) {
      completedAt = s.atMs;
      break;
    }
  }
  const partsOutOfOrder = notesOutOfOrder(trace);
  return {
    account: trace.account,
    round,
    firstContentS: first === undefined ? Number.NaN : first.atMs / 1000,
    allContentS: completedAt / 1000,
    onesSent: trace.onesSent,
    texts: trace.seen.length,
    whole: trace.received === expected && partsOutOfOrder === 0,
    lostChars: Math.max(0, expected.length - trace.received.length),
    extraChars: Math.max(0, trace.received.length - expected.length),
    partsOutOfOrder,
    unanswered: trace.unanswered,
    refused: trace.refused.length,
    unexpected: trace.unexpected,
    difyCalls,
    timeline: trace.seen.map((s) => `${(s.atMs / 1000).toFixed(1)}:${s.via}${s.request === undefined ? "" : `#${s.request}`}:${s.answer.length}`),
  };
}
