/**
 * Where the worker's own log lines go during `npm test`: test-results/worker-log.ndjson, not the terminal.
 *
 * Why: vitest intercepts `console` in the test runtime and relays each call over RPC. A line logged from another
 * I/O context (a Durable Object's alarm or background answer, which is where this worker logs most) after a test
 * file's last task update is parked until the runner's *next* message — and vitest waits for that line before it
 * posts the file's end, so the run stalls for good (cloudflare/workers-sdk#15498, #15719; fix in review as #15565).
 * With `disableConsoleIntercept` the runtime's console goes straight to workerd's structured logs, which the pool
 * writes to this process's stdout/stderr; this module moves the worker's JSON lines (`{"level":…`) from there into
 * the file, so the terminal keeps vitest's report and a failing test's log is still there to read.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** The file the worker's log lines are appended to. */
export const WORKER_LOG_FILE = resolve("test-results/worker-log.ndjson");

let installed = false;

/** Diverts the worker's JSON log lines from stdout and stderr into {@link WORKER_LOG_FILE} (once per process). */
export function divertWorkerLogs(): void {
  if (installed) return;
  installed = true;
  mkdirSync(dirname(WORKER_LOG_FILE), { recursive: true });
  writeFileSync(WORKER_LOG_FILE, "");
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
      const text = typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : undefined;
      if (text !== undefined && text.startsWith('{"level":"')) {
        appendFileSync(WORKER_LOG_FILE, text.endsWith("\n") ? text : `${text}\n`);
        const callback = rest.find((arg): arg is () => void => typeof arg === "function");
        callback?.();
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
