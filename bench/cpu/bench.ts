/**
 * Figure 4: CPU per KB of answer through the Durable Object's whole path, in workerd. A late answer in CS mode
 * (WECHAT_REQUEST_TIMEOUT_MS=500, the answer starts after WeChat's window) is streamed in 8-character `message`
 * events, so progressive delivery, shaping, splitting and the CS sends all run; the same answer in one single event
 * is the floor. CPU is read from /proc for workerd's threads before and after each answer, minus an idle baseline
 * measured the same way. Each answer goes to a new follower (a fresh Durable Object).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockWechatApi } from "../../test/support/mock-wechat-api.js";
import { BENCH_ACCOUNT } from "../account.js";
import { startWranglerDev } from "../load/wrangler-dev.js";
import { median, nowMs } from "../stats.js";
import { formatCount, formatMs, type Table } from "../table.js";
import { callbackQuery, sealCallback, textXml } from "../wechat-side.js";
import { eventsOf, kib, SHAPES } from "./answers.js";
import { startDifyStream } from "./dify-stream.js";
import { runTextPath, textPathTable, type TextPathCase } from "./text-path.js";
import { freezeWorker } from "./frozen-worker.js";
import { commandOf, cpuNs, cpuTicksMs, processTree } from "./proc-cpu.js";

/** Knobs of the CPU run. */
export interface CpuOptions {
  /** Answer sizes in KiB of UTF-8. */
  sizesKib: number[];
  /** Characters per streamed event. */
  eventChars: number;
  /** The stand-in's wait before the first event: past the window (3 × 500 ms + 500 ms), so the answer is late. */
  delayMs: number;
  /** The answer counts as handled once no CS send arrived for this long after the stream ended. */
  settleMs: number;
  /** Write size of the coalesced run: the same events, gathered into fewer, larger writes. */
  coalesceBytes: number;
}

export const CPU_DEFAULTS: CpuOptions = {
  sizesKib: [15, 60],
  eventChars: 8,
  delayMs: 2_500,
  settleMs: 600,
  coalesceBytes: 16_384,
};

/** One answer's measurement. */
export interface CpuCase {
  shape: string;
  kib: number;
  events: number;
  cpuMs: number;
  msPerKib: number;
  /** utime+stime over the same span (10 ms ticks), idle not subtracted. */
  ticksMs: number;
  wallMs: number;
  csSends: number;
  /** Parts the session queued while the answer was still streaming (its "progressive" log events). */
  progressiveParts: number;
}

