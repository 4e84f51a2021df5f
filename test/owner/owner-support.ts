/**
 * Helpers of the owner tests (project "owner", test/owner/bindings.ts): a signed health request and the stand-in's
 * webhook records.
 */
import { exports } from "cloudflare:workers";
import { inject } from "vitest";
import type { HealthReport } from "../../src/owner/health";
import { wechatSignature } from "../../src/wechat/signature";

/** The token of a named test account (bindings.ts): `<name>-token`; the default account's is test-token. */
export const tokenOf = (account: string): string => (account === "default" ? "test-token" : `${account}-token`);

/** The account's callback path. */
export const pathOf = (account: string): string => (account === "default" ? "/wechat" : `/wechat/${account}`);

/** `GET <path>/health`, signed with `token` as WeChat's console check signs (fresh timestamp unless given). */
export async function healthGet(account: string, o: { token?: string; timestamp?: string; unsigned?: boolean } = {}): Promise<Response> {
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = String(crypto.getRandomValues(new Uint32Array(1))[0]);
  const signature = await wechatSignature([o.token ?? tokenOf(account), timestamp, nonce]);
  const query = o.unsigned ? "" : `?${new URLSearchParams({ signature, timestamp, nonce })}`;
  return exports.default.fetch(new Request(`https://wechat.example${pathOf(account)}/health${query}`));
}

/** The health report of an account (expects a 200). */
export async function healthOf(account: string): Promise<HealthReport> {
  const res = await healthGet(account);
  if (res.status !== 200) throw new Error(`health of ${account}: HTTP ${res.status}`);
  return (await res.json()) as HealthReport;
}

/** The detail of one check of a report. */
export function detailOf(report: HealthReport, name: string): { ok: boolean; detail: string } {
  const check = report.checks.find((c) => c.name === name);
  if (check === undefined) throw new Error(`no check ${name} in ${JSON.stringify(report)}`);
  return { ok: check.ok, detail: check.detail };
}

/** What the stand-in's receiver NAME got (`wecom:KEY` for the WeCom robot). */
export async function received(name: string): Promise<unknown[]> {
  const res = await fetch(`${inject("wechatApiUrl")}/__webhook/${encodeURIComponent(name)}`);
  return (await res.json()) as unknown[];
}

/** Polls until a check passes (the suite's one helper for it). */
export { eventually } from "../support/wechat-api-records";
