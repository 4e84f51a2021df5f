/**
 * Where the simulator's account settings come from, highest first: command-line flags; the running demo's hand-off
 * file (only when the target is the demo's URL for that account); the environment; .dev.vars; wrangler.toml's [vars].
 * A named account (`--account shop`) is looked up under its own names (`SHOP_WECHAT_TOKEN`, ACCOUNTS.shop's
 * WECHAT_APP_ID) and, as in the worker, never borrows the default account's WeChat identity.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_ACCOUNT, accountUrl, accountsSetting, checkAccountName, settingName } from "./account-names";
import type { AccountSettings, CallbackMode } from "./callback";
import { readDemoHandoff, type DemoTarget } from "./demo-handoff";
import { PROJECT_ROOT } from "./paths";

export { DEMO_STATE_DIR, PROJECT_ROOT } from "./paths";
export { readDemoHandoff, removeDemoHandoff, writeDemoHandoff, type DemoHandoff } from "./demo-handoff";

/** The worker URL the simulator talks to unless told otherwise (`wrangler dev`'s default address). */
export const DEFAULT_TARGET = "http://127.0.0.1:8787/wechat";
/** A stable follower, so conversations continue across runs. */
export const DEFAULT_OPENID = "o-simulator-follower-0001";
/** ToUserName when none is given. */
export const DEFAULT_GH_ID = "gh_simulated_account";

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

/**
 * A `NAME = "value"` (or TOML's literal `NAME = '…'`, the form ACCOUNTS is documented in) from wrangler.toml's
 * [vars] table. No TOML parser: that section is flat; ACCOUNTS written as a TOML table is not read.
 */
function wranglerVar(name: string): string | undefined {
  const path = resolve(PROJECT_ROOT, "wrangler.toml");
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, "utf8");
  const section = /^\[vars\]\s*$([\s\S]*?)(?=^\[)/m.exec(text)?.[1] ?? "";
  const match = new RegExp(`^\\s*${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "m").exec(section);
  const value = match?.[1] ?? match?.[2];
  return value === "" ? undefined : value;
}

/** Flags that override every other source. */
export interface SettingFlags {
  url?: string;
  token?: string;
  mode?: string;
  aesKey?: string;
  appId?: string;
  /** The account's name in ACCOUNTS (`shop`); none or "default" for the top-level account. */
  account?: string;
  /** The account's gh_ id (ToUserName). */
  ghId?: string;
  openid?: string;
  wechatApi?: string;
}

/** Where values are looked up after the flags; {@link defaultSources} reads this machine's, the self-test its own. */
export interface SettingSources {
  env: (name: string) => string | undefined;
  devVars: (name: string) => string | undefined;
  wranglerToml: (name: string) => string | undefined;
  demo: (target: string, account: string) => DemoTarget | undefined;
}

/** The process environment, the project's .dev.vars and wrangler.toml, and the running demo's hand-off. */
export function defaultSources(): SettingSources {
  const devVars = readDotVars(resolve(PROJECT_ROOT, ".dev.vars"));
  return {
    env: (name) => process.env[name],
    devVars: (name) => devVars[name],
    wranglerToml: wranglerVar,
    demo: readDemoHandoff,
  };
}

/** Everything the simulator needs, with where each came from (for the header line, secrets not shown). */
export interface SimulatorSettings extends AccountSettings {
  target: string;
  /** "default", or the account's name in ACCOUNTS. */
  accountName: string;
  openid: string;
  wechatApi?: string;
  /** True when the target is the running demo in customer-service mode (pushes are worth waiting for). */
  demoPushes?: boolean;
  /** e.g. "token from .dev.vars (WECHAT_TOKEN)". */
  origins: string[];
}

/** Merges the sources. Throws a readable Error when no token is found or the mode is impossible. */
export function resolveSettings(flags: SettingFlags, sources: SettingSources = defaultSources()): SimulatorSettings {
  const accountName = checkAccountName(flags.account);
  const named = accountName !== DEFAULT_ACCOUNT;
  const base = flags.url ?? DEFAULT_TARGET;
  const target = flags.account === undefined ? base : accountUrl(base, accountName);
  const demo = sources.demo(target, accountName);
  const origins: string[] = [];
  /** `read` looks the value up in one source (by name, or inside ACCOUNTS); `shown` says where in the origins line. */
  const pick = (label: string, flag: string | undefined, demoValue: string | undefined, read: (get: (name: string) => string | undefined) => string | undefined, shown: string): string | undefined => {
    const candidates: Array<[string, string | undefined]> = [
      ["flag", flag],
      ["the running demo", demoValue],
      [`environment (${shown})`, read(sources.env)],
      [`.dev.vars (${shown})`, read(sources.devVars)],
      [`wrangler.toml (${shown})`, read(sources.wranglerToml)],
    ];
    for (const [source, value] of candidates) {
      if (value !== undefined && value.trim() !== "") {
        origins.push(`${label} from ${source}`);
        return value.trim();
      }
    }
    return undefined;
  };
  const byName = (setting: string) => {
    const name = settingName(accountName, setting);
    return [(get: (n: string) => string | undefined) => get(name), name] as const;
  };

  const tokenName = settingName(accountName, "WECHAT_TOKEN");
  const token = pick("token", flags.token, demo?.token, ...byName("WECHAT_TOKEN"));
  if (token === undefined) {
    throw new Error(`no WeChat token${named ? ` for account ${accountName}` : ""}: pass --token, set ${tokenName}, put it in .dev.vars, or start \`npm run demo\` first`);
  }
  const aesKeyName = settingName(accountName, "WECHAT_ENCODING_AES_KEY");
  const encodingAesKey = pick("EncodingAESKey", flags.aesKey, demo?.encodingAesKey, ...byName("WECHAT_ENCODING_AES_KEY"));
  const appIdName = named ? `ACCOUNTS.${accountName}.WECHAT_APP_ID` : "WECHAT_APP_ID";
  const appId = (named
    ? pick("AppID", flags.appId, demo?.appId, (get) => accountsSetting(get("ACCOUNTS"), accountName, "WECHAT_APP_ID"), appIdName)
    : pick("AppID", flags.appId, demo?.appId, ...byName("WECHAT_APP_ID"))) ?? "";
  const mode = parseMode(flags.mode ?? (encodingAesKey === undefined ? "plain" : "safe"));
  if (mode !== "plain" && encodingAesKey === undefined) {
    throw new Error(`--mode ${mode} needs the EncodingAESKey: pass --aes-key or set ${aesKeyName}`);
  }
  if (mode !== "plain" && appId === "") throw new Error(`--mode ${mode} needs the AppID: pass --app-id or set ${appIdName}`);
  const wechatApi = flags.wechatApi ?? demo?.wechatApi;
  return {
    target,
    accountName,
    token,
    mode,
    encodingAesKey,
    appId,
    ghId: flags.ghId ?? DEFAULT_GH_ID,
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
