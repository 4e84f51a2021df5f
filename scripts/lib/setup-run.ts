/**
 * Performs (or, for --dry-run, prints) the steps of ./setup-plan.ts in the project directory. Commands inherit
 * the terminal except their stdin, which carries a secret when the step has one; `wrangler deploy`'s output is read
 * for the workers.dev URL as well as shown.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { SetupStep } from "./setup-plan";

/** What running the steps needs. */
export interface RunOptions {
  dir: string;
  dryRun: boolean;
  say: (line: string) => void;
  /** The doctor step: resolves its exit code. */
  doctor: (workerUrl: string) => Promise<number>;
  /** Shown for the worker's URL in a dry run, or when deploy printed none. */
  workerUrl?: string;
}

/** Runs one command; resolves its exit code and, when asked, what it printed. */
function run(step: Extract<SetupStep, { kind: "run" }>, dir: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(step.argv[0] ?? "", step.argv.slice(1), {
      cwd: dir,
      stdio: [step.stdin === undefined ? "inherit" : "pipe", step.captureUrl ? "pipe" : "inherit", "inherit"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stdout.write(chunk);
    });
    if (step.stdin !== undefined) child.stdin?.end(step.stdin);
    child.on("error", (error) => done({ code: 127, output: error.message }));
    child.on("close", (code) => done({ code: code ?? 1, output }));
  });
}

/** Runs (or prints) every step; resolves the worker's URL, or undefined when a step failed (it says which). */
export async function runSteps(steps: readonly SetupStep[], o: RunOptions): Promise<string | undefined> {
  let workerUrl = o.workerUrl;
  for (const [i, step] of steps.entries()) {
    const n = `${i + 1}/${steps.length}`;
    if (step.kind === "write") {
      o.say(`[${n}] ${o.dryRun ? "would " : ""}${step.shown}`);
      if (!o.dryRun) writeFileSync(resolve(o.dir, step.path), step.content);
      continue;
    }
    if (step.kind === "doctor") {
      const url = `${workerUrl ?? "https://<your worker>"}/wechat`;
      o.say(`[${n}] ${o.dryRun ? "would run " : ""}npm run doctor -- --url ${url}`);
      if (o.dryRun) continue;
      if ((await o.doctor(workerUrl ?? "")) !== 0) o.say("The doctor found problems: fix them (see above), then run it again.");
      continue;
    }
    o.say(`[${n}] ${o.dryRun ? "would run " : "$ "}${step.shown}`);
    if (o.dryRun) continue;
    const { code, output } = await run(step, o.dir);
    if (code !== 0) {
      o.say(`setup: \`${step.argv.join(" ")}\` failed (exit ${code}); fix that and run \`npm run setup\` again.`);
      return undefined;
    }
    if (step.captureUrl) workerUrl = o.workerUrl ?? /https:\/\/[A-Za-z0-9.-]+\.workers\.dev/.exec(output)?.[0] ?? workerUrl;
  }
  return workerUrl ?? "https://<your worker>";
}
