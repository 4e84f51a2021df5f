/**
 * What a running `npm run demo` tells later `npm run simulate` runs: each account's URL and made-up credentials, so
 * `npm run simulate -- "你好"` or `-- --account shop "你好"` needs no flags while the demo runs.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_ACCOUNT, accountUrl } from "./account-names";
import { DEMO_STATE_DIR } from "./paths";

const HANDOFF_FILE = resolve(DEMO_STATE_DIR, "simulate.json");

/** One account's WeChat identity as the demo configured it (dummy values, never real secrets). */
export interface DemoAccount {
  token: string;
  encodingAesKey: string;
  appId: string;
}

/** The hand-off file's content. */
export interface DemoHandoff extends DemoAccount {
  /** The default account's callback URL (`…/wechat`); a named account's is `…/wechat/<name>`. */
  url: string;
  /** The named accounts, by name. */
  accounts?: Record<string, DemoAccount>;
  wechatApi: string;
  /** Whether the demo runs in customer-service mode (pushes worth waiting for). */
  cs: boolean;
  pid: number;
}

/** The settings of the demo account a target URL belongs to. */
export interface DemoTarget extends DemoAccount {
  wechatApi: string;
  cs: boolean;
}

/** Records the running demo's settings. */
export function writeDemoHandoff(handoff: DemoHandoff): void {
  writeFileSync(HANDOFF_FILE, `${JSON.stringify(handoff, null, 2)}\n`);
}

/** Removes the hand-off file when the demo stops. */
export function removeDemoHandoff(): void {
  rmSync(HANDOFF_FILE, { force: true });
}

/** The running demo's settings for `account`, if a demo is alive and `target` is that account's URL. */
export function readDemoHandoff(target: string, account: string): DemoTarget | undefined {
  if (!existsSync(HANDOFF_FILE)) return undefined;
  try {
    const handoff = JSON.parse(readFileSync(HANDOFF_FILE, "utf8")) as DemoHandoff;
    process.kill(handoff.pid, 0); // throws when the demo is gone
    const own = account === DEFAULT_ACCOUNT ? handoff : handoff.accounts?.[account];
    if (own === undefined || !sameEndpoint(accountUrl(handoff.url, account), target)) return undefined;
    return { token: own.token, encodingAesKey: own.encodingAesKey, appId: own.appId, wechatApi: handoff.wechatApi, cs: handoff.cs };
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
