/**
 * Figure 1, second view: the same callback path inside workerd (the runtime the worker is deployed on), through a
 * throw-away `wrangler dev` of bench/protocol/workerd-entry.ts. workerd's clocks stand still during computation, so
 * each round is timed from outside: (time of K callbacks - time of 0 callbacks) / K, same request otherwise.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWranglerDev } from "../load/wrangler-dev.js";
import { median, nowNs } from "../stats.js";
import type { MixMessage } from "./messages.js";
import type { WorkerdJob } from "./workerd-entry.js";

/** Median ns per callback in workerd for each side; undefined with a reason when a side cannot run there. */
export interface WorkerdResult {
  oursNs?: number;
  peerNs?: number;
  peerProblem?: string;
  iterations: number;
  rounds: number;
}

const ENTRY = fileURLToPath(new URL("./workerd-entry.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function post(url: string, job: WorkerdJob): Promise<{ status: number; text: string; ns: number }> {
  const body = JSON.stringify(job);
  const start = nowNs();
  const res = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, text, ns: nowNs() - start };
}

/** Runs both sides' full path in workerd over the mix. */
export async function runInWorkerd(mix: MixMessage[], rounds: number, iterations: number): Promise<WorkerdResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-workerd-"));
  const config = join(dir, "wrangler.toml");
  await writeFile(
    config,
    [
      'name = "bench-protocol-path"',
      `main = ${JSON.stringify(ENTRY)}`,
      'compatibility_date = "2026-08-01"',
      'compatibility_flags = ["nodejs_compat"]',
      "",
    ].join("\n"),
  );
  const dev = await startWranglerDev({ args: ["--config", config, "--persist-to", join(dir, "state")], cwd: PROJECT_ROOT, readyPath: "/" , startTimeoutMs: 60_000 }).catch(
    async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    },
  );
  try {
    const result: WorkerdResult = { iterations, rounds };
    const sides: Array<"ours" | "peer"> = ["ours"];
    const probe = await post(dev.url, { side: "peer", iterations: 1, messages: mix });
    if (probe.status === 200) sides.push("peer");
    else result.peerProblem = `peer fails in workerd (HTTP ${probe.status}): ${probe.text.split("\n")[0]?.slice(0, 160) ?? ""}`;

    const samples: Record<"ours" | "peer", number[]> = { ours: [], peer: [] };
    for (const side of sides) for (let w = 0; w < 3; w++) await post(dev.url, { side, iterations, messages: mix });
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const empty = await post(dev.url, { side, iterations: 0, messages: mix });
        const full = await post(dev.url, { side, iterations, messages: mix });
        if (full.status !== 200) throw new Error(`workerd ${side} run failed: HTTP ${full.status} ${full.text.slice(0, 200)}`);
        samples[side].push(Math.max(0, full.ns - empty.ns) / iterations);
      }
    }
    result.oursNs = median(samples.ours);
    if (sides.includes("peer")) result.peerNs = median(samples.peer);
    return result;
  } finally {
    await dev.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
