/**
 * Where the simulator's account settings come from, highest first: command-line flags; the running demo's hand-off
 * file (only when the target is the demo's URL); the environment; .dev.vars; wrangler.toml's [vars].
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { AccountSettings, CallbackMode } from "./callback";

/** The project root (scripts/lib/../..). */
export const PROJECT_ROOT = resolve(import.meta.dirname, "..", "..");
/** Where the demo keeps the worker's local state. */
export const DEMO_STATE_DIR = resolve(PROJECT_ROOT, ".wrangler", "demo-state");
const HANDOFF_FILE = resolve(DEMO_STATE_DIR, "simulate.json");

/** The worker URL the simulator talks to unless told otherwise (`wrangler dev`'s default address). */
export const DEFAULT_TARGET = "http://127.0.0.1:8787/wechat";
/** A stable follower, so conversations continue across runs. */
export const DEFAULT_OPENID = "o-simulator-follower-0001";
/** ToUserName when none is given. */
export const DEFAULT_ACCOUNT = "gh_simulated_account";

/** What the demo tells later `npm run simulate` runs about the worker it started. */
export interface DemoHandoff {
  url: string;
  token: string;
  encodingAesKey: string;
  appId: string;
  wechatApi: string;
  /** Whether the demo runs in customer-service mode (pushes worth waiting for). */
  cs: boolean;
  pid: number;
}

/** Records the running demo's settings (dummy values made up for the demo, never real secrets). */
export function writeDemoHandoff(handoff: DemoHandoff): void {
  writeFileSync(HANDOFF_FILE, `${JSON.stringify(handoff, null, 2)}\n`);
}

/** Removes the hand-off file when the demo stops. */
export function removeDemoHandoff(): void {
  rmSync(HANDOFF_FILE, { force: true });
}

/** The running demo's settings, if a demo is alive and serving `target`. */
export function readDemoHandoff(target: string): DemoHandoff | undefined {
  if (!existsSync(HANDOFF_FILE)) return undefined;
  try {
    const handoff = JSON.parse(readFileSync(HANDOFF_FILE, "utf8")) as DemoHandoff;
    process.kill(handoff.pid, 0); // throws when the demo is gone
    return sameEndpoint(handoff.url, target) ? handoff : undefined;
  } catch {
    return undefined;
  }
}

function sameEndpoint(a: string, b: string): boolean {
  const norm = (u: string) => {
    const url = new URL(u);
    const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname;
    return `${url.protocol}//${host}:${url.port}${url.pathname.replace(/\/+$/, "")}`;
  };
  try {
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}

/** Reads KEY=VALUE lines (dotenv style: comments, optional quotes, `export`). Missing file: {}. */
export function readDotVars(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    let value = match[2] ?? "";
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out[match[1] ?? ""] = value;
  }
  return out;
}

/** A `NAME = "value"` from wrangler.toml's [vars] table (no TOML parser: that section is flat). */
function wranglerVar(name: string): string | undefined {
  const path = resolve(PROJECT_ROOT, "wrangler.toml");
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[)/m.exec(text)?.[1] ?? "";
  const match = new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(section);
  return match?.[1] === "" ? undefined : match?.[1];
}

/** Flags that override every other source. */
export interface SettingFlags {
  url?: string;
  token?: string;
  mode?: string;
  aesKey?: string;
  appId?: string;
  account?: string;
  openid?: string;
  wechatApi?: string;
}

/** Everything the simulator needs, with where each came from (for the header line, secrets not shown). */
export interface SimulatorSettings extends AccountSettings {
  target: string;
  openid: string;
  wechatApi?: string;
  /** True when the target is the running demo in customer-service mode (pushes are worth waiting for). */
  demoPushes?: boolean;
  /** e.g. "token from .dev.vars". */
  origins: string[];
}

/** Merges the sources. Throws a readable Error when no token is found or the mode is impossible. */
export function resolveSettings(flags: SettingFlags): SimulatorSettings {
  const target = flags.url ?? DEFAULT_TARGET;
  const demo = readDemoHandoff(target);
  const devVars = readDotVars(resolve(PROJECT_ROOT, ".dev.vars"));
  const origins: string[] = [];
  const pick = (label: string, flag: string | undefined, demoValue: string | undefined, name: string): string | undefined => {
    const candidates: Array<[string, string | undefined]> = [
      ["flag", flag],
      ["the running demo", demoValue],
      ["environment", process.env[name]],
      [".dev.vars", devVars[name]],
      ["wrangler.toml", wranglerVar(name)],
    ];
    for (const [source, value] of candidates) {
      if (value !== undefined && value.trim() !== "") {
        origins.push(`${label} from ${source}`);
        return value.trim();
      }
    }
    return undefined;
  };

  const token = pick("token", flags.token, demo?.token, "WECHAT_TOKEN");
  if (token === undefined) {
    throw new Error("no WeChat token: pass --token, set WECHAT_TOKEN, put it in .dev.vars, or start `npm run demo` first");
  }
  const encodingAesKey = pick("EncodingAESKey", flags.aesKey, demo?.encodingAesKey, "WECHAT_ENCODING_AES_KEY");
  const appId = pick("AppID", flags.appId, demo?.appId, "WECHAT_APP_ID") ?? "";
  const mode = parseMode(flags.mode ?? (encodingAesKey === undefined ? "plain" : "safe"));
  if (mode !== "plain" && encodingAesKey === undefined) {
    throw new Error(`--mode ${mode} needs the EncodingAESKey: pass --aes-key or set WECHAT_ENCODING_AES_KEY`);
  }
  if (mode !== "plain" && appId === "") throw new Error(`--mode ${mode} needs the AppID: pass --app-id or set WECHAT_APP_ID`);
  const wechatApi = flags.wechatApi ?? demo?.wechatApi;
  return {
    target,
    token,
    mode,
    encodingAesKey,
    appId,
    account: flags.account ?? DEFAULT_ACCOUNT,
    openid: flags.openid ?? DEFAULT_OPENID,
    ...(wechatApi === undefined ? {} : { wechatApi }),
    ...(demo === undefined ? {} : { demoPushes: demo.cs }),
    origins,
  };
}

function parseMode(value: string): CallbackMode {
  if (value === "plain" || value === "compat" || value === "safe") return value;
  throw new Error(`--mode must be plain, compat or safe (got ${JSON.stringify(value)})`);
}
