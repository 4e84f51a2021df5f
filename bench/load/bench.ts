/**
 * Figure 2: end-to-end load on `wrangler dev` over 127.0.0.1, and what a second account costs: the same number of
 * followers on one account (run A) and split over two accounts of one deployment (run B, ACCOUNTS), interleaved
 * (rounds.ts). The Dify and WeChat API stand-ins from test/support run in this process; the worker runs in a child
 * `wrangler dev` with its own temporary state, and is always stopped. The table is in tables.ts.
 */
import { constants } from "node:fs";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockDify } from "../../test/support/mock-dify.js";
import { startMockWechatApi } from "../../test/support/mock-wechat-api.js";
import { median, nowMs, percentile } from "../stats.js";
import { DEFAULT_LOAD_ACCOUNT, LOAD_DIFY_KEY, SHOP_LOAD_ACCOUNT, loadAccountsVar, loadSecrets } from "./accounts.js";
import { getMany, sendMessage, type Sent } from "./followers.js";
import { figures, newRun, playInterleaved, type BatchFigures, type Run } from "./rounds.js";
import { startWranglerDev } from "./wrangler-dev.js";

/** Knobs of the load run. */
export interface LoadOptions {
  /** Followers of each run: run A puts them all on the default account, run B half on each of two accounts. */
  followers: number;
  messagesPerFollower: number;
  /** Followers per account that each send one message before anything is measured (not counted). */
  warmupFollowers: number;
  /** Extra followers (default account) whose every message arrives 3 times at once. */
  stormFollowers: number;
  stormMessagesPerFollower: number;
  /** Per-request bound; WeChat itself gives up after 5 s. */
  requestTimeoutMs: number;
}

/**
 * Default knobs: 200 followers x 3 messages on one account, the same on two accounts (100 each), interleaved; then
 * 50 x 3 (x3 copies) in the storm. About as many callbacks in all as the single run of 200 x 5 before.
 */
export const LOAD_DEFAULTS: LoadOptions = {
  followers: 200,
  messagesPerFollower: 3,
  warmupFollowers: 10,
  stormFollowers: 50,
  stormMessagesPerFollower: 3,
  requestTimeoutMs: 15_000,
};

/** One run's figures (JSON-ready). */
export interface RunResult extends BatchFigures {
  messages: number;
  lost: number;
  wrongReply: number;
  difyCalls: number;
  duplicated: number;
  missingDifyCalls: number;
  /** Each round's p99, in run order: the round-to-round spread a difference between the runs must beat. */
  roundP99Ms: number[];
}

