/**
 * Time to first content (issue 11 §4): a slow long answer (first token at 2 s, then ~8 KB at ~300 B/s), asked by a
 * follower who plays WeChat's real timing, in pull mode and in CS mode; when the follower first sees answer text and
 * when they have all of it, with streaming-first delivery (ours) against the whole-answer baseline (STREAMING_FIRST
 * off) measured in the same run on the same `wrangler dev`. The Dify and WeChat API stand-ins run in this process;
 * the worker, bundled once (bench/cpu/frozen-worker.ts), in a child `wrangler dev` with its own temporary state,
 * always stopped. The table is in tables.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockDify } from "../../test/support/mock-dify.js";
import { startMockWechatApi } from "../../test/support/mock-wechat-api.js";
import { chineseProse } from "../../test/support/prose.js";
import { freezeWorker } from "../cpu/frozen-worker.js";
import { startWranglerDev } from "../load/wrangler-dev.js";
import { nowMs } from "../stats.js";
import { TTFC_ACCOUNTS, ttfcAccountsVar, ttfcSecrets } from "./accounts.js";
import { playFollower } from "./follower.js";
import { runFigures, type RunFigures } from "./measure.js";
import { summarise, type VariantSummary } from "./summary.js";
import { sendLikeWechat } from "./wechat-timing.js";

/** Knobs of the run. */
export interface TtfcOptions {
  /** Runs of each variant; the variants of one round run at once, each round in another start order. */
  rounds: number;
  /** The model thinks this long before its first token. */
  firstTokenMs: number;
  /** Characters of the answer (chineseProse: 3 UTF-8 bytes each, a blank line every ~200). */
  answerChars: number;
  /** Deltas the answer streams in, and the gap between two. */
  chunks: number;
  gapMs: number;
  /** A follower gives up this long after the question. */
  deadlineMs: number;
  /** CS mode: watching on after the whole answer, so a duplicate would show. */
  graceMs: number;
}

/** 2700 characters (8.1 KB) in 90 deltas of 30 characters 300 ms apart: 300 B/s, the end at ~28.7 s. */
export const TTFC_DEFAULTS: TtfcOptions = {
  rounds: 3, firstTokenMs: 2000, answerChars: 2700, chunks: 90, gapMs: 300, deadlineMs: 90_000, graceMs: 3000,
};

/** What the section measured (JSON-ready). */
export interface TtfcResult {
  options: TtfcOptions;
  question: string;
  answerBytes: number;
  /** When the last delta leaves the Dify stand-in, in seconds after the question. */
  difyEndsS: number;
  startupMs: number;
  roundOrder: string[][];
  variants: VariantSummary[];
  runs: RunFigures[];
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function difyCalls(difyUrl: string, user: string): Promise<number> {
  const res = await fetch(`${difyUrl.replace(/\/v1$/, "")}/__calls?user=${encodeURIComponent(user)}`);
  return ((await res.json()) as Array<{ path: string }>).filter((c) => c.path === "/chat-messages").length;
}

/** Runs the section. */
export async function runTtfc(o: TtfcOptions = TTFC_DEFAULTS): Promise<TtfcResult> {
  const question = `[delay=${o.firstTokenMs}][long=${o.answerChars}][chunks=${o.chunks}][gap=${o.gapMs}] 请详细说说公众号怎样把长回答完整送达`;
  const prose = chineseProse(o.answerChars);
  const expected = prose.replace(/\s/g, "");
  const dify = await startMockDify();
  const wechatApi = await startMockWechatApi();
  const dir = await mkdtemp(join(tmpdir(), "bench-ttfc-"));
  try {
    const envFile = join(dir, "secrets.env");
    const secrets = ttfcSecrets();
    // Made-up values through a temporary env file, and as --var too, which wrangler dev always reads.
    await writeFile(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
    // The worker bundled once: edits to the project during the run must not restart the objects being measured.
    const config = await freezeWorker(PROJECT_ROOT, dir);
    const started = nowMs();
    const dev = await startWranglerDev({
      cwd: PROJECT_ROOT,
      args: [
        "--config", config,
        "--no-bundle",
        "--persist-to", join(dir, "state"),
        "--env-file", envFile,
        "--var", `DIFY_API_BASE:${dify.url}`,
        "--var", `WECHAT_API_BASE:${wechatApi.url}`,
        "--var", "DIFY_APP_TYPE:chat",
        // Replies without the page link, so the variants' texts compare alike.
        "--var", "ANSWER_PAGE:false",
        "--var", `ACCOUNTS:${ttfcAccountsVar()}`,
        ...Object.entries(secrets).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--log-level", "warn",
      ],
    });
    const startupMs = nowMs() - started;
    try {
      const runId = Date.now().toString(36);
      // Every account's code path warm before anything is timed (a fast answer each).
      await Promise.all(TTFC_ACCOUNTS.map((a) => sendLikeWechat(dev.url, a, `oTtfc_${runId}_warm_${a.name}`, "预热")));
      const runs: RunFigures[] = [];
      const roundOrder: string[][] = [];
      for (let round = 0; round < o.rounds; round++) {
        // Rotate the start order so no variant always goes first.
        const order = TTFC_ACCOUNTS.map((_, i) => TTFC_ACCOUNTS[(i + round) % TTFC_ACCOUNTS.length]!);
        roundOrder.push(order.map((a) => a.name));
        const figures = await Promise.all(order.map(async (account) => {
          const openid = `oTtfc_${runId}_r${round}_${account.name}`;
          const trace = await playFollower({
            workerUrl: dev.url, wechatApiUrl: wechatApi.url, account, openid, question, expected,
            deadlineMs: o.deadlineMs, graceMs: o.graceMs,
          });
          return runFigures(trace, expected, round + 1, await difyCalls(dify.url, openid));
        }));
        runs.push(...figures);
      }
      return {
        options: o,
        question,
        answerBytes: Buffer.byteLength(prose),
        difyEndsS: (o.firstTokenMs + (o.chunks - 1) * o.gapMs) / 1000,
        startupMs,
        roundOrder,
        variants: TTFC_ACCOUNTS.map((a) => summarise(a, runs.filter((r) => r.account === a.name))),
        runs,
      };
    } finally {
      await dev.stop();
    }
  } finally {
    await Promise.all([dify.close(), wechatApi.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

export { ttfcTables } from "./tables.js";
