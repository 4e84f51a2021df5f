/** Small statistics used by every section: order statistics over samples, never averages that hide outliers. */

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The median (50th percentile by nearest rank). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Nanoseconds on a monotonic clock, as a number (precise enough for spans under a few days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Milliseconds on a monotonic clock. */
export function nowMs(): number {
  return performance.now();
}
