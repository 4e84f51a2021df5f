/**
 * The "wechat-api" check: when the account has an app secret, one stable_token call in normal mode, exactly as the
 * worker makes it. Normal mode hands out the token every caller shares, so the check never invalidates the token the
 * followers' objects use (force_refresh would).
 */
import type { Config } from "../config";
import { fetchStableToken } from "../wechat/access-token";
import { WechatApiError } from "../wechat/api-errors";
import type { HealthCheck } from "./health-types";
import { wechatProblem } from "./wechat-advice";

/** How long the stable_token call may take. */
export const WECHAT_CHECK_TIMEOUT_MS = 5000;

/** The check; without an app secret there is nothing to check (the worker then never calls WeChat's API). */
export async function checkWechatApi(config: Config, fetcher?: typeof fetch): Promise<HealthCheck> {
  const { apiBase, appId, appSecret } = config.wechat;
  if (appSecret === undefined) {
    return {
      name: "wechat-api",
      ok: true,
      detail: "no WECHAT_APP_SECRET: WeChat's API is not used (passive replies only: no customer-service push, no voice download)",
    };
  }
  if (appId === "") return { name: "wechat-api", ok: false, detail: "WECHAT_APP_ID is empty: stable_token needs it" };
  try {
    await fetchStableToken({ apiBase, appId, appSecret, forceRefresh: false, fetcher, timeoutMs: WECHAT_CHECK_TIMEOUT_MS });
    return { name: "wechat-api", ok: true, detail: "stable_token: ok (AppID, AppSecret and this worker's IP accepted)" };
  } catch (error) {
    const e = WechatApiError.from(error, undefined, [appSecret]);
    if (e.errcode < 0) return { name: "wechat-api", ok: false, detail: `cannot use WECHAT_API_BASE: ${e.errmsg}` };
    return { name: "wechat-api", ok: false, detail: `stable_token ${wechatProblem(e.errcode, e.errmsg, "the worker")}` };
  }
}
