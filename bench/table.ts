/** Renders rows as a plain-text table with aligned columns, for terminals and for pasting into reports. */

/** One table: a title, a header row and body rows (all cells already formatted as text). */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** Lines printed under the table (context, caveats). */
  notes?: string[];
}

const isNumeric = (cell: string): boolean => /^[-+~]?[\d.,]+(\s?[a-zA-Zµ/%×]+)?$/.test(cell.trim());

/** Formats a table; numeric-looking cells are right-aligned, text is left-aligned. */
export function renderTable(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(width(h), ...table.rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - width(cell)));
        return i > 0 && isNumeric(cell) ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [`== ${table.title}`, line(table.header), rule, ...table.rows.map(line)];
  for (const note of table.notes ?? []) out.push(`   ${note}`);
  return out.join("\n");
}

/** Display width: CJK characters take two columns in a terminal. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

/** "12.3 µs" / "1.23 ms" from nanoseconds. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/** "3.4 ms" / "1.20 s" from milliseconds. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A whole number with thousands separators. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
}

/** "123.4 KiB" from bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** "0.62×" ratio. */
export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : "n/a";
}
