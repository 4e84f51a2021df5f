/**
 * Figure 2: end-to-end load on `wrangler dev` over 127.0.0.1. The Dify and WeChat API stand-ins from test/support run
 * in this process; the worker runs in a child `wrangler dev` with its own temporary state, and is always stopped.
 */
import { constants } from "node:fs";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockDify } from "../../test/support/mock-dify.js";
import { startMockWechatApi } from "../../test/support/mock-wechat-api.js";
import { BENCH_ACCOUNT } from "../account.js";
import { median, nowMs, percentile } from "../stats.js";
import { formatCount, formatMs, type Table } from "../table.js";
import { getMany, sendMessage, type Attempt, type Sent } from "./followers.js";
import { startWranglerDev } from "./wrangler-dev.js";

/** Knobs of the load run. */
export interface LoadOptions {
  followers: number;
  messagesPerFollower: number;
  /** Extra followers whose every message arrives 3 times at once. */
  stormFollowers: number;
  stormMessagesPerFollower: number;
  /** Per-request bound; WeChat itself gives up after 5 s. */
  requestTimeoutMs: number;
}

/** Default knobs: 200 x 5 normal, 50 x 3 (x3 copies) in the storm. */
export const LOAD_DEFAULTS: LoadOptions = {
  followers: 200,
  messagesPerFollower: 5,
  stormFollowers: 50,
  stormMessagesPerFollower: 3,
  requestTimeoutMs: 15_000,
};

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

