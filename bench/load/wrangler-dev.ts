/**
 * Starts `wrangler dev` as a child process on 127.0.0.1, waits until it answers, and makes sure it is stopped: by
 * `stop()`, and on any exit of this process (normal end, an uncaught error, Ctrl-C), so no workerd is left behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** A running `wrangler dev`. */
export interface WranglerDev {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** The last lines wrangler printed (for error reports). */
  output(): string;
  /** SIGTERM to wrangler's PID; SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** What to start. */
export interface WranglerDevOptions {
  /** Arguments after `wrangler dev` (config, vars, persistence); --ip/--port/--inspector-port are added here. */
  args: string[];
  cwd: string;
  /** Path polled until it answers (any status below 500). Default "/". */
  readyPath?: string;
  /** How long to wait for the first answer. Default 60 s. */
  startTimeoutMs?: number;
}

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER_JS = `${PROJECT_ROOT}node_modules/wrangler/bin/wrangler.js`;
/** Environment that keeps wrangler from reaching out (metrics, update check, Cloudflare lookups). */
export const OFFLINE_ENV = {
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
} as const;

const live = new Set<ChildProcess>();
let handlersInstalled = false;

/** Kills every child still running; synchronous so it works inside an "exit" handler. */
function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts wrangler dev and resolves once it answers on `readyPath`. Throws (after stopping it) if it does not. */
export async function startWranglerDev(o: WranglerDevOptions): Promise<WranglerDev> {
  installExitHandlers();
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [WRANGLER_JS, "dev", ...o.args, "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  const child = spawn(process.execPath, args, {
    cwd: o.cwd,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => live.delete(child));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) child.kill("SIGKILL");
    }
    live.delete(child);
  };
  const dev: WranglerDev = { url, pid: child.pid ?? -1, output: () => tail, stop };

  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}${o.readyPath ?? "/"}`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return dev;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url}; its last output:\n${tail}`);
}
