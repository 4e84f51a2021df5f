/**
 * The "delivery" check: how an answer that misses WeChat's 5-second window reaches the follower, and whether what
 * that way needs is in place. Customer-service (CS) push needs WECHAT_APP_SECRET, WeChat's API reachable from the
 * worker (the "wechat-api" check) and an account with the CS API (verified, or the sandbox test account); pull mode
 * needs nothing: the follower sends 1.
 */
import type { Config } from "../config";
import type { HealthCheck } from "./health-types";

/** The check, given the account's settings and the outcome of the wechat-api check. */
export function checkDelivery(config: Config, wechatApi: HealthCheck): HealthCheck {
  const pull = "pull (ENABLE_CUSTOM_MESSAGE=false): a late answer waits for the follower's 1";
  if (config.delivery.customMessages) {
    const cs = "customer-service push (ENABLE_CUSTOM_MESSAGE=true)";
    if (!wechatApi.ok) return { name: "delivery", ok: false, detail: `${cs}, but WeChat's API refuses the worker (see wechat-api): late answers are not pushed` };
    return { name: "delivery", ok: true, detail: `${cs}: WeChat's API accepts the worker; pushing also needs a verified account (or the sandbox test account)` };
  }
  if (config.problems.some((problem) => problem.startsWith("ENABLE_CUSTOM_MESSAGE is true but WECHAT_APP_SECRET is not set"))) {
    return { name: "delivery", ok: false, detail: "ENABLE_CUSTOM_MESSAGE is true but WECHAT_APP_SECRET is not set: late answers wait for the follower's 1 instead" };
  }
  return { name: "delivery", ok: true, detail: `${pull}; needs nothing more` };
}

/** The "alerts" check: where problems are posted (the webhook's host only: its URL may hold a key). */
export function checkAlerts(config: Config): HealthCheck {
  const url = config.alerts.webhookUrl;
  if (url === undefined) {
    const bad = config.problems.some((problem) => problem.startsWith("ALERT_WEBHOOK_URL"));
    return bad
      ? { name: "alerts", ok: false, detail: "ALERT_WEBHOOK_URL is set but is not an https:// URL: no alerts are posted" }
      : { name: "alerts", ok: true, detail: "off: set ALERT_WEBHOOK_URL to hear of 40164, a wrong app secret or Dify key, and Dify failing" };
  }
  return { name: "alerts", ok: true, detail: `on: ${config.alerts.format} posts to ${new URL(url).host}, one per kind of problem per 10 minutes` };
}
