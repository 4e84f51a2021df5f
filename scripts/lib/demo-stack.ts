/**
 * The demo's moving parts on 127.0.0.1: the Dify stand-in and the WeChat API stand-in from test/support, and
 * `wrangler dev` running the worker against them with made-up credentials for two accounts: the default one at /wechat
 * (the stand-in's chatflow app) and "shop" at /wechat/shop (its own identity and its own app). Everything has a deadline, and stop()
 * ends exactly the processes started here (wrangler by its own PID, then its process group if it lingers).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { accountSecretName } from "../../src/accounts";
import { startMockDify, type MockServer } from "../../test/support/mock-dify";
import { startMockWechatApi } from "../../test/support/mock-wechat-api";
import { DEMO_STATE_DIR, PROJECT_ROOT } from "./paths";

/** Made-up credentials for the demo (public test values, not secrets of any real account). */
export const DEMO_ACCOUNT = {
  token: "demo-token",
  /** wechatpy's published test key. */
  encodingAesKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
  appId: "wx0123456789abcdef",
  appSecret: "demo-app-secret",
  /** The Dify stand-in's chatflow app (test/support/dify/apps.ts). */
  difyApiKey: "app-test-key",
} as const;

/**
 * The demo's second account, served at /wechat/shop (ACCOUNTS, issue 10): a WeChat identity of its own (token,
 * EncodingAESKey, AppID, app secret) and its own Dify app, the stand-in's plain chat app "Shop Assistant". Made-up
 * values, like the default account's.
 */
export const DEMO_SHOP = {
  name: "shop",
  token: "demo-shop-token",
  encodingAesKey: "JCSKasQP0UfUHuJGHcVNV/Ex3SkAH5URNwZuDRMI/sE",
  appId: "wx00000000000005a0",
  appSecret: "demo-shop-app-secret",
  difyApiKey: "app-shop-key",
  /** Its own non-secret setting, to show an account overriding a top-level one. */
  language: "en_US",
} as const;

/** Options of {@link startDemoStack}. */
export interface DemoStackOptions {
  /** ENABLE_CUSTOM_MESSAGE: push late answers with the CS API instead of waiting for "1". */
  cs: boolean;
  /** wrangler dev's port. */
  port: number;
  /** Echo wrangler's output (the worker's logs) to stderr as well as the log file. */
  showLogs: boolean;
  /** Progress lines. */
  say: (line: string) => void;
}

/** A running demo. */
export interface DemoStack {
  /** The worker's base URL. */
  workerUrl: string;
  /** Where WeChat would POST for the default account: `${workerUrl}/wechat`. */
  callbackUrl: string;
  /** The second account's: `${workerUrl}/wechat/shop`. */
  shopCallbackUrl: string;
  difyUrl: string;
  wechatApiUrl: string;
  /** wrangler's output, including the worker's JSON log lines. */
  logFile: string;
  /** wrangler's PID. */
  pid: number;
  /** Resolves if wrangler exits on its own (a crash). */
  exited: Promise<number | null>;
  /** Stops wrangler and the stand-ins; safe to call twice. */
  stop(): Promise<void>;
}

const READY_DEADLINE_MS = 90_000;
const STOP_GRACE_MS = 5000;

