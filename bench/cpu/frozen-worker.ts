/**
 * The worker bundled once into a temporary directory, with a wrangler.toml pointing at the bundle. `wrangler dev`
 * rebuilds and restarts workerd whenever a source file changes; run from this copy, edits made to the project while
 * the figure runs cannot restart the Durable Objects under measurement.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OFFLINE_ENV } from "../load/wrangler-dev.js";

/** Bundles the worker of `projectRoot` into `dir`/dist and returns the path of a wrangler.toml that runs it. */
export async function freezeWorker(projectRoot: string, dir: string): Promise<string> {
  const outdir = join(dir, "dist");
  const wrangler = join(projectRoot, "node_modules/wrangler/bin/wrangler.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: projectRoot,
      env: { ...process.env, ...OFFLINE_ENV },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    child.stderr?.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString("utf8")).slice(-4000)));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler build failed:\n${errors}`))));
  });
  const project = await readFile(join(projectRoot, "wrangler.toml"), "utf8");
  const config = project.replace(/^main\s*=.*$/m, `main = ${JSON.stringify(join(outdir, "index.js"))}`);
  const path = join(dir, "wrangler.toml");
  await writeFile(path, config);
  return path;
}