/** What figure 2 measured (JSON-ready). */
export interface LoadResult {
  options: LoadOptions;
  startupMs: number;
  /** Where Durable Object state lived. */
  stateDir: string;
  /** The order the measured rounds ran in (A = one account, B = two accounts). */
  roundOrder: string[];
  /** A few distinct contents of 200 replies that were not the expected answer. */
  wrongSamples: string[];
  difyStandIn: { samples: number; p50Ms: number; p99Ms: number };
  baseline: BatchFigures;
  /** Run A: every follower on the default account. */
  oneAccount: RunResult;
  /** Run B: half the followers on the default account, half on "shop", at the same time. */
  twoAccounts: RunResult & { perAccount: Record<string, BatchFigures & { lost: number }> };
  storm: BatchFigures & {
    messages: number;
    lost: number;
    copiesAnsweredRight: number;
    difyCalls: number;
    duplicated: number;
  };
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The stand-in's own latency for a fast answer: one full SSE chat answer, sequentially. */
async function difyLatency(difyUrl: string, samples: number): Promise<LoadResult["difyStandIn"]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = nowMs();
    const res = await fetch(`${difyUrl}/chat-messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${LOAD_DIFY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "ping", user: `bench-probe-${i}`, inputs: {}, response_mode: "streaming" }),
      signal: AbortSignal.timeout(5000),
    });
    await res.text();
    latencies.push(nowMs() - start);
  }
  return { samples, p50Ms: median(latencies), p99Ms: percentile(latencies, 99) };
}

/** Dify chat calls the stand-in received for each user. */
async function difyCallCounts(difyUrl: string, users: string[]): Promise<Map<string, number>> {
  const base = difyUrl.replace(/\/v1$/, "");
  const counts = new Map<string, number>();
  for (let i = 0; i < users.length; i += 50) {
    await Promise.all(
      users.slice(i, i + 50).map(async (user) => {
        const res = await fetch(`${base}/__calls?user=${encodeURIComponent(user)}`);
        const calls = (await res.json()) as Array<{ path: string }>;
        counts.set(user, calls.filter((c) => c.path === "/chat-messages").length);
      }),
    );
  }
  return counts;
}

function dupes(counts: Map<string, number>, sent: Sent[]): { calls: number; duplicated: number; missing: number } {
  const perUser = new Map<string, number>();
  for (const s of sent) perUser.set(s.openid, (perUser.get(s.openid) ?? 0) + 1);
  let calls = 0;
  let duplicated = 0;
  let missing = 0;
  for (const [user, messages] of perUser) {
    const got = counts.get(user) ?? 0;
    calls += got;
    duplicated += Math.max(0, got - messages);
    missing += Math.max(0, messages - got);
  }
  return { calls, duplicated, missing };
}

/**
 * Where wrangler dev keeps Durable Object state: tmpfs when the machine has one, so the figure measures the worker
 * rather than this machine's disk syncing one SQLite file per follower (production storage is nothing like it).
 */
async function stateRoot(): Promise<string> {
  try {
    await access("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** One follower: sends its messages one after another, each once the previous one was answered (as people type). */
async function follower(messages: number, send: (j: number) => Promise<Sent>): Promise<Sent[]> {
  const out: Sent[] = [];
  for (let j = 0; j < messages; j++) out.push(await send(j));
  return out;
}

/** The figures of one run: latency, outcome and Dify calls against what was sent. */
function runResult(run: Run, counts: Map<string, number>): RunResult {
  const attempts = run.sent.flatMap((s) => s.attempts);
  const calls = dupes(counts, run.sent);
  return {
    ...figures(attempts, run.wallMs),
    messages: run.sent.length,
    lost: run.sent.filter((s) => !s.attempts.some((a) => a.right)).length,
    wrongReply: attempts.filter((a) => a.status === 200 && !a.right).length,
    difyCalls: calls.calls,
    duplicated: calls.duplicated,
    missingDifyCalls: calls.missing,
    roundP99Ms: run.roundP99Ms,
  };
}

/** Run B's figures per account, over the same wall time (the accounts were answered side by side). */
function perAccount(run: Run): Record<string, BatchFigures & { lost: number }> {
  const out: Record<string, BatchFigures & { lost: number }> = {};
  for (const name of [...new Set(run.sent.map((s) => s.account))]) {
    const own = run.sent.filter((s) => s.account === name);
    out[name] = { ...figures(own.flatMap((s) => s.attempts), run.wallMs), lost: own.filter((s) => !s.attempts.some((a) => a.right)).length };
  }
  return out;
}

/** Runs figure 2. */
export async function runLoad(o: LoadOptions = LOAD_DEFAULTS): Promise<LoadResult> {
  const dify = await startMockDify();
  const wechatApi = await startMockWechatApi();
  const dir = await mkdtemp(join(await stateRoot(), "bench-load-"));
  try {
    const envFile = join(dir, "secrets.env");
    const secrets = loadSecrets();
    // The secrets go through a temporary env file (made-up values, never real ones), and as --var too, which
    // wrangler dev always reads, whatever wrangler.toml declares.
    await writeFile(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
    const started = nowMs();
    const dev = await startWranglerDev({
      cwd: PROJECT_ROOT,
      args: [
        "--persist-to", join(dir, "state"),
        "--env-file", envFile,
        "--var", `DIFY_API_BASE:${dify.url}`,
        "--var", `WECHAT_API_BASE:${wechatApi.url}`,
        "--var", `WECHAT_APP_ID:${DEFAULT_LOAD_ACCOUNT.appId}`,
        "--var", "ENABLE_CUSTOM_MESSAGE:false",
        "--var", "DIFY_APP_TYPE:chat",
        "--var", `WECHAT_ENCODING_AES_KEY:${DEFAULT_LOAD_ACCOUNT.encodingAesKey}`,
        "--var", `ACCOUNTS:${loadAccountsVar()}`,
        ...Object.entries(secrets).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        // A terminal full of per-request lines would measure wrangler's logging, not the worker.
        "--log-level", "warn",
      ],
    });
    const startupMs = nowMs() - started;
    try {
      const difyStandIn = await difyLatency(dify.url, 100);
      const runId = Date.now().toString(36);
      const openid = (tag: string, i: number) => `oBench_${runId}_${tag}${String(i).padStart(4, "0")}`;

      // Both accounts' code paths warm before either run is timed.
      await Promise.all([DEFAULT_LOAD_ACCOUNT, SHOP_LOAD_ACCOUNT].flatMap((account) =>
        Array.from({ length: o.warmupFollowers }, (_, i) =>
          sendMessage(dev.url, account, openid(`w${account.name}`, i), `预热 ${i}`, 1, o.requestTimeoutMs))));

      const total = o.followers * o.messagesPerFollower;
      const baseStart = nowMs();
      const baseAttempts = await getMany(dev.url, "/", total, o.followers, o.requestTimeoutMs);
      const baseline = figures(baseAttempts, nowMs() - baseStart);

      // Run B alternates the accounts follower by follower: a round starts its requests in this order, so neither
      // account's followers all go first.
      const runs = {
        A: newRun("A", Array.from({ length: o.followers }, (_, i) => ({ account: DEFAULT_LOAD_ACCOUNT, openid: openid("a", i) }))),
        B: newRun("B", Array.from({ length: o.followers }, (_, i) => i % 2 === 0
          ? { account: DEFAULT_LOAD_ACCOUNT, openid: openid("bd", i) }
          : { account: SHOP_LOAD_ACCOUNT, openid: openid("bs", i) })),
      };
      const order = await playInterleaved(dev.url, runs, o.messagesPerFollower, o.requestTimeoutMs);

      const stormUsers = Array.from({ length: o.stormFollowers }, (_, i) => openid("storm", i));
      const stormStart = nowMs();
      const stormSent = (
        await Promise.all(
          stormUsers.map((user, i) =>
            follower(o.stormMessagesPerFollower, (j) =>
              sendMessage(dev.url, DEFAULT_LOAD_ACCOUNT, user, `重试 u${i} 第${j + 1}条`, 3, o.requestTimeoutMs)),
          ),
        )
      ).flat();
      const stormWall = nowMs() - stormStart;

      const users = [...runs.A.followers, ...runs.B.followers].map((f) => f.openid);
      const counts = await difyCallCounts(dify.url, [...users, ...stormUsers]);
      const stormAttempts = stormSent.flatMap((s) => s.attempts);
      const stormDupes = dupes(counts, stormSent);
      const allAttempts = [...runs.A.sent, ...runs.B.sent, ...stormSent].flatMap((s) => s.attempts);
      const wrongSamples = [...new Set(allAttempts.filter((a) => a.status === 200 && !a.right).map((a) => a.content))]
        .slice(0, 3)
        .map((c) => (c === "" ? "(success / empty)" : c.slice(0, 40)));
      return {
        options: o,
        startupMs,
        stateDir: dir,
        roundOrder: order,
        wrongSamples,
        difyStandIn,
        baseline,
        oneAccount: runResult(runs.A, counts),
        twoAccounts: { ...runResult(runs.B, counts), perAccount: perAccount(runs.B) },
        storm: {
          ...figures(stormAttempts, stormWall),
          messages: stormSent.length,
          lost: stormSent.filter((s) => !s.attempts.some((a) => a.right)).length,
          copiesAnsweredRight: stormAttempts.filter((a) => a.right).length,
          difyCalls: stormDupes.calls,
          duplicated: stormDupes.duplicated,
        },
      };
    } finally {
      await dev.stop();
    }
  } finally {
    await Promise.all([dify.close(), wechatApi.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

export { loadTables } from "./tables.js";
export type { BatchFigures } from "./rounds.js";
