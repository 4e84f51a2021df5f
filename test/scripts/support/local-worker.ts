/**
 * The worker itself on 127.0.0.1 for the scripts' tests, through wrangler's `unstable_startWorker` (workerd, as
 * `wrangler dev` runs it; about a second to start). Its wrangler.toml is a copy in a directory of its own, so no
 * .dev.vars of the developer's is read and no state is kept; the settings are the test's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unstable_startWorker } from "wrangler";
import { ROOT } from "./run-script";

/** A running worker: its origin and a way to stop it. */
export interface LocalWorker {
  url: string;
  stop(): Promise<void>;
}

/** Starts the worker with `vars` (secrets included, as plain bindings). */
export async function startLocalWorker(vars: Record<string, string>): Promise<LocalWorker> {
  const dir = mkdtempSync(join(tmpdir(), "owner-scripts-worker-"));
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(resolve(ROOT, "src", "index.ts"))}`);
  writeFileSync(join(dir, "wrangler.toml"), toml);
  const worker = await unstable_startWorker({
    config: join(dir, "wrangler.toml"),
    bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: "plain_text", value }])),
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, watch: false, persist: false, logLevel: "none" },
  });
  const url = (await worker.url).origin;
  return {
    url,
    stop: async () => {
      await worker.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
