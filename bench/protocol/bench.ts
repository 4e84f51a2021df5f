/**
 * Figure 1: the per-callback protocol path in one Node process, ours against node-webot's stack, on the same
 * messages in the same run. Warm-up first, then several interleaved rounds; medians are reported, never means.
 */
import { formatCount, formatNs, formatRatio, type Table } from "../table.js";
import { median, nowNs } from "../stats.js";
import { openReply } from "../wechat-side.js";
import { buildMix, type MixMessage } from "./messages.js";
import { oursCallback, oursContext, oursDecode, oursStages, type OursContext } from "./ours.js";
import { peerCallback, peerContext, peerDecode, peerStages, type PeerContext } from "./peer.js";
import { STAGE_NAMES, type BoundStage } from "./stages.js";
import { runInWorkerd, type WorkerdResult } from "./workerd.js";

/** Knobs of the protocol benchmark. */
export interface ProtocolOptions {
  /** Timed rounds per side and message (median taken over them). */
  rounds: number;
  /** Callbacks per round. */
  batch: number;
  /** Callbacks in flight for the throughput row. */
  inFlight: number;
  /** Also time the mix inside workerd (starts a throw-away wrangler dev; ~15 s). */
  workerd: boolean;
}

/** Default knobs: ~15 s on a laptop-class machine. */
export const PROTOCOL_DEFAULTS: ProtocolOptions = { rounds: 15, batch: 200, inFlight: 64, workerd: true };

/** What figure 1 measured (JSON-ready). */
export interface ProtocolResult {
  node: string;
  options: ProtocolOptions;
  sanity: string;
  perMessage: Array<{ label: string; xmlBytes: number; pad: number; oursNs: number; peerNs: number; ratio: number }>;
  mix: { oursNs: number; peerNs: number; ratio: number; oursOpsPerSec: number; peerOpsPerSec: number };
  concurrent: { inFlight: number; oursOpsPerSec: number; peerOpsPerSec: number; ratio: number };
  stages: Array<{ name: string; oursNs: number; peerNs: number; ratio: number }>;
  /** The mix inside workerd, when measured. */
  workerd?: WorkerdResult;
}

type Side = "ours" | "peer";
type Runner = (m: MixMessage) => Promise<string>;

/** Times `batch` sequential callbacks cycling through `messages`; returns ns per callback. */
async function timeSequential(run: Runner, messages: readonly MixMessage[], batch: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < batch; i++) await run(messages[i % messages.length] as MixMessage);
  return (nowNs() - start) / batch;
}

/** Times `total` callbacks with `inFlight` of them outstanding at any moment; returns callbacks per second. */
async function timeConcurrent(run: Runner, messages: readonly MixMessage[], total: number, inFlight: number): Promise<number> {
  let next = 0;
  const start = nowNs();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await run(messages[i % messages.length] as MixMessage);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / ((nowNs() - start) / 1e9);
}

/** Median ns per callback of both sides over `rounds`, alternating which side goes first to cancel drift. */
async function compare(runners: Record<Side, Runner>, messages: readonly MixMessage[], o: ProtocolOptions) {
  const samples: Record<Side, number[]> = { ours: [], peer: [] };
  for (let round = 0; round < o.rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ["ours", "peer"] : ["peer", "ours"];
    for (const side of order) samples[side].push(await timeSequential(runners[side], messages, o.batch));
  }
  return { oursNs: median(samples.ours), peerNs: median(samples.peer) };
}

async function timeStage(stage: BoundStage, batch: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < batch; i++) {
    const value = stage.run();
    if (value instanceof Promise) await value;
  }
  return (nowNs() - start) / batch;
}

/** Median ns of each stage, summed over the mix and divided by its size: the mix-average cost of each stage. */
async function stageBreakdown(ours: OursContext, peer: PeerContext, mix: readonly MixMessage[], o: ProtocolOptions) {
  const bound: Record<Side, BoundStage[][]> = {
    ours: await Promise.all(mix.map((m) => oursStages(ours, m))),
    peer: await Promise.all(mix.map((m) => peerStages(peer, m))),
  };
  const rounds = Math.max(5, Math.floor(o.rounds / 2));
  const out: ProtocolResult["stages"] = [];
  for (const [s, name] of STAGE_NAMES.entries()) {
    const total: Record<Side, number> = { ours: 0, peer: 0 };
    for (const side of ["ours", "peer"] as const) {
      for (const stages of bound[side]) {
        const stage = stages[s] as BoundStage;
        await timeStage(stage, 50); // warm-up
        const samples: number[] = [];
        for (let r = 0; r < rounds; r++) samples.push(await timeStage(stage, o.batch));
        total[side] += median(samples);
      }
    }
    const oursNs = total.ours / mix.length;
    const peerNs = total.peer / mix.length;
    out.push({ name, oursNs, peerNs, ratio: oursNs / peerNs });
  }
  return out;
}

/** Checks once, before any timing, that both sides read the same message and that each reply opens as WeChat would. */
async function sanityCheck(ours: OursContext, peer: PeerContext, mix: readonly MixMessage[]): Promise<string> {
  for (const m of mix) {
    const a = await oursDecode(ours, m);
    const b = await peerDecode(peer, m);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`sanity: sides disagree on "${m.label}": ours ${JSON.stringify(a)} peer ${JSON.stringify(b)}`);
    }
    for (const [side, reply] of [["ours", await oursCallback(ours, m)], ["peer", await peerCallback(peer, m)]] as const) {
      const opened = openReply(reply);
      if (!opened.ok || opened.content !== m.replyText) {
        throw new Error(`sanity: ${side} reply to "${m.label}" does not open right: ${opened.problem ?? opened.content}`);
      }
    }
  }
  return `both sides decode all ${mix.length} messages identically; both replies open with WeChat's checks`;
}

