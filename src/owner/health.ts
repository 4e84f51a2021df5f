/**
 * The self-check behind `GET /wechat/health`: every check of one account, run at once, with every secret the
 * account has scrubbed from the answer whatever a check wrote.
 */
import type { Config } from "../config";
import type { AccountTable } from "../accounts/accounts";
import { redactSecrets } from "../wechat/api-errors";
import { checkAlerts, checkDelivery } from "./check-delivery";
import { checkDify } from "./check-dify";
import { checkSettings } from "./check-settings";
import { checkWechatApi } from "./check-wechat";
import type { HealthCheck, HealthReport } from "./health-types";

export type { CheckName, HealthCheck, HealthReport } from "./health-types";
export { CHECK_NAMES } from "./health-types";

/** The secrets of an account: none of them may appear in the report. */
function secretsOf(config: Config): string[] {
  const webhook = config.alerts.webhookUrl;
  const hookParts = webhook === undefined ? [] : [webhook, ...new URL(webhook).searchParams.values()];
  return [
    config.wechat.token, config.wechat.encodingAesKey, config.wechat.appSecret, config.dify.apiKey, ...hookParts,
  ].filter((s): s is string => s !== undefined && s.length >= 4);
}

/** Runs every check of the account (`fetcher` defaults to the global fetch). */
export async function healthReport(config: Config, table: AccountTable, fetcher?: typeof fetch): Promise<HealthReport> {
  const [[dify, difyApp], wechatApi] = await Promise.all([checkDify(config, fetcher), checkWechatApi(config, fetcher)]);
  const checks: HealthCheck[] = [
    checkSettings(config, table), dify, difyApp, wechatApi, checkDelivery(config, wechatApi), checkAlerts(config),
  ];
  const secrets = secretsOf(config);
  const clean = checks.map((check) => ({ ...check, detail: redactSecrets(check.detail, secrets) }));
  return { ok: clean.every((check) => check.ok), account: config.account, checks: clean };
}
