/**
 * Runs one of the owner's scripts as `npm run <script>` would (tsx under this Node), with an environment of the
 * test's own: nothing from the developer's shell that the scripts read (WECHAT_*, DIFY_*, *_WECHAT_*) leaks in.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

/** The repository. */
export const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const TSX = resolve(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** What the script printed and how it ended. */
export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs scripts/<name>.ts with `args` and `env` (on top of a scrubbed copy of this process's), within `timeoutMs`. */
export function runScript(name: string, args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ScriptRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/(^|_)(WECHAT|DIFY|ALERT|ACCOUNTS|KEYWORD)/.test(k)),
  ) as Record<string, string>;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX, resolve(ROOT, "scripts", `${name}.ts`), ...args], {
      cwd: ROOT,
      env: { ...base, NO_COLOR: "1", ...env } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      fail(new Error(`${name} ${args.join(" ")}: no exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
