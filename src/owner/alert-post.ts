/**
 * Posts one alert to the owner's webhook: our own JSON body, or a WeCom group robot's text message
 * (POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…, {"msgtype":"text","text":{"content":…}}, content at
 * most 2048 bytes; developer.work.weixin.qq.com/document/path/91770). One deadline covers the whole exchange, and
 * nothing is thrown: a webhook that fails is logged (without its URL, which may hold the robot's key).
 */
import type { AlertFormat } from "../config";
import { log } from "../log";
import { utf8Length } from "../text/utf8";
import type { Alert } from "./alert-kinds";

/** How long one post may take, body included. */
export const ALERT_POST_TIMEOUT_MS = 5000;

/** Where and how to post. */
export interface AlertTarget {
  url: string;
  format: AlertFormat;
}

/** WeCom takes at most 2048 bytes of text content. */
const WECOM_MAX_BYTES = 2048;

/** `text` cut (at a character) to at most `max` UTF-8 bytes. */
function withinBytes(text: string, max: number): string {
  let out = text;
  while (utf8Length(out) > max) out = Array.from(out).slice(0, -Math.max(1, Math.ceil((utf8Length(out) - max) / 4))).join("");
  return out;
}

/** The body for the target's format. */
export function alertBody(alert: Alert, format: AlertFormat, at: Date): unknown {
  if (format === "wecom") {
    const account = alert.account === "default" ? "" : ` · ${alert.account}`;
    const content = `[dify-wechat-worker${account}] ${alert.summary}\n${alert.detail}`;
    return { msgtype: "text", text: { content: withinBytes(content, WECOM_MAX_BYTES) } };
  }
  return { source: "dify-wechat-worker", ...alert, at: at.toISOString() };
}

/** Posts the alert; resolves whether the webhook took it (HTTP 2xx, and for WeCom errcode 0). Never rejects. */
export async function postAlert(
  target: AlertTarget,
  alert: Alert,
  fetcher: typeof fetch = (input, init) => fetch(input, init),
  timeoutMs: number = ALERT_POST_TIMEOUT_MS,
): Promise<boolean> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetcher(target.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alertBody(alert, target.format, new Date())),
      signal,
    });
    const text = await res.text();
    let errcode = 0;
    if (target.format === "wecom") {
      try {
        const parsed = JSON.parse(text) as { errcode?: unknown };
        errcode = typeof parsed.errcode === "number" ? parsed.errcode : -1;
      } catch {
        errcode = -1;
      }
    }
    const ok = res.ok && errcode === 0;
    if (ok) log.info("alert_posted", { kind: alert.kind });
    else log.warn("alert_post_failed", { kind: alert.kind, status: res.status, errcode });
    return ok;
  } catch (error) {
    log.warn("alert_post_failed", { kind: alert.kind, reason: signal.aborted ? "timeout" : error instanceof Error ? error.name : "error" });
    return false;
  }
}
