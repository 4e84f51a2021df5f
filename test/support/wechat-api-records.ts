/**
 * Reads and steers the local WeChat API stand-in from inside workerd tests.
 */
import { inject } from "vitest";

/** A customer-service message as the stand-in accepted it. */
export interface SentMessage {
  touser: string;
  msgtype: string;
  text?: { content: string };
  image?: { media_id: string };
}

const base = () => inject("wechatApiUrl");

/** CS messages accepted for this follower, in order. */
export async function csSent(openid: string): Promise<SentMessage[]> {
  return (await (await fetch(`${base()}/__sent?user=${encodeURIComponent(openid)}`)).json()) as SentMessage[];
}

/** The texts of the CS messages accepted for this follower, in order. */
export async function csTexts(openid: string): Promise<string[]> {
  return (await csSent(openid)).map((m) => m.text?.content ?? `[${m.msgtype}]`);
}

/** Typing commands accepted for this follower. */
export async function typingSent(openid: string): Promise<string[]> {
  return (await (await fetch(`${base()}/__typing?user=${encodeURIComponent(openid)}`)).json()) as string[];
}

/** Makes the next `times` CS sends to this follower fail with `errcode`. */
export async function failNextSends(openid: string, errcode: number, times = 1): Promise<void> {
  await fetch(`${base()}/__fail`, { method: "POST", body: JSON.stringify({ touser: openid, errcode, times }) });
}

/** Expires the current access token, so the next API call with it gets 42001. */
export async function expireToken(): Promise<void> {
  await fetch(`${base()}/__expire-token`, { method: "POST", body: "{}" });
}

/** The stand-in's token bookkeeping for the worker's AppID (WECHAT_APP_ID in vitest.config.ts). */
export async function tokenStats(): Promise<{ stableTokenFetches: number; forcedRefreshes: number }> {
  const res = await fetch(`${base()}/__stats?appid=wx5823bf96d3bd56c7`);
  return (await res.json()) as { stableTokenFetches: number; forcedRefreshes: number };
}

/** Polls until `check` passes or `timeoutMs` runs out (for effects that happen in an alarm). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}