/** What figure 4 measured (JSON-ready). */
export interface CpuResult {
  options: CpuOptions;
  idleCpuMsPerSecond: number;
  /** CPU of a late answer of 200 bytes in one event (callback, new Durable Object, token, sends): median of 3. */
  fixedCpuMs: number;
  workerdPids: number[];
  streamed: CpuCase[];
  /** The same events gathered into writes of `coalesceBytes`: workerd reads a few large chunks, not one per event. */
  coalesced: CpuCase[];
  oneEvent: CpuCase[];
  /** The same answers through src/text alone, in Node. */
  textPath: TextPathCase[];
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let msgSeq = 0;

async function sentCount(wechatApiUrl: string, openid: string): Promise<number> {
  const res = await fetch(`${wechatApiUrl}/__sent?user=${encodeURIComponent(openid)}`);
  return ((await res.json()) as unknown[]).length;
}

/**
 * Parts queued progressively for the latest answer in wrangler's output: the "progressive" events logged for the
 * user of its last "answered" event (the session logs hashed user tags, never openids).
 */
function progressiveParts(output: string): number {
  const events = [...output.matchAll(/\{"level":"info"[^\n]*\}/g)].flatMap((line) => {
    try {
      return [JSON.parse(line[0]) as { event?: string; user?: string; parts?: number }];
    } catch {
      return [];
    }
  });
  const user = events.filter((e) => e.event === "answered").at(-1)?.user;
  if (user === undefined) return 0;
  return events.filter((e) => e.event === "progressive" && e.user === user).reduce((n, e) => n + (e.parts ?? 0), 0);
}

/** Runs figure 4. */
export async function runCpu(o: CpuOptions = CPU_DEFAULTS): Promise<CpuResult> {
  const dify = await startDifyStream(o.delayMs);
  const wechatApi = await startMockWechatApi();
  const dir = await mkdtemp(join(tmpdir(), "bench-cpu-"));
  try {
    const envFile = join(dir, "secrets.env");
    // The test suite's values, never real ones.
    const secrets = [`WECHAT_TOKEN=${BENCH_ACCOUNT.token}`, "DIFY_API_KEY=app-test-key", "WECHAT_APP_SECRET=test-app-secret"];
    await writeFile(envFile, `${secrets.join("\n")}\n`, { mode: 0o600 });
    const config = await freezeWorker(PROJECT_ROOT, dir);
    const dev = await startWranglerDev({
      cwd: PROJECT_ROOT,
      args: [
        "--config", config,
        "--no-bundle",
        "--persist-to", join(dir, "state"),
        "--env-file", envFile,
        "--var", `DIFY_API_BASE:${dify.url}`,
        "--var", `WECHAT_API_BASE:${wechatApi.url}`,
        "--var", `WECHAT_APP_ID:${BENCH_ACCOUNT.appId}`,
        "--var", "ENABLE_CUSTOM_MESSAGE:true",
        "--var", "DIFY_APP_TYPE:chat",
        "--var", `WECHAT_ENCODING_AES_KEY:${BENCH_ACCOUNT.encodingAesKey}`,
        "--var", "WECHAT_REQUEST_TIMEOUT_MS:500",
        // Info lines tell whether progressive delivery ran (its "progressive" event); they are few per answer.
        "--log-level", "log",
      ],
    });
    let result: Omit<CpuResult, "textPath">;
    try {
      // Looked up at every reading: a workerd that wrangler restarts gets a new PID.
      const workerd = (): number[] => processTree(dev.pid).filter((pid) => commandOf(pid) === "workerd");
      const pids = workerd();
      if (pids.length === 0) throw new Error(`no workerd process under wrangler (pid ${dev.pid})`);
      const runId = Date.now().toString(36);
      let caseNo = 0;

      const runCase = async (shape: string, answer: string, events: string[], coalesce?: number): Promise<CpuCase> => {
        caseNo += 1;
        const openid = `oCpu_${runId}_${String(caseNo).padStart(3, "0")}`;
        const key = `⟨cpu ${runId} ${caseNo}⟩`;
        const { done } = dify.register(key, events, coalesce);
        const startPids = workerd();
        const startCpu = cpuNs(startPids);
        const startTicks = cpuTicksMs(startPids);
        const started = nowMs();
        const createTime = Math.floor(Date.now() / 1000);
        msgSeq += 1;
        const msgId = `8${String(Date.now()).padStart(13, "0")}${String(msgSeq).padStart(5, "0")}`;
        const sealed = sealCallback(textXml({ openid, content: key, msgId, createTime }), openid, createTime);
        const reply = await fetch(`${dev.url}/wechat?${callbackQuery(sealed)}`, {
          method: "POST",
          headers: { "content-type": "text/xml" },
          body: sealed.body,
          signal: AbortSignal.timeout(10_000),
        });
        await reply.text();
        await done;
        let sends = await sentCount(wechatApi.url, openid);
        let stableSince = nowMs();
        const deadline = nowMs() + 60_000;
        while (nowMs() - stableSince < o.settleMs || sends === 0) {
          if (nowMs() > deadline) throw new Error(`no CS send for ${shape} (${openid}) within 60 s`);
          await sleep(100);
          const now = await sentCount(wechatApi.url, openid);
          if (now !== sends) {
            sends = now;
            stableSince = nowMs();
          }
        }
        // The span includes the wait for the first event and the quiet after the last send: idle is taken off for it.
        const endPids = workerd();
        if (endPids.join() !== startPids.join()) {
          throw new Error(`workerd restarted during ${shape} (${startPids.join()} -> ${endPids.join()}):\n${dev.output()}`);
        }
        const endCpu = cpuNs(endPids);
        const wallMs = nowMs() - started;
        const idleMs = idleRate * wallMs;
        const cpuMs = Math.max(0, (endCpu - startCpu) / 1e6 - idleMs);
        const size = kib(answer);
        return {
          shape, kib: size, events: events.length, cpuMs, msPerKib: cpuMs / size, ticksMs: cpuTicksMs(endPids) - startTicks,
          wallMs, csSends: sends, progressiveParts: progressiveParts(dev.output()),
        };
      };

      // Warm-up (not measured): compiles the worker's code paths and fetches the access token once.
      let idleRate = 0;
      const warm = SHAPES[0]?.build(4 * 1024) ?? "warm-up";
      await runCase("warm-up", warm, eventsOf(warm, o.eventChars));
      // Idle: what workerd burns with nothing to do, per ms of wall time.
      const idleStart = cpuNs(workerd());
      const idleWall = nowMs();
      await sleep(3_000);
      idleRate = (cpuNs(workerd()) - idleStart) / 1e6 / (nowMs() - idleWall);

      const tiny = SHAPES[0]?.build(200) ?? "short answer";
      const fixed: number[] = [];
      for (let i = 0; i < 3; i += 1) fixed.push((await runCase("fixed", tiny, [tiny])).cpuMs);
      const fixedCpuMs = median(fixed);

      const streamed: CpuCase[] = [];
      const coalesced: CpuCase[] = [];
      const oneEvent: CpuCase[] = [];
      // BENCH_CPU_SHAPES=prose,list (substrings of shape names) runs only those, for a quick look at one shape.
      const only = (process.env["BENCH_CPU_SHAPES"] ?? "").split(",").filter((w) => w !== "");
      for (const shape of SHAPES.filter((s) => only.length === 0 || only.some((w) => s.name.includes(w)))) {
        for (const size of o.sizesKib) {
          const answer = shape.build(size * 1024);
          const events = eventsOf(answer, o.eventChars);
          streamed.push(await runCase(shape.name, answer, events));
          coalesced.push(await runCase(shape.name, answer, events, o.coalesceBytes));
          oneEvent.push(await runCase(shape.name, answer, [answer]));
        }
      }
      // After workerd is stopped, so neither run takes CPU from the other.
      result = { options: o, idleCpuMsPerSecond: idleRate * 1000, fixedCpuMs, workerdPids: pids, streamed, coalesced, oneEvent };
    } finally {
      await dev.stop();
    }
    return { ...result, textPath: runTextPath(o.sizesKib, o.eventChars) };
  } finally {
    await Promise.all([dify.close(), wechatApi.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

const ms2 = (ms: number): string => `${ms.toFixed(2)} ms`;

/** Figure 4 as a table: one row per shape and size, streamed beside the one-event floor. */
export function cpuTables(r: CpuResult): Table[] {
  const perKib = (c: CpuCase): string => ms2(Math.max(0, c.cpuMs - r.fixedCpuMs) / c.kib);
  const rows = r.streamed.map((s, i) => {
    const floor = r.oneEvent[i];
    const together = r.coalesced[i];
    return [
      s.shape,
      `${s.kib.toFixed(0)} KiB`,
      formatCount(s.events),
      formatMs(s.cpuMs),
      perKib(s),
      together === undefined ? "n/a" : perKib(together),
      floor === undefined ? "n/a" : formatMs(floor.cpuMs),
      floor === undefined ? "n/a" : perKib(floor),
      String(s.progressiveParts),
      String(s.csSends),
    ];
  });
  return [
    {
      title: `Figure 4: workerd CPU per KiB of answer, Durable Object path, CS mode, ${r.options.eventChars}-character events`,
      header: [
        "answer", "size", "events", "CPU streamed", "per KiB", "coalesced", "CPU one event", "per KiB", "progressive",
        "CS sends",
      ],
      rows,
      notes: [
        "CPU: run time of workerd's threads (/proc/<pid>/task/*/schedstat) from the callback to the last CS send, minus",
        `idle (${r.idleCpuMsPerSecond.toFixed(2)} ms per s, measured the same way). Per KiB: above the fixed cost of a late`,
        `answer (${formatMs(r.fixedCpuMs)}: callback, new Durable Object, token, sends; a 200-byte answer in one event).`,
        `coalesced: the same events gathered into ${formatCount(r.options.coalesceBytes)}-character writes (streamed: one write per event,`,
        "as Dify flushes them; workerd then pays for one network read per event). One event: the same answer in a",
        "single `message`, the floor. progressive: parts sent while it streamed (0: no paragraph had finished).",
        "Goal: under 1 ms per KiB streamed, and the same per-KiB figure at 60 KiB as at 15 KiB.",
      ],
    },
    textPathTable(r.textPath, r.options.eventChars),
  ];
}
