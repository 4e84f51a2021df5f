/**
 * The four accounts the time-to-first-content run serves from one `wrangler dev` (ACCOUNTS): pull mode and CS mode,
 * each with STREAMING_FIRST on (ours, the default) and off (the first reply waits for the whole answer, the
 * behaviour before streaming-first delivery). Everything else is the top level's: the same Dify stand-in app, the
 * same WeChat API stand-in, ANSWER_PAGE off so every variant's texts compare alike. Made-up credentials, one WeChat
 * identity per account (identity settings never fall back to the top level).
 */
import { accountSecretName } from "../../src/accounts/accounts.js";
import type { WechatAccount } from "../wechat-side.js";

/** How late parts reach the follower. */
export type DeliveryMode = "pull" | "cs";

/** One variant of the run: an account with its delivery mode and STREAMING_FIRST. */
export interface TtfcAccount extends WechatAccount {
  name: string;
  /** `/wechat/<name>`. */
  path: string;
  mode: DeliveryMode;
  /** STREAMING_FIRST: true = ours (the default), false = the whole-answer baseline. */
  streamingFirst: boolean;
}

/** The stand-in WeChat API accepts any app secret but an empty one and `wrong-secret`. */
const APP_SECRET = "test-app-secret";
/** The Dify stand-in's chatflow app. */
export const TTFC_DIFY_KEY = "app-test-key";
/** The top-level account's token: it must exist for the worker to serve, though no follower talks to it. */
const DEFAULT_TOKEN = "ttfc-default-token";

function account(name: string, mode: DeliveryMode, streamingFirst: boolean, appIdTail: string): TtfcAccount {
  return {
    name,
    path: `/wechat/${name}`,
    mode,
    streamingFirst,
    token: `${name}-token`,
    encodingAesKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    appId: `wx00000000000${appIdTail}`,
    ghId: `gh_ttfc_${name.replace(/-/g, "_")}`,
  };
}

/** The four variants, in the order the table lists them. */
export const TTFC_ACCOUNTS: readonly TtfcAccount[] = [
  account("pull-ours", "pull", true, "0a1f1"),
  account("pull-whole", "pull", false, "0a1f2"),
  account("cs-ours", "cs", true, "0a1f3"),
  account("cs-whole", "cs", false, "0a1f4"),
];

/** The secrets for the env file, named as `wrangler secret put` would name them. */
export function ttfcSecrets(): Record<string, string> {
  const out: Record<string, string> = { WECHAT_TOKEN: DEFAULT_TOKEN, DIFY_API_KEY: TTFC_DIFY_KEY };
  for (const a of TTFC_ACCOUNTS) {
    out[accountSecretName(a.name, "WECHAT_TOKEN")] = a.token;
    out[accountSecretName(a.name, "WECHAT_ENCODING_AES_KEY")] = a.encodingAesKey;
    if (a.mode === "cs") out[accountSecretName(a.name, "WECHAT_APP_SECRET")] = APP_SECRET;
  }
  return out;
}

/** ACCOUNTS as the worker reads it: each account's AppID, delivery mode and STREAMING_FIRST. */
export function ttfcAccountsVar(): string {
  return JSON.stringify(Object.fromEntries(TTFC_ACCOUNTS.map((a) => [a.name, {
    WECHAT_APP_ID: a.appId,
    ENABLE_CUSTOM_MESSAGE: a.mode === "cs" ? "true" : "false",
    STREAMING_FIRST: a.streamingFirst ? "true" : "false",
  }])));
}