/** Runs figure 1. */
export async function runProtocol(o: ProtocolOptions = PROTOCOL_DEFAULTS): Promise<ProtocolResult> {
  const mix = buildMix();
  const ours = await oursContext();
  const peer = peerContext();
  const runners: Record<Side, Runner> = { ours: (m) => oursCallback(ours, m), peer: (m) => peerCallback(peer, m) };
  const sanity = await sanityCheck(ours, peer, mix);

  // Warm-up: let both sides' code be optimised before anything counts.
  for (let i = 0; i < 3; i++) for (const side of ["ours", "peer"] as const) await timeSequential(runners[side], mix, 1000);

  const perMessage: ProtocolResult["perMessage"] = [];
  for (const m of mix) {
    const { oursNs, peerNs } = await compare(runners, [m], o);
    perMessage.push({ label: m.label, xmlBytes: m.xmlBytes, pad: m.sealed.pad, oursNs, peerNs, ratio: oursNs / peerNs });
  }
  const mixed = await compare(runners, mix, { ...o, batch: o.batch - (o.batch % mix.length) || mix.length });
  const total = o.batch * 10;
  const oursConcurrent = await timeConcurrent(runners.ours, mix, total, o.inFlight);
  const peerConcurrent = await timeConcurrent(runners.peer, mix, total, o.inFlight);
  const stages = await stageBreakdown(ours, peer, mix, o);
  const workerd = o.workerd ? await runInWorkerd(mix, o.rounds, 300) : undefined;

  return {
    node: process.version,
    options: o,
    sanity,
    perMessage,
    mix: {
      ...mixed,
      ratio: mixed.oursNs / mixed.peerNs,
      oursOpsPerSec: 1e9 / mixed.oursNs,
      peerOpsPerSec: 1e9 / mixed.peerNs,
    },
    concurrent: {
      inFlight: o.inFlight,
      oursOpsPerSec: oursConcurrent,
      peerOpsPerSec: peerConcurrent,
      ratio: peerConcurrent / oursConcurrent,
    },
    stages,
    ...(workerd ? { workerd } : {}),
  };
}

/** Figure 1 as two tables: per message (and the mix), then where the time goes. */
export function protocolTables(r: ProtocolResult): Table[] {
  const ops = (ns: number) => `${formatCount(1e9 / ns)}/s`;
  const rows = r.perMessage.map((m) => [
    m.label, `${m.xmlBytes} B`, formatNs(m.oursNs), formatNs(m.peerNs), formatRatio(m.ratio), ops(m.oursNs), ops(m.peerNs),
  ]);
  rows.push([
    "MIX (all six, round robin)", "", formatNs(r.mix.oursNs), formatNs(r.mix.peerNs), formatRatio(r.mix.ratio),
    ops(r.mix.oursNs), ops(r.mix.peerNs),
  ]);
  rows.push([
    `MIX, ${r.concurrent.inFlight} in flight`, "", "", "", formatRatio(r.concurrent.ratio),
    `${formatCount(r.concurrent.oursOpsPerSec)}/s`, `${formatCount(r.concurrent.peerOpsPerSec)}/s`,
  ]);
  const wd = r.workerd;
  if (wd?.oursNs !== undefined) {
    rows.push([
      "MIX in workerd (wrangler dev)", "", formatNs(wd.oursNs), wd.peerNs === undefined ? "n/a" : formatNs(wd.peerNs),
      wd.peerNs === undefined ? "n/a" : formatRatio(wd.oursNs / wd.peerNs), ops(wd.oursNs),
      wd.peerNs === undefined ? "n/a" : ops(wd.peerNs),
    ]);
  }
  const workerdNotes = wd
    ? [
        `workerd row: ${wd.iterations} callbacks per request, (time - same request with 0) / ${wd.iterations}, median of ${wd.rounds}; ` +
          "peer there runs on workerd's nodejs_compat node:crypto" + (wd.peerProblem ? ` (${wd.peerProblem})` : ""),
      ]
    : [];
  return [
    {
      title: `1. Per-callback protocol path, safe mode (Node ${r.node}, median of ${r.options.rounds} rounds x ${r.options.batch})`,
      header: ["message", "inner XML", "ours", "peer", "ours/peer", "ours ops/s", "peer ops/s"],
      rows,
      notes: [
        "path: verify signature + parse outer XML + verify msg_signature + decrypt + parse inner XML + build reply + encrypt/sign reply",
        "ours = src/wechat (WebCrypto + fast-xml-parser); peer = wechat-crypto 0.0.2 (node:crypto) + xml2js 0.6 + template reply",
        "ratio < 1 means ours is faster; for the in-flight row the ratio is peer ops/s / ours ops/s (also < 1 = ours ahead)",
        ...workerdNotes,
        `sanity: ${r.sanity}`,
      ],
    },
    {
      title: "1b. Where the time goes (median per stage, averaged over the mix)",
      header: ["stage", "ours", "peer", "ours/peer"],
      rows: r.stages.map((s) => [s.name, formatNs(s.oursNs), formatNs(s.peerNs), formatRatio(s.ratio)]),
      notes: ["stages timed alone; their sum can differ from the full path (promise hops, cache effects)"],
    },
  ];
}
