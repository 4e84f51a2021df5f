/**
 * Figure 3: what the worker costs to ship. Bundles it with `wrangler deploy --dry-run` (offline) and gzips the result
 * with node:zlib; the peer is a minimal Hono hello-world bundled the same way, with this project's hono.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { OFFLINE_ENV } from "../load/wrangler-dev.js";
import { formatBytes, formatRatio, type Table } from "../table.js";

/** Raw and gzip size of one bundle. */
export interface BundleSize {
  rawBytes: number;
  gzipBytes: number;
}

/** What figure 3 measured (JSON-ready). */
export interface BundleResult {
  ours: BundleSize;
  peer: BundleSize;
  /** Bytes of our bundle by origin package (esbuild metafile), largest first. */
  oursByPackage: Array<{ name: string; bytes: number }>;
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER_JS = `${PROJECT_ROOT}node_modules/wrangler/bin/wrangler.js`;

const HELLO = `import { Hono } from "hono";
const app = new Hono();
app.get("/", (c) => c.text("Hello Hono!"));
export default app;
`;

/** Runs `wrangler deploy --dry-run --outdir` with a 2-minute bound; throws with its output on failure. */
function dryRun(cwd: string, outdir: string, extra: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_JS, "deploy", "--dry-run", "--outdir", outdir, ...extra], {
      cwd,
      env: { ...process.env, ...OFFLINE_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), 120_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`wrangler deploy --dry-run failed (${code}):\n${output.slice(-3000)}`));
    });
  });
}

/** Sums the sizes of every .js file wrangler wrote (the entry and any split chunks). */
async function measure(outdir: string): Promise<BundleSize> {
  const files = (await readdir(outdir)).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"));
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = await readFile(join(outdir, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { rawBytes, gzipBytes };
}

/** Groups the metafile's output inputs by npm package (or "src/" for our own code). */
async function byPackage(metafile: string): Promise<BundleResult["oursByPackage"]> {
  const meta = JSON.parse(await readFile(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const totals = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? (path.includes("src/") ? "src/ (this worker)" : "wrangler glue");
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Runs figure 3. */
export async function runBundle(): Promise<BundleResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-bundle-"));
  try {
    const oursOut = join(dir, "ours");
    const metafile = join(dir, "ours-meta.json");
    await dryRun(PROJECT_ROOT, oursOut, ["--metafile", metafile]);

    const hello = join(dir, "hello");
    const helloOut = join(dir, "hello-out");
    await dryRun(await makeHello(hello), helloOut, []);
    return { ours: await measure(oursOut), peer: await measure(helloOut), oursByPackage: await byPackage(metafile) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A Hono hello-world project in `dir` whose node_modules is this project's (a symlink), same compatibility settings. */
async function makeHello(dir: string): Promise<string> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(dir, "src"), { recursive: true });
  await writeFile(join(dir, "src", "index.ts"), HELLO);
  await writeFile(
    join(dir, "wrangler.toml"),
    ['name = "hono-hello"', 'main = "src/index.ts"', 'compatibility_date = "2026-08-01"', 'compatibility_flags = ["nodejs_compat"]', ""].join("\n"),
  );
  await symlink(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** Figure 3 as a table, with our bundle broken down by package. */
export function bundleTables(r: BundleResult): Table[] {
  const total = r.oursByPackage.reduce((sum, p) => sum + p.bytes, 0);
  return [
    {
      title: "3. Bundle size (wrangler deploy --dry-run, gzip -9 by node:zlib)",
      header: ["bundle", "raw", "gzip", "vs hello raw", "vs hello gzip"],
      rows: [
        ["ours: dify-wechat-worker", formatBytes(r.ours.rawBytes), formatBytes(r.ours.gzipBytes),
          formatRatio(r.ours.rawBytes / r.peer.rawBytes), formatRatio(r.ours.gzipBytes / r.peer.gzipBytes)],
        ["peer: minimal Hono hello-world", formatBytes(r.peer.rawBytes), formatBytes(r.peer.gzipBytes), "1.00×", "1.00×"],
      ],
      notes: [
        `our features cost ${formatBytes(r.ours.gzipBytes - r.peer.gzipBytes)} gzip over the hello-world; ` +
          "Workers' limit is 3 MiB gzip (free plan) / 10 MiB (paid)",
        `ours by package (bytes in the unminified bundle): ${r.oursByPackage
          .map((p) => `${p.name} ${formatBytes(p.bytes)} (${((100 * p.bytes) / total).toFixed(0)}%)`)
          .join(", ")}`,
      ],
    },
  ];
}
