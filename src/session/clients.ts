/**
 * The outside parties' clients for one invocation of a follower's object, every call counted by the invocation's
 * SubrequestMeter (src/session/subrequests.ts).
 */
import type { AppEnv, Config } from "../config";
import { DifyClient } from "../dify";
import { WechatApiClient } from "../wechat/api-client";
import { accessTokenGetter } from "./access-token-store";
import type { SubrequestMeter } from "./subrequests";

/** The account's Dify app. */
export function difyClient(config: Config, meter: SubrequestMeter): DifyClient {
  return new DifyClient({
    apiBase: config.dify.apiBase,
    apiKey: config.dify.apiKey,
    idleTimeoutMs: config.dify.idleTimeoutMs,
    totalTimeoutMs: config.dify.totalTimeoutMs,
    workflowOutputKey: config.dify.workflowOutputKey,
  }, meter.fetch);
}

/** The account's WeChat API (customer service, media), or undefined without an app secret. */
export function wechatApiClient(env: AppEnv, config: Config, meter: SubrequestMeter): WechatApiClient | undefined {
  if (config.wechat.appSecret === undefined) return undefined;
  return new WechatApiClient({
    apiBase: config.wechat.apiBase,
    getToken: meter.counted("access token", accessTokenGetter(env, config.account)),
    fetcher: meter.fetch,
  });
}
