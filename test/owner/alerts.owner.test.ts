/**
 * Alerts through the whole worker (accounts in test/owner/bindings.ts): the token store meeting 40164, followers
 * meeting a Dify key Dify refuses and Dify failing again and again; one post per kind per 10 minutes, and a receiver
 * that never answers holds up no reply.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tokenStoreName } from "../../src/accounts";
import { configFor, type AppEnv } from "../../src/config";
import { ALERT_WINDOW_MS, DIFY_FAILURE_STREAK } from "../../src/owner";
import { readReply, textMessageXml, wechatPost } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { RECEIVERS } from "./bindings";
import { ageLedger, ledgerOf } from "./ledger-support";
import { eventually, pathOf, received, tokenOf } from "./owner-support";
import { failNextSends } from "../support/wechat-api-records";

/** A follower's text message to a named test account (plaintext mode: none has an AES key); resolves the reply. */
async function ask(account: string, openid: string, content: string): Promise<{ content?: string; elapsedMs: number }> {
  const started = Date.now();
  const request = await wechatPost(textMessageXml({ openid, content }), { mode: "plain", token: tokenOf(account), path: pathOf(account) });
  const reply = await readReply(await exports.default.fetch(request), "plain");
  expect(reply.status).toBe(200);
  return { content: reply.content, elapsedMs: Date.now() - started };
}

/** The token store's refusal, caught where it arrives (an RPC rejection left to `expect().rejects` goes unhandled). */
async function tokenRefusal(account: string): Promise<string> {
  const store = env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(account));
  return store.getToken(undefined, account).then(() => "no refusal", (error: unknown) => String(error));
}

/** Lets a post that should not happen have its chance to arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("WeChat refusing the worker's IP (40164)", () => {
  it("is posted once per 10 minutes, as our JSON, naming the IP and no secret", async () => {
    expect(await tokenRefusal("alert-ip")).toMatch(/40164/);
    expect(await tokenRefusal("alert-ip")).toMatch(/40164/);
    const posts = await eventually(() => received(RECEIVERS.ip), (p) => p.length > 0);
    await settle();
    expect(await received(RECEIVERS.ip)).toHaveLength(1);
    expect(posts[0]).toMatchObject({ source: "dify-wechat-worker", account: "alert-ip", kind: "wechat-ip-blocked" });
    const [body] = posts as Array<{ summary: string; detail: string }>;
    expect(body?.summary).toContain("203.0.113.7");
    expect(body?.detail).toMatch(/^WeChat API error 40164 \(POST \/cgi-bin\/stable_token\)/);
    expect(JSON.stringify(posts)).not.toContain("owner-app-secret");

    await ageLedger("alert-ip", ALERT_WINDOW_MS);
    expect(await tokenRefusal("alert-ip")).toMatch(/40164/);
    expect(await eventually(() => received(RECEIVERS.ip), (p) => p.length > 1)).toHaveLength(2);
  });
});

describe("WeChat refusing a customer-service send with 40164 (the worker's IP changed, its token still valid)", () => {
  it("is posted once, naming the IP", async () => {
    const openid = newOpenid("alert-cs");
    // The token is fetched before the refusals start: only the sends meet 40164, as after an egress IP change.
    await failNextSends(openid, 40164, 3);
    const first = await ask("alert-cs", openid, "[delay=16000] 慢问题");
    expect(first.content).toBe(configFor(env as AppEnv, "alert-cs").texts.holding);
    const posts = await eventually(() => received(RECEIVERS.cs), (p) => p.length > 0, 40_000);
    await settle();
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ source: "dify-wechat-worker", account: "alert-cs", kind: "wechat-ip-blocked" });
    const [body] = posts as Array<{ summary: string; detail: string }>;
    expect(body?.summary).toContain("203.0.113.7");
    expect(body?.detail).toMatch(/^WeChat API error 40164 \(POST \/cgi-bin\/message\/custom\/send\)/);
    expect(JSON.stringify(posts)).not.toContain("owner-app-secret");
  }, 60_000);
});

describe("Dify refusing the key (401)", () => {
  it("is posted to the WeCom robot once, while every follower still gets the failure text", async () => {
    const failure = configFor(env as AppEnv, "alert-key").texts.failure;
    expect((await ask("alert-key", newOpenid("alert-key-1"), "hello")).content).toBe(failure);
    const posts = await eventually(() => received(`wecom:${RECEIVERS.wecomKey}`), (p) => p.length > 0);
    expect((await ask("alert-key", newOpenid("alert-key-2"), "hello again")).content).toBe(failure);
    await settle();
    expect(await received(`wecom:${RECEIVERS.wecomKey}`)).toHaveLength(1);
    const [body] = posts as Array<{ msgtype: string; text: { content: string } }>;
    expect(body?.msgtype).toBe("text");
    expect(body?.text.content).toMatch(/^\[dify-wechat-worker · alert-key\] Dify refused DIFY_API_KEY \(401\)/);
    expect(body?.text.content).not.toContain("app-revoked-key");
  });
});

describe(`Dify failing ${DIFY_FAILURE_STREAK} times in a row`, () => {
  it("is posted on the fifth failure, not before, and an answer ends the streak", async () => {
    const openid = newOpenid("alert-streak");
    for (let n = 1; n <= DIFY_FAILURE_STREAK; n++) {
      await ask("alert-streak", openid, `question ${n} [status=500:internal_server_error]`);
      expect((await eventually(() => ledgerOf("alert-streak"), (l) => l?.difyStreak === n))?.difyStreak).toBe(n);
      if (n < DIFY_FAILURE_STREAK) expect(await received(RECEIVERS.streak)).toEqual([]);
    }
    const [post] = await eventually(() => received(RECEIVERS.streak), (p) => p.length > 0);
    expect(post).toMatchObject({ account: "alert-streak", kind: "dify-failing", detail: expect.stringContaining("HTTP 500") });
    expect((await ask("alert-streak", openid, "and now a fine question")).content).toBe("echo: and now a fine question");
    expect((await eventually(() => ledgerOf("alert-streak"), (l) => l?.difyStreak === 0))?.difyStreak).toBe(0);
  });

  it("costs an account without ALERT_WEBHOOK_URL nothing: its ledger is never written", async () => {
    const request = await wechatPost(textMessageXml({ openid: newOpenid("alert-none"), content: "x [status=500:internal_server_error]" }));
    expect((await exports.default.fetch(request)).status).toBe(200);
    await settle();
    expect(await ledgerOf("default")).toBeUndefined();
  });
});

describe("a receiver that never answers", () => {
  it("holds up no reply: the failure text comes at once while the post hangs", async () => {
    const failure = configFor(env as AppEnv, "alert-hang").texts.failure;
    const first = await ask("alert-hang", newOpenid("alert-hang-1"), "hello");
    expect(first.content).toBe(failure);
    expect(first.elapsedMs).toBeLessThan(1500);
    // The receiver has the post (it records before hanging) and is still holding it.
    await eventually(() => received(RECEIVERS.hang), (p) => p.length > 0);
    const second = await ask("alert-hang", newOpenid("alert-hang-2"), "hello again");
    expect(second.content).toBe(failure);
    expect(second.elapsedMs).toBeLessThan(1500);
  });
});
