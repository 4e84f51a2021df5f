/**
 * Where the follower's side tells the account's alert ledger that WeChat's API refused a customer-service send in a
 * way the owner must fix: 40164 (the worker's IP is not whitelisted). A token fetched earlier from a whitelisted IP
 * keeps working for two hours, so after the worker's egress IP changes, the sends meet 40164 before any token fetch
 * does. Only accounts with ALERT_WEBHOOK_URL pay anything, and never in time: the report is an un-awaited call to the
 * account's AccessTokenStore, which posts once per kind per 10 minutes (src/owner/alert-ledger.ts).
 */
import { env } from "cloudflare:workers";
import type { Config } from "../config";
import { tokenStoreName } from "../accounts";
import { describeError, log } from "../log";
import { WechatApiError } from "../wechat/api-errors";
import { WECHAT_IP_NOT_WHITELISTED } from "./wechat-advice";

/** Reports a refused send to the account's ledger when it is one to alert on; returns whether it reported. */
export function reportWechatRefusal(config: Config, error: unknown): boolean {
  if (config.alerts.webhookUrl === undefined) return false;
  if (!(error instanceof WechatApiError) || error.errcode !== WECHAT_IP_NOT_WHITELISTED) return false;
  const store = env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(config.account));
  void store.noteWechatFailure(config.account, error.message).catch((failure: unknown) => log.warn("alert_ledger_unreachable", describeError(failure)));
  return true;
}
