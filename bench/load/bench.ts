/**
 * Figure 2: end-to-end load on `wrangler dev` over 127.0.0.1. The Dify and WeChat API stand-ins from test/support run
 * in this process; the worker runs in a child `wrangler dev` with its own temporary state, and is always stopped.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

/** Runs figure 2. */
export async function runLoad(o: LoadOptions = LOAD_DEFAULTS): Promise<LoadResult> {
  const dify = await startMockDify();
  const wechatApi = await startMockWechatApi();
  const dir = await mkdtemp(join(tmpdir(), "bench-load-"));
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
      ],
    });
    const startupMs = nowMs() - started;
    try {
      const difyStandIn = await difyLatency(dify.url, 100);
      const total = o.followers * o.messagesPerFollower;

      const baseStart = nowMs();
      const baseAttempts = await getMany(dev.url, "/", total, o.requestTimeoutMs);
      const baseline = figures(baseAttempts, nowMs() - baseStart);

      const runId = Date.now().toString(36);
      const users = Array.from({ length: o.followers }, (_, i) => `oBench_${runId}_${String(i).padStart(4, "0")}`);
      const loadStart = nowMs();
      const sent = await Promise.all(
        users.flatMap((openid, i) =>
          Array.from({ length: o.messagesPerFollower }, (_, j) =>
            sendMessage(dev.url, openid, `压测 u${i} 第${j + 1}条`, 1, o.requestTimeoutMs),
          ),
        ),
      );
      const loadWall = nowMs() - loadStart;

      const stormUsers = Array.from({ length: o.stormFollowers }, (_, i) => `oStorm_${runId}_${String(i).padStart(4, "0")}`);
      const stormStart = nowMs();
      const stormSent = await Promise.all(
        stormUsers.flatMap((openid, i) =>
          Array.from({ length: o.stormMessagesPerFollower }, (_, j) =>
            sendMessage(dev.url, openid, `重试 u${i} 第${j + 1}条`, 3, o.requestTimeoutMs),
          ),
        ),
      );
      const stormWall = nowMs() - stormStart;
      if (process.env.BENCH_DEBUG) console.error(dev.output());

      const counts = await difyCallCounts(dify.url, [...users, ...stormUsers]);
      const loadAttempts = sent.flatMap((s) => s.attempts);
      const loadDupes = dupes(counts, sent);
      const stormAttempts = stormSent.flatMap((s) => s.attempts);
      const stormDupes = dupes(counts, stormSent);
      return {
        options: o,
        startupMs,
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
      title: `2. End-to-end on wrangler dev, safe mode, 127.0.0.1 (started in ${formatMs(r.startupMs)})`,
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
        "all requests of a batch are sent at once; latency = request sent -> full reply read; lost = no copy got the right",
        "  decrypted reply (`echo: <message>`); duplicated = Dify calls beyond one per message (read from the stand-in's /__calls)",
        `storm: ${formatCount(r.storm.copiesAnsweredRight)} of ${formatCount(r.storm.requests)} copies got the right reply; ` +
          `Dify calls ${formatCount(r.storm.difyCalls)} for ${formatCount(r.storm.messages)} messages`,
        `wrong replies (200 but not the expected text): ${formatCount(r.load.wrongReply)}; no answer within ` +
          `${formatMs(o.requestTimeoutMs)}: ${formatCount(r.load.noAnswer + r.storm.noAnswer)}; messages with no Dify call: ${formatCount(r.load.missingDifyCalls)}`,
        `Dify stand-in alone (one streamed chat answer, sequential, ${r.difyStandIn.samples} calls): ` +
          `p50 ${formatMs(r.difyStandIn.p50Ms)}, p99 ${formatMs(r.difyStandIn.p99Ms)}`,
      ],
    },
  ];
}
