/**
 * The settings of the "owner" test project (vitest.config.ts): the default account as in every project (all checks
 * pass) plus one account per way the self-check or the alerts must notice something. Every account's AppID is a
 * private `wx-…` one, so its tokens (and the stand-in's answers to them) are its own.
 *
 * | account     | what is wrong                                                        | expected                     |
 * |-------------|----------------------------------------------------------------------|------------------------------|
 * | blocked     | the stand-in answers 40164 for its appid                             | wechat-api names the IP      |
 * | badsecret   | WECHAT_APP_SECRET `wrong-secret`                                     | wechat-api 40125             |
 * | badappid    | an appid WeChat does not know                                        | wechat-api 40013             |
 * | nosecret    | ENABLE_CUSTOM_MESSAGE true, no app secret                            | delivery fails, no API call  |
 * | difydown    | DIFY_API_BASE where nothing listens                                  | dify unreachable             |
 * | difykey     | a Dify key the stand-in refuses (401)                                | dify refused                 |
 * | mismatch    | DIFY_APP_TYPE workflow for a chatflow app                            | dify-app mode mismatch       |
 * | alert-ip    | 40164, alerts as JSON to a receiver                                  | one post per 10 minutes      |
 * | alert-key   | a refused Dify key, alerts to a WeCom robot                          | one WeCom text per window    |
 * | alert-streak| working key (questions fail by directive), alerts as JSON            | a post on the 5th failure    |
 * | alert-hang  | a refused Dify key, alerts to a receiver that never answers          | replies are not held up      |
 * | alert-cs    | CS mode; a customer-service send meets 40164 (its token still valid) | a post naming the IP         |
 */

/** Where the stand-ins listen (globalSetup). */
export interface StandInUrls {
  dify: string;
  wechatApi: string;
}

/** Names of the generic receivers on the WeChat stand-in (`/__webhook/NAME`) and the WeCom robot's key. */
export const RECEIVERS = {
  ip: "owner-alert-ip", streak: "owner-alert-streak", hang: "hang-owner-alerts", wecomKey: "owner-alert-key", cs: "owner-alert-cs",
} as const;

/** The bindings of the "owner" project. */
export function ownerBindings(urls: StandInUrls): Record<string, string> {
  const accounts: Record<string, Record<string, string>> = {
    blocked: { WECHAT_APP_ID: "wx-ip-blocked-owner" },
    badsecret: { WECHAT_APP_ID: "wx-owner-badsecret" },
    badappid: { WECHAT_APP_ID: "wx-unknown-owner" },
    nosecret: { WECHAT_APP_ID: "wx-owner-nosecret", ENABLE_CUSTOM_MESSAGE: "true" },
    difydown: { WECHAT_APP_ID: "wx-owner-difydown", DIFY_API_BASE: "http://127.0.0.1:9/v1" },
    difykey: { WECHAT_APP_ID: "wx-owner-difykey" },
    mismatch: { WECHAT_APP_ID: "wx-owner-mismatch", DIFY_APP_TYPE: "workflow" },
    "alert-ip": { WECHAT_APP_ID: "wx-ip-blocked-alerts", ALERT_WEBHOOK_URL: `${urls.wechatApi}/__webhook/${RECEIVERS.ip}` },
    "alert-key": {
      WECHAT_APP_ID: "wx-owner-alert-key",
      ALERT_WEBHOOK_URL: `${urls.wechatApi}/cgi-bin/webhook/send?key=${RECEIVERS.wecomKey}`,
      ALERT_WEBHOOK_FORMAT: "wecom",
    },
    "alert-streak": { WECHAT_APP_ID: "wx-owner-alert-streak", ALERT_WEBHOOK_URL: `${urls.wechatApi}/__webhook/${RECEIVERS.streak}` },
    "alert-hang": { WECHAT_APP_ID: "wx-owner-alert-hang", ALERT_WEBHOOK_URL: `${urls.wechatApi}/__webhook/${RECEIVERS.hang}` },
    "alert-cs": {
      WECHAT_APP_ID: "wx-owner-alert-cs", ENABLE_CUSTOM_MESSAGE: "true", ALERT_WEBHOOK_URL: `${urls.wechatApi}/__webhook/${RECEIVERS.cs}`,
    },
  };
  const secrets: Record<string, string> = {};
  for (const name of Object.keys(accounts)) secrets[`${name.toUpperCase().replace(/-/g, "_")}_WECHAT_TOKEN`] = `${name}-token`;
  for (const name of ["blocked", "badappid", "alert-ip", "alert-cs"]) secrets[`${name.toUpperCase().replace(/-/g, "_")}_WECHAT_APP_SECRET`] = "owner-app-secret";
  secrets.BADSECRET_WECHAT_APP_SECRET = "wrong-secret";
  for (const name of ["difykey", "alert-key", "alert-hang"]) secrets[`${name.toUpperCase().replace(/-/g, "_")}_DIFY_API_KEY`] = "app-revoked-key";
  return { ACCOUNTS: JSON.stringify(accounts), ...secrets };
}