/** What figure 2 measured (JSON-ready). */
export interface LoadResult {
  options: LoadOptions;
  startupMs: number;
  /** Where Durable Object state lived. */
  stateDir: string;
  /** A few distinct contents of 200 replies that were not the expected answer. */
  wrongSamples: string[];
  difyStandIn: { samples: number; p50Ms: number; p99Ms: number };
  baseline: BatchFigures;
  load: BatchFigures & { messages: number; lost: number; wrongReply: number; difyCalls: number; duplicated: number; missingDifyCalls: number };
  storm: BatchFigures & {
    messages: number;
    lost: number;
    copiesAnsweredRight: number;
    difyCalls: number;
    duplicated: number;
  };
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function figures(attempts: Attempt[], wallMs: number): BatchFigures {
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

/** The stand-in's own latency for a fast answer: one full SSE chat answer, sequentially. */
async function difyLatency(difyUrl: string, samples: number): Promise<LoadResult["difyStandIn"]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = nowMs();
    const res = await fetch(`${difyUrl}/chat-messages`, {
      method: "POST",
      headers: { authorization: "Bearer app-test-key", "content-type": "application/json" },
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

/** Runs figure 2. */
export async function runLoad(o: LoadOptions = LOAD_DEFAULTS): Promise<LoadResult> {
  const dify = await startMockDify();
  const wechatApi = await startMockWechatApi();
  const dir = await mkdtemp(join(await stateRoot(), "bench-load-"));
  try {
    const envFile = join(dir, "secrets.env");
    // The required secrets go through a temporary env file (the test values, never real ones). wrangler dev only
    // loads the secrets wrangler.toml declares under [secrets] required, so the optional ones go in as --var.
    await writeFile(envFile, [`WECHAT_TOKEN=${BENCH_ACCOUNT.token}`, "DIFY_API_KEY=app-test-key", ""].join("\n"), { mode: 0o600 });
    const started = nowMs();
    const dev = await startWranglerDev({
      cwd: PROJECT_ROOT,
      args: [
        "--persist-to", join(dir, "state"),
        "--env-file", envFile,
        "--var", `DIFY_API_BASE:${dify.url}`,
        "--var", `WECHAT_API_BASE:${wechatApi.url}`,
        "--var", `WECHAT_APP_ID:${BENCH_ACCOUNT.appId}`,
        "--var", "ENABLE_CUSTOM_MESSAGE:false",
        "--var", "DIFY_APP_TYPE:chat",
        "--var", `WECHAT_ENCODING_AES_KEY:${BENCH_ACCOUNT.encodingAesKey}`,
        // A terminal full of per-request lines would measure wrangler's logging, not the worker.
        "--log-level", "warn",
      ],
    });
    const startupMs = nowMs() - started;
    try {
      const difyStandIn = await difyLatency(dify.url, 100);
      const total = o.followers * o.messagesPerFollower;

      const baseStart = nowMs();
      const baseAttempts = await getMany(dev.url, "/", total, o.followers, o.requestTimeoutMs);
      const baseline = figures(baseAttempts, nowMs() - baseStart);

      const runId = Date.now().toString(36);
      const users = Array.from({ length: o.followers }, (_, i) => `oBench_${runId}_${String(i).padStart(4, "0")}`);
      const loadStart = nowMs();
      const sent = (
        await Promise.all(
          users.map((openid, i) =>
            follower(o.messagesPerFollower, (j) => sendMessage(dev.url, openid, `压测 u${i} 第${j + 1}条`, 1, o.requestTimeoutMs)),
          ),
        )
      ).flat();
      const loadWall = nowMs() - loadStart;

      const stormUsers = Array.from({ length: o.stormFollowers }, (_, i) => `oStorm_${runId}_${String(i).padStart(4, "0")}`);
      const stormStart = nowMs();
      const stormSent = (
        await Promise.all(
          stormUsers.map((openid, i) =>
            follower(o.stormMessagesPerFollower, (j) => sendMessage(dev.url, openid, `重试 u${i} 第${j + 1}条`, 3, o.requestTimeoutMs)),
          ),
        )
      ).flat();
      const stormWall = nowMs() - stormStart;

      const counts = await difyCallCounts(dify.url, [...users, ...stormUsers]);
      const loadAttempts = sent.flatMap((s) => s.attempts);
      const loadDupes = dupes(counts, sent);
      const stormAttempts = stormSent.flatMap((s) => s.attempts);
      const stormDupes = dupes(counts, stormSent);
      const wrongSamples = [...new Set([...loadAttempts, ...stormAttempts].filter((a) => a.status === 200 && !a.right).map((a) => a.content))]
        .slice(0, 3)
        .map((c) => (c === "" ? "(success / empty)" : c.slice(0, 40)));
      return {
        options: o,
        startupMs,
        stateDir: dir,
        wrongSamples,
        difyStandIn,
        baseline,
        load: {
          ...figures(loadAttempts, loadWall),
          messages: sent.length,
          lost: sent.filter((s) => !s.attempts.some((a) => a.right)).length,
          wrongReply: loadAttempts.filter((a) => a.status === 200 && !a.right).length,
          difyCalls: loadDupes.calls,
          duplicated: loadDupes.duplicated,
          missingDifyCalls: loadDupes.missing,
        },
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

/** Figure 2 as a table: the worker under load, the storm, and the baselines beside them. */
export function loadTables(r: LoadResult): Table[] {
  const row = (label: string, f: BatchFigures, extra: string[]) => [
    label, formatCount(f.requests), `${formatCount(f.perSecond)}/s`, formatMs(f.p50Ms), formatMs(f.p99Ms), formatMs(f.maxMs),
    formatCount(f.status5xx), ...extra,
  ];
  const o = r.options;
  return [
    {
      title: `2. End-to-end on wrangler dev, safe mode, 127.0.0.1 (started in ${formatMs(r.startupMs)}; state under ${r.stateDir.split("/").slice(0, -1).join("/") || "/"})`,
      header: ["batch", "requests", "throughput", "p50", "p99", "max", "5xx", "messages", "lost", "Dify calls", "duplicated"],
      rows: [
        row(`ours: ${o.followers} followers x ${o.messagesPerFollower} msgs`, r.load, [
          formatCount(r.load.messages), formatCount(r.load.lost), formatCount(r.load.difyCalls), formatCount(r.load.duplicated),
        ]),
        row(`ours: retry storm ${o.stormFollowers} x ${o.stormMessagesPerFollower} msgs x 3 copies`, r.storm, [
          formatCount(r.storm.messages), formatCount(r.storm.lost), formatCount(r.storm.difyCalls), formatCount(r.storm.duplicated),
        ]),
        row("baseline: GET / (trivial Hono text), same count, same wrangler dev", r.baseline, ["", "", "", ""]),
      ],
      notes: [
        "all followers at once, each sending its messages one after another; baseline: as many GETs with as many in flight;",
        "latency = request sent -> full reply read; lost = no copy got the right",
        "  decrypted reply (`echo: <message>`); duplicated = Dify calls beyond one per message (read from the stand-in's /__calls)",
        `storm: ${formatCount(r.storm.copiesAnsweredRight)} of ${formatCount(r.storm.requests)} copies got the right reply; ` +
          `Dify calls ${formatCount(r.storm.difyCalls)} for ${formatCount(r.storm.messages)} messages`,
        `wrong replies (200 but not the expected text): ${formatCount(r.load.wrongReply)}` +
          (r.wrongSamples.length > 0 ? ` (e.g. ${r.wrongSamples.map((w) => JSON.stringify(w)).join(", ")})` : "") +
          `; no answer within ` +
          `${formatMs(o.requestTimeoutMs)}: ${formatCount(r.load.noAnswer + r.storm.noAnswer)}; messages with no Dify call: ${formatCount(r.load.missingDifyCalls)}`,
        `Dify stand-in alone (one streamed chat answer, sequential, ${r.difyStandIn.samples} calls): ` +
          `p50 ${formatMs(r.difyStandIn.p50Ms)}, p99 ${formatMs(r.difyStandIn.p99Ms)}`,
      ],
    },
  ];
}
