/**
 * Callbacks to the "rules" project's accounts (vitest.config.ts): the default one (safe mode, pull mode) and the
 * plaintext-mode accounts "quiet" (handoffs off) and "desk" (CS mode, WeChat's shortest timeout).
 */
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { DEFAULT_ACCOUNT, followerObjectName } from "../../src/accounts";
import { readReply, wechatPost, type ReadReply, type WechatRequestOptions } from "../support/wechat-fixtures";

/** The named accounts of the "rules" project, as WeChat's console knows them. */
export const ACCOUNTS = {
  quiet: { token: "quiet-token", path: "/wechat/quiet", mode: "plain" },
  desk: { token: "desk-token", path: "/wechat/desk", mode: "plain" },
} as const satisfies Record<string, WechatRequestOptions>;

/** The request WeChat sends for `xml` to `account` (default: the default account); the same XML gives the same bytes. */
export async function callbackFor(xml: string, account?: keyof typeof ACCOUNTS): Promise<Request> {
  return wechatPost(xml, account === undefined ? {} : ACCOUNTS[account]);
}

/** Sends `xml` once to `account` (default: the default account) and reads the reply. */
export async function post(xml: string, account?: keyof typeof ACCOUNTS): Promise<ReadReply> {
  const res = await exports.default.fetch(await callbackFor(xml, account));
  return readReply(res, account === undefined ? "safe" : "plain", account === undefined ? {} : { token: ACCOUNTS[account].token });
}

/**
 * Sends `xml` to `account` as WeChat does with a `timeoutMs` callback timeout: up to 3 identical requests, each
 * given up after `timeoutMs` (a response that comes later is ignored, as WeChat ignores it). Resolves with the reply
 * WeChat accepted, or undefined when all three timed out.
 */
export async function deliver(xml: string, account: keyof typeof ACCOUNTS, timeoutMs: number): Promise<ReadReply | undefined> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const response = exports.default.fetch(await callbackFor(xml, account)).then((res) => readReply(res, "plain", ACCOUNTS[account]));
    const cutOff = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
    const reply = await Promise.race([response, cutOff]);
    if (reply !== undefined) return reply;
  }
  return undefined;
}

/**
 * Runs SQL in a default-account follower's object: tests use it to stand for time passing (an hour, half an hour),
 * which nothing else can do to a Durable Object's clock.
 */
export async function inFollowerObject(openid: string, sql: string, ...bindings: SqlStorageValue[]): Promise<void> {
  await runInDurableObject(env.FOLLOWER_SESSION.getByName(followerObjectName(DEFAULT_ACCOUNT, openid)), (_instance, state) => {
    state.storage.sql.exec(sql, ...bindings);
  });
}
