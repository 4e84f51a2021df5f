import { exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { callWorker, plaintextDeployment, safeDeployment, switchingDeployment } from "../support/deployments";
import { NO_FOOTPRINT, followerFootprint } from "../support/state-probe";
import { eventXml, readReply, textMessageXml, wechatPost, wechatVerifyGet, type WechatMode } from "../support/wechat-fixtures";

/**
 * Who may speak for a follower. The plain `signature` covers token, timestamp and nonce only, so with an AES key set
 * only encrypted callbacks count, and no signature is good for more than 300 s.
 */

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, "warn");
});
afterEach(() => {
  warn.mockRestore();
});

/** The warning lines the worker logged so far in this test, parsed. */
function warnings(): Array<Record<string, unknown>> {
  return warn.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
}

/** The reasons logged for refused callbacks (POST) and verifications (GET). */
function refusalReasons(): string[] {
  return warnings()
    .filter((line) => line.event === "callback_refused" || line.event === "verify_refused")
    .map((line) => String(line.reason));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("a deployment with an AES key accepts only encrypted callbacks", () => {
  it("refuses a forged plaintext \"1\" in a victim's name with 403, leaving no state and asking Dify nothing", async () => {
    const victim = newOpenid("victim");
    // The plain signature is valid: it is what anyone who saw one callback URL (a log line, a proxy) holds.
    const forged = await wechatPost(textMessageXml({ openid: victim, content: "1" }), { mode: "plain" });
    const res = await exports.default.fetch(forged);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("echo");
    expect(refusalReasons()).toEqual(["plaintext callback while safe mode is configured"]);
    expect(await followerFootprint(victim)).toEqual(NO_FOOTPRINT);
  });

  it("refuses a forged plaintext unsubscribe, so a follower's conversation is not wiped by a stranger", async () => {
    const victim = newOpenid("wiped");
    const real = await readReply(await exports.default.fetch(await wechatPost(textMessageXml({ openid: victim, content: "记住我" }))));
    expect(real.content).toBe("echo: 记住我");
    const before = await followerFootprint(victim);

    const forged = await wechatPost(eventXml({ openid: victim, event: "unsubscribe" }), { mode: "plain" });
    expect((await exports.default.fetch(forged)).status).toBe(403);
    expect(await followerFootprint(victim)).toEqual(before);
  });

  it("still answers the same message sent encrypted, in safe and in compatible mode", async () => {
    for (const mode of ["safe", "compat"] as const) {
      const openid = newOpenid(`enc-${mode}`);
      const reply = await readReply(await exports.default.fetch(await wechatPost(textMessageXml({ openid, content: "1" }), { mode })), mode);
      expect(reply.status).toBe(200);
      expect(await difyAsks(openid)).toHaveLength(1);
    }
  });

  it("accepts plaintext with WECHAT_ACCEPT_PLAINTEXT=true, logging a warning that names no follower", async () => {
    const openid = newOpenid("switching");
    const res = await callWorker(await wechatPost(textMessageXml({ openid, content: "换模式中" }), { mode: "plain" }), switchingDeployment);
    const reply = await readReply(res, "plain");
    expect(reply.content).toBe("echo: 换模式中");
    expect(reply.raw).not.toContain("<Encrypt>");

    const accepted = warnings().filter((line) => line.event === "plaintext_accepted");
    expect(accepted).toHaveLength(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain(openid);
  });

  it("accepts plaintext on a deployment without an AES key, as WeChat sends it in plaintext mode", async () => {
    const openid = newOpenid("plain-account");
    const reply = await readReply(await callWorker(await wechatPost(textMessageXml({ openid, content: "你好" }), { mode: "plain" }), plaintextDeployment));
    expect(reply.content).toBe("echo: 你好");
    expect(warnings().filter((line) => line.event === "plaintext_accepted")).toEqual([]);
  });
});

describe("signatures expire: a timestamp more than 300 s from now, or not all digits, gets 403", () => {
  const badTimestamps: Record<string, () => string> = {
    "301 s old": () => String(nowSeconds() - 301),
    "301 s in the future": () => String(nowSeconds() + 301),
    "in milliseconds": () => String(Date.now()),
    "not all digits": () => `${nowSeconds()}x`,
    "signed": () => `+${nowSeconds()}`,
    "fractional": () => `${nowSeconds()}.5`,
    "empty": () => "",
  };
  // Each mode against the deployment that would otherwise accept it.
  const deployments: Array<[WechatMode, typeof safeDeployment]> = [
    ["plain", plaintextDeployment],
    ["safe", safeDeployment],
  ];

  for (const [mode, deployment] of deployments) {
    for (const [name, timestamp] of Object.entries(badTimestamps)) {
      it(`refuses a ${mode}-mode POST whose timestamp is ${name}, changing nothing`, async () => {
        const openid = newOpenid(`stale-${mode}`);
        const request = await wechatPost(textMessageXml({ openid, content: "hi" }), { mode, timestamp: timestamp() });
        const res = await callWorker(request, deployment);
        expect(res.status).toBe(403);
        expect(refusalReasons()).toEqual(["stale or malformed timestamp"]);
        expect(await followerFootprint(openid)).toEqual(NO_FOOTPRINT);
      });
    }
  }

  for (const [name, timestamp] of Object.entries(badTimestamps)) {
    it(`refuses the server-verification GET whose timestamp is ${name}, echoing nothing`, async () => {
      const res = await exports.default.fetch(await wechatVerifyGet("echo-me", { timestamp: timestamp() }));
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("echo-me");
      expect(refusalReasons()).toEqual(["stale or malformed timestamp"]);
    });
  }

  it("still accepts a GET and a POST signed a little while ago or a little ahead (clock skew)", async () => {
    const verify = await exports.default.fetch(await wechatVerifyGet("skewed", { timestamp: String(nowSeconds() + 60) }));
    expect(await verify.text()).toBe("skewed");
    const openid = newOpenid("skew");
    const xml = textMessageXml({ openid, content: "慢了一点" });
    const reply = await readReply(await exports.default.fetch(await wechatPost(xml, { timestamp: String(nowSeconds() - 240) })));
    expect(reply.content).toBe("echo: 慢了一点");
  });

  it("refuses a captured safe-mode request replayed after the window, without a second Dify call", async () => {
    const openid = newOpenid("replay-late");
    const xml = textMessageXml({ openid, content: "旧消息" });
    // Captured near the end of its window: accepted now, stale a few seconds later.
    const signedAt = nowSeconds() - 297;
    const captured = { mode: "safe" as const, timestamp: String(signedAt) };
    const first = await readReply(await exports.default.fetch(await wechatPost(xml, captured)), "safe");
    expect(first.content).toBe("echo: 旧消息");
    expect(await difyAsks(openid)).toHaveLength(1);

    // Wait on the clock, not for a duration: the replay is sent once the signature is 301 s old.
    while (nowSeconds() <= signedAt + 300) await new Promise((resolve) => setTimeout(resolve, 250));
    const replay = await exports.default.fetch(await wechatPost(xml, captured));
    expect(replay.status).toBe(403);
    expect(refusalReasons()).toEqual(["stale or malformed timestamp"]);
    expect(await difyAsks(openid)).toHaveLength(1);
  });
});
