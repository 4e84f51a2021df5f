/**
 * The two accounts the load run serves from one `wrangler dev` (ACCOUNTS, issue 10): the default one at /wechat
 * (the test suite's account) and "shop" at /wechat/shop with a WeChat identity of its own. Both use the same Dify
 * stand-in app (shop gives no DIFY_API_KEY, so it falls back to the top-level one, as the README allows): the
 * comparison then measures what a second account costs the worker, not a different app's stream.
 */
import { BENCH_ACCOUNT } from "../account.js";
import type { WechatAccount } from "../wechat-side.js";

/** An account as the simulated followers see it: its callback path and its side of the protocol. */
export interface LoadAccount extends WechatAccount {
  /** "default" or the account's name in ACCOUNTS. */
  name: string;
  /** `/wechat` or `/wechat/<name>`. */
  path: string;
}

/** The default account: the top-level settings. */
export const DEFAULT_LOAD_ACCOUNT: LoadAccount = { name: "default", path: "/wechat", ...BENCH_ACCOUNT };

/** The second account: made-up values like the default one's (the test suite's "shop", vitest.config.ts). */
export const SHOP_LOAD_ACCOUNT: LoadAccount = {
  name: "shop",
  path: "/wechat/shop",
  token: "shop-token",
  encodingAesKey: "JCSKasQP0UfUHuJGHcVNV/Ex3SkAH5URNwZuDRMI/sE",
  appId: "wx00000000000005a0",
  ghId: "gh_bench_shop",
};

/** The Dify key both accounts use (the stand-in's chatflow app). */
export const LOAD_DIFY_KEY = "app-test-key";

/**
 * The secrets for the env file: the default account's and the shop's own, named as `wrangler secret put` would
 * name them.
 */
export function loadSecrets(): Record<string, string> {
  return {
    WECHAT_TOKEN: DEFAULT_LOAD_ACCOUNT.token,
    DIFY_API_KEY: LOAD_DIFY_KEY,
    SHOP_WECHAT_TOKEN: SHOP_LOAD_ACCOUNT.token,
    SHOP_WECHAT_ENCODING_AES_KEY: SHOP_LOAD_ACCOUNT.encodingAesKey,
  };
}

/** ACCOUNTS as the worker reads it: the shop's AppID, every other setting from the top level. */
export function loadAccountsVar(): string {
  return JSON.stringify({ [SHOP_LOAD_ACCOUNT.name]: { WECHAT_APP_ID: SHOP_LOAD_ACCOUNT.appId } });
}
