/** Each variant's runs summed up: median and range of the timings, and whether every run got the answer whole. */
import { median } from "../stats.js";
import type { DeliveryMode, TtfcAccount } from "./accounts.js";
import type { RunFigures } from "./measure.js";

/** Median, smallest and largest of one figure over a variant's runs (NaN when a run had none). */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One variant over its runs (JSON-ready). */
export interface VariantSummary {
  account: string;
  mode: DeliveryMode;
  streamingFirst: boolean;
  runs: number;
  firstContentS: Spread;
  allContentS: Spread;
  onesSent: Spread;
  /** Runs whose answer came whole, in order, once. */
  wholeRuns: number;
  lostChars: number;
  extraChars: number;
  partsOutOfOrder: number;
  unanswered: number;
  refused: number;
  unexpected: number;
  /** Dify calls beyond one per run. */
  extraDifyCalls: number;
}

function spread(values: number[]): Spread {
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const sum = (runs: RunFigures[], pick: (r: RunFigures) => number): number => runs.reduce((n, r) => n + pick(r), 0);

/** Sums up one variant's runs. */
export function summarise(account: TtfcAccount, runs: RunFigures[]): VariantSummary {
  return {
    account: account.name,
    mode: account.mode,
    streamingFirst: account.streamingFirst,
    runs: runs.length,
    firstContentS: spread(runs.map((r) => r.firstContentS)),
    allContentS: spread(runs.map((r) => r.allContentS)),
    onesSent: spread(runs.map((r) => r.onesSent)),
    wholeRuns: runs.filter((r) => r.whole).length,
    lostChars: sum(runs, (r) => r.lostChars),
    extraChars: sum(runs, (r) => r.extraChars),
    partsOutOfOrder: sum(runs, (r) => r.partsOutOfOrder),
    unanswered: sum(runs, (r) => r.unanswered),
    refused: sum(runs, (r) => r.refused),
    unexpected: sum(runs, (r) => r.unexpected.length),
    extraDifyCalls: sum(runs, (r) => Math.max(0, r.difyCalls - 1)),
  };
}
