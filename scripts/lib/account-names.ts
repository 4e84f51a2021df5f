/**
 * One account of a several-account deployment (ACCOUNTS, issue 10), as the simulator sees it: where its callbacks go
 * (`/wechat/<name>`) and which names its settings have outside the worker (`SHOP_WECHAT_TOKEN`, and the AppID inside
 * ACCOUNTS). The names come from the worker's own src/accounts, so the simulator cannot drift from what it reads.
 */
import { ACCOUNT_NAME, DEFAULT_ACCOUNT, accountSecretName } from "../../src/accounts";

export { DEFAULT_ACCOUNT };

/** Checks an `--account` value; "default" (or none) is the top-level account at `/wechat`. */
export function checkAccountName(name: string | undefined): string {
  if (name === undefined || name === "" || name === DEFAULT_ACCOUNT) return DEFAULT_ACCOUNT;
  if (!ACCOUNT_NAME.test(name)) {
    throw new Error(`--account ${JSON.stringify(name)} is not an account name (a-z, 0-9 and -, 1 to 32 characters, as in ACCOUNTS)`);
  }
  return name;
}

/**
 * The callback URL of `account` on the deployment `base` points at. `base` may be the origin
 * (`https://bot.example.com`), the default account's URL (`…/wechat`) or another account's (`…/wechat/clinic`); the
 * result is `…/wechat/<account>`, or `…/wechat` for the default account.
 */
export function accountUrl(base: string, account: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  const wechat = /^(.*\/wechat)(?:\/[a-z0-9-]{1,32})?$/.exec(path)?.[1] ?? `${path}/wechat`;
  url.pathname = account === DEFAULT_ACCOUNT ? wechat : `${wechat}/${account}`;
  return url.toString();
}

/** The names an account's settings go by: `WECHAT_TOKEN` for the default account, `SHOP_WECHAT_TOKEN` for "shop". */
export function settingName(account: string, setting: string): string {
  return account === DEFAULT_ACCOUNT ? setting : accountSecretName(account, setting);
}

/**
 * An account's own non-secret setting from the text of ACCOUNTS (a JSON object, as the worker reads it); undefined
 * when ACCOUNTS is missing, is not JSON, or does not give it.
 */
export function accountsSetting(accounts: string | undefined, account: string, setting: string): string | undefined {
  if (accounts === undefined || accounts.trim() === "") return undefined;
  try {
    const table: unknown = JSON.parse(accounts);
    if (table === null || typeof table !== "object") return undefined;
    const own: unknown = (table as Record<string, unknown>)[account];
    if (own === null || typeof own !== "object") return undefined;
    const value: unknown = (own as Record<string, unknown>)[setting];
    return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  } catch {
    return undefined;
  }
}
