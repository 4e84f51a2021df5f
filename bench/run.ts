/**
 * `npm run bench [-- --only protocol|load|bundle|cpu|rows|ttfc]`: prints each figure beside its peer as a table and writes them as
 * JSON to bench/results/latest.json. Figures only: nothing here asserts a timing.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { bundleTables, runBundle } from "./bundle/bench.js";
import { cpuTables, runCpu } from "./cpu/bench.js";
import { loadTables, runLoad } from "./load/bench.js";
import { protocolTables, runProtocol } from "./protocol/bench.js";
import { rowsTables, runRows } from "./rows/bench.js";
import { renderTable, type Table } from "./table.js";
import { runTtfc, ttfcTables } from "./ttfc/bench.js";

const SECTIONS = ["protocol", "load", "bundle", "cpu", "rows", "ttfc"] as const;
type Section = (typeof SECTIONS)[number];

const RESULTS = fileURLToPath(new URL("./results/latest.json", import.meta.url));

function chosenSections(argv: string[]): Section[] {
  const i = argv.indexOf("--only");
  if (i < 0) return [...SECTIONS];
  const wanted = (argv[i + 1] ?? "").split(",").filter((s) => s !== "");
  const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (wanted.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run bench -- [--only ${SECTIONS.join("|")}]`);
    process.exit(2);
  }
  return wanted as Section[];
}

async function previousResults(): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(RESULTS, "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const sections = chosenSections(process.argv.slice(2));
  const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", loadavg: loadavg() };
  console.log(`bench: ${sections.join(", ")} on Node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ` +
    `load average ${machine.loadavg.map((l) => l.toFixed(2)).join(" ")}\n`);

  // Sections not run this time keep their last figures, each stamped with when it was measured.
  const results = await previousResults();
  results["machine"] = machine;
  const runners: Record<Section, () => Promise<{ tables: Table[]; json: unknown }>> = {
    protocol: async () => {
      const r = await runProtocol();
      return { tables: protocolTables(r), json: r };
    },
    load: async () => {
      const r = await runLoad();
      return { tables: loadTables(r), json: r };
    },
    bundle: async () => {
      const r = await runBundle();
      return { tables: bundleTables(r), json: r };
    },
    cpu: async () => {
      const r = await runCpu();
      return { tables: cpuTables(r), json: r };
    },
    rows: async () => {
      const r = await runRows();
      return { tables: rowsTables(r), json: r };
    },
    ttfc: async () => {
      const r = await runTtfc();
      return { tables: ttfcTables(r), json: r };
    },
  };
  for (const section of sections) {
    const started = Date.now();
    const { tables, json } = await runners[section]();
    for (const table of tables) console.log(`${renderTable(table)}\n`);
    results[section] = { measuredAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000, ...(json as object) };
  }
  await mkdir(fileURLToPath(new URL("./results/", import.meta.url)), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`figures written to ${RESULTS}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
