/**
 * The one-account and two-account runs, interleaved so neither gets the warmer worker: each follower sends its
 * messages one after another, a round being every follower of one run sending its next message at once, and the
 * rounds go A B B A A B … (A = 1 account × N followers, B = 2 accounts × N/2 followers). Slow drift (JIT warm-up,
 * state growing, other load on the machine) then falls on both runs alike.
 */
import { median, nowMs, percentile } from "../stats.js";
import type { LoadAccount } from "./accounts.js";
import { sendMessage, type Attempt, type Sent } from "./followers.js";

/** Latency and outcome figures of one batch of requests. */
export interface BatchFigures {
  requests: number;
  wallMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  status5xx: number;
  noAnswer: number;
}

/** Figures of a batch of attempts that took `wallMs` in all. */
export function figures(attempts: Attempt[], wallMs: number): BatchFigures {
  const latencies = attempts.map((a) => a.latencyMs);
  return {
    requests: attempts.length,
    wallMs,
    perSecond: attempts.length / (wallMs / 1000),
    p50Ms: median(latencies),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    status5xx: attempts.filter((a) => a.status >= 500).length,
    noAnswer: attempts.filter((a) => a.noAnswer).length,
  };
}

/** One follower of a run: who it is and where it writes. */
export interface RunFollower {
  account: LoadAccount;
  openid: string;
}

/** One run's followers and what they sent. */
export interface Run {
  label: "A" | "B";
  followers: RunFollower[];
  sent: Sent[];
  /** Wall time of this run's rounds, added up. */
  wallMs: number;
  /** Each of this run's rounds' p99, in the order they ran. */
  roundP99Ms: number[];
}

/** A B B A, repeated: the order of `rounds` rounds (positions even out between the runs every 4 rounds). */
export function roundOrder(rounds: number): Array<"A" | "B"> {
  const pattern = ["A", "B", "B", "A"] as const;
  return Array.from({ length: rounds }, (_, i) => pattern[i % 4] ?? "A");
}

/**
 * Plays both runs, `messages` per follower, interleaved by {@link roundOrder}; returns the runs with their figures'
 * raw material and the order the rounds ran in.
 */
export async function playInterleaved(
  baseUrl: string, runs: { A: Run; B: Run }, messages: number, timeoutMs: number,
): Promise<Array<"A" | "B">> {
  const order = roundOrder(messages * 2);
  const next = { A: 0, B: 0 };
  for (const label of order) {
    const run = runs[label];
    const j = next[label];
    next[label] += 1;
    const started = nowMs();
    const sent = await Promise.all(run.followers.map((f, i) =>
      sendMessage(baseUrl, f.account, f.openid, `压测 ${label}${i} 第${j + 1}条`, 1, timeoutMs)));
    run.wallMs += nowMs() - started;
    run.roundP99Ms.push(percentile(sent.flatMap((s) => s.attempts.map((a) => a.latencyMs)), 99));
    run.sent.push(...sent);
  }
  return order;
}

/** A run with nothing sent yet. */
export function newRun(label: "A" | "B", followers: RunFollower[]): Run {
  return { label, followers, sent: [], wallMs: 0, roundP99Ms: [] };
}