/** Starts the stand-ins and the worker and resolves once the worker answers. */
export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  await assertPortFree(options.port);
  mkdirSync(DEMO_STATE_DIR, { recursive: true });
  const wrangler = resolve(PROJECT_ROOT, "node_modules", ".bin", process.platform === "win32" ? "wrangler.cmd" : "wrangler");
  if (!existsSync(wrangler)) throw new Error("node_modules/.bin/wrangler is missing: run `npm install` first");

  const started: MockServer[] = [];
  let child: ChildProcess | undefined;
  const stopStandIns = () => Promise.all(started.map((s) => s.close().catch(() => undefined))).then(() => undefined);
  try {
    const dify = await startMockDify();
    started.push(dify);
    const wechatApi = await startMockWechatApi();
    started.push(wechatApi);
    options.say(`Dify stand-in        ${dify.url}`);
    options.say(`WeChat API stand-in  ${wechatApi.url}`);

    const workerUrl = `http://127.0.0.1:${options.port}`;
    const logFile = resolve(DEMO_STATE_DIR, "wrangler.log");
    // An env file of our own keeps a developer's .dev.vars (real keys, another LANGUAGE...) out of the demo.
    const envFile = resolve(DEMO_STATE_DIR, "demo.env");
    const shopSecret = (setting: string) => accountSecretName(DEMO_SHOP.name, setting);
    const secrets: Record<string, string> = {
      WECHAT_TOKEN: DEMO_ACCOUNT.token,
      DIFY_API_KEY: DEMO_ACCOUNT.difyApiKey,
      // The second account's secrets, named as `wrangler secret put SHOP_WECHAT_TOKEN` would name them.
      [shopSecret("WECHAT_TOKEN")]: DEMO_SHOP.token,
      [shopSecret("WECHAT_ENCODING_AES_KEY")]: DEMO_SHOP.encodingAesKey,
      [shopSecret("WECHAT_APP_SECRET")]: DEMO_SHOP.appSecret,
      [shopSecret("DIFY_API_KEY")]: DEMO_SHOP.difyApiKey,
    };
    writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""));
    const vars: Record<string, string> = {
      DIFY_API_BASE: dify.url,
      DIFY_API_KEY: DEMO_ACCOUNT.difyApiKey,
      DIFY_APP_TYPE: "chat",
      WECHAT_API_BASE: wechatApi.url,
      WECHAT_APP_ID: DEMO_ACCOUNT.appId,
      WECHAT_TOKEN: DEMO_ACCOUNT.token,
      WECHAT_ENCODING_AES_KEY: DEMO_ACCOUNT.encodingAesKey,
      WECHAT_APP_SECRET: DEMO_ACCOUNT.appSecret,
      ENABLE_CUSTOM_MESSAGE: options.cs ? "true" : "false",
      // The shop's own settings; the rest (Dify base, app type, delivery mode) fall back to the values above.
      ACCOUNTS: JSON.stringify({ [DEMO_SHOP.name]: { WECHAT_APP_ID: DEMO_SHOP.appId, LANGUAGE: DEMO_SHOP.language } }),
      // Secrets as --var too, like the default account's above: wrangler dev reads --var whatever wrangler.toml declares.
      ...secrets,
    };
    const args = [
      "dev", "--ip", "127.0.0.1", "--port", String(options.port), "--persist-to", DEMO_STATE_DIR,
      "--env-file", envFile, "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ];
    const log = createWriteStream(logFile, { flags: "w" });
    child = spawn(wrangler, args, {
      cwd: PROJECT_ROOT,
      // Its own process group: a terminal's Ctrl-C reaches only us, and we stop wrangler in order.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_HIDE_BANNER: "true",
        WRANGLER_LOG_PATH: resolve(DEMO_STATE_DIR, "wrangler-logs"),
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
    });
    const proc = child;
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        if (options.showLogs) process.stderr.write(chunk);
      });
    }
    const exited = new Promise<number | null>((resolveExit) => proc.once("exit", (code) => resolveExit(code)));
    const pid = proc.pid;
    if (pid === undefined) throw new Error("wrangler did not start");
    options.say(`wrangler dev         pid ${pid}, log in ${relative(logFile)}`);

    const ready = await Promise.race([
      waitUntilAnswering(workerUrl, READY_DEADLINE_MS),
      exited.then((code) => `wrangler exited with code ${String(code)} before the worker answered`),
    ]);
    if (ready !== true) throw new Error(`${ready}\n--- last lines of ${relative(logFile)} ---\n${tail(logFile, 25)}`);

    let stopping: Promise<void> | undefined;
    return {
      workerUrl,
      callbackUrl: `${workerUrl}/wechat`,
      shopCallbackUrl: `${workerUrl}/wechat/${DEMO_SHOP.name}`,
      difyUrl: dify.url,
      wechatApiUrl: wechatApi.url,
      logFile,
      pid,
      exited,
      stop: () => {
        stopping ??= (async () => {
          await stopWrangler(proc, exited);
          await stopStandIns();
          log.end();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (child !== undefined) await stopWrangler(child, new Promise((r) => child?.once("exit", () => r(null))));
    await stopStandIns();
    throw error;
  }
}

/** SIGTERM to wrangler's own PID (it stops workerd itself); the whole group only if it is still there after the grace. */
async function stopWrangler(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill("SIGTERM");
  const gone = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (gone) return;
  try {
    process.kill(-child.pid, "SIGKILL"); // the group we created: wrangler and the workerd it spawned
  } catch {
    // already gone
  }
  await Promise.race([exited, sleep(1000)]);
}

/** Polls GET / until the worker answers with its own greeting. */
async function waitUntilAnswering(workerUrl: string, deadlineMs: number): Promise<true | string> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(`${workerUrl}/`, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (response.ok && body.startsWith("dify-wechat-worker")) return true;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  return `the worker did not answer on ${workerUrl} within ${deadlineMs / 1000} s`;
}

/** Fails early and clearly when another process (often an earlier `wrangler dev`) holds the port. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolveFree, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(new Error(error.code === "EADDRINUSE"
        ? `port ${port} on 127.0.0.1 is taken (another wrangler dev?): stop it or pass --port`
        : `cannot listen on 127.0.0.1:${port}: ${error.message}`));
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolveFree()));
  });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function relative(path: string): string {
  return path.startsWith(`${PROJECT_ROOT}/`) ? path.slice(PROJECT_ROOT.length + 1) : path;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
