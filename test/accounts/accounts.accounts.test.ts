/**
 * Several Official Accounts in one deployment (vitest.config.ts, project "accounts"): the default account at /wechat
 * and "shop" at /wechat/shop, each with its own token, key, AppID, app secret and Dify app; nothing of one reaches
 * the other.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { accountTable, configFor, type AppEnv } from "../../src/config";
import { followerObjectName } from "../../src/accounts";
import { eventXml, readReply, textMessageXml, wechatPost, wechatVerifyGet, type WechatRequestOptions } from "../support/wechat-fixtures";
import { difyAsks, difyCalls, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { csTexts, eventually } from "../support/wechat-api-records";
import { PROMPT } from "../support/follower-texts";

const SHOP = {
  token: "shop-token",
  aesKey: "JCSKasQP0UfUHuJGHcVNV/Ex3SkAH5URNwZuDRMI/sE",
  appId: "wx00000000000005a0",
  path: "/wechat/shop",
} as const;
const shopOpts: WechatRequestOptions = { ...SHOP, mode: "safe" };
const HOLDING_EN = "This one takes a little longer, please wait...";

/** Posts to the shop account and reads its (encrypted) reply. */
async function postToShop(xml: string): Promise<{ status: number; content?: string }> {
  const res = await exports.default.fetch(await wechatPost(xml, shopOpts));
  return readReply(res, "safe", SHOP);
}

/** Whether a follower object of this name was ever given a message (its jobs table has rows). */
async function jobCount(name: string): Promise<number> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(env.FOLLOWER_SESSION.getByName(name), (_instance, state) =>
    Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs").one().n),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the default account", () => {
  it("is served at /wechat exactly as a single-account deployment", async () => {
    const openid = newOpenid("acc-default");
    expect((await postOnce(textMessageXml({ openid, content: "默认账号" }))).content).toBe("echo: 默认账号");
    const [call] = await difyAsks(openid);
    expect(call?.auth).toBe("Bearer app-test-key");
    expect(await jobCount(openid)).toBe(1);
  });
});

describe("a named account", () => {
  it("answers at /wechat/<name> with its own token, key, AppID and Dify app", async () => {
    const openid = newOpenid("acc-shop");
    const reply = await postToShop(textMessageXml({ openid, content: "hello shop" }));
    expect(reply.status).toBe(200);
    expect(reply.content).toBe("echo: hello shop");
    const [call] = await difyAsks(openid);
    expect(call?.auth).toBe("Bearer app-shop-key");
    expect(await jobCount(followerObjectName("shop", openid))).toBe(1);
    expect(await jobCount(openid)).toBe(0);
  });

  it("passes WeChat's console check at its own URL with its own token", async () => {
    const res = await exports.default.fetch(await wechatVerifyGet("shop-echo", { token: SHOP.token, path: SHOP.path }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("shop-echo");
  });

  it("takes the top-level settings it does not give, but never the WeChat identity", () => {
    const shop = configFor(env as AppEnv, "shop");
    const top = configFor(env as AppEnv);
    expect(shop.wechat.appId).toBe(SHOP.appId);
    expect(shop.wechat.token).toBe(SHOP.token);
    expect(shop.wechat.appSecret).toBe("shop-app-secret");
    expect(shop.language).toBe("en_US");
    expect(shop.delivery.customMessages).toBe(true);
    // Shared: the Dify server, the API proxy, the timeouts.
    expect(shop.dify.apiBase).toBe(top.dify.apiBase);
    expect(shop.wechat.apiBase).toBe(top.wechat.apiBase);
    // An account that gives no Dify key of its own would use the top-level one; "typo" does so.
    expect(configFor(env as AppEnv, "typo").dify.apiKey).toBe(top.dify.apiKey);
    expect(configFor(env as AppEnv, "typo").wechat.appSecret).toBeUndefined();
    expect(configFor(env as AppEnv, "typo").wechat.appId).toBe("");
  });
});

describe("isolation between accounts", () => {
  it("refuses a callback signed with the default account's token at the shop's URL, and the other way round", async () => {
    const openid = newOpenid("acc-cross");
    const xml = textMessageXml({ openid, content: "cross" });
    const defaultSigned = await exports.default.fetch(await wechatPost(xml, { path: SHOP.path }));
    expect(defaultSigned.status).toBe(403);
    const shopSigned = await exports.default.fetch(await wechatPost(xml, { ...shopOpts, path: "/wechat" }));
    expect(shopSigned.status).toBe(403);
    expect(await difyCalls(openid)).toEqual([]);
    expect(await jobCount(openid)).toBe(0);
    expect(await jobCount(followerObjectName("shop", openid))).toBe(0);
  });

  it("keeps the same openid at two accounts as two followers: own answers, own '1'", async () => {
    const openid = newOpenid("acc-twin");
    // Pull mode at the default account: a slow answer waits for "1".
    const slow = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 默认的慢问题" }));
    expect(slow.reply?.content).toContain(PROMPT);
    // At the shop, the same openid has nothing waiting: its "1" is a question of its own.
    expect((await postToShop(textMessageXml({ openid, content: "1" }))).content).toBe("echo: 1");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe("echo: 默认的慢问题");
    const asks = await difyAsks(openid);
    expect(asks.map((c) => [c.auth, c.body.query])).toEqual([
      ["Bearer app-test-key", "[delay=16000] 默认的慢问题"],
      ["Bearer app-shop-key", "1"],
    ]);
  });

  it("sends the shop's late answers by CS with the shop's own AppID and token", async () => {
    const openid = newOpenid("acc-cs");
    const seen = await (async () => {
      // WeChat's three requests, as deliverLikeWechat does, to the shop's URL.
      const xml = textMessageXml({ openid, content: "[delay=16000] slow shop question" });
      let last: { status: number; content?: string } | undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        const response = exports.default.fetch(await wechatPost(xml, shopOpts)).then((res) => readReply(res, "safe", SHOP));
        const outcome = await Promise.race([response, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000))]);
        if (outcome !== "timeout") {
          last = outcome;
          break;
        }
      }
      return last;
    })();
    expect(seen?.content).toBe(HOLDING_EN);
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 20_000);
    expect(sent).toEqual(["echo: slow shop question"]);
    const appids = (await (await fetch(`${inject("wechatApiUrl")}/__sent-appids?user=${openid}`)).json()) as string[];
    expect(appids).toEqual([SHOP.appId]);
  });

  it("forgets only the account's follower on its unsubscribe", async () => {
    const openid = newOpenid("acc-unsub");
    await postOnce(textMessageXml({ openid, content: "留下" }));
    await postToShop(textMessageXml({ openid, content: "bye" }));
    await postToShop(eventXml({ openid, event: "unsubscribe" }));
    expect(await jobCount(followerObjectName("shop", openid))).toBe(0);
    expect(await jobCount(openid)).toBe(1);
  });
});

describe("accounts that cannot be served", () => {
  it("answers an unknown account's URL with 404 and touches nothing", async () => {
    const openid = newOpenid("acc-unknown");
    const post = await exports.default.fetch(await wechatPost(textMessageXml({ openid, content: "谁" }), { path: "/wechat/nope" }));
    expect(post.status).toBe(404);
    const get = await exports.default.fetch(await wechatVerifyGet("x", { path: "/wechat/nope" }));
    expect(get.status).toBe(404);
    expect(await difyCalls(openid)).toEqual([]);
  });

  it("answers 500 for an account without a token of its own, naming it in the log, and the others keep serving", async () => {
    const lines: string[] = [];
    const record = (...args: unknown[]) => void lines.push(String(args[0]));
    vi.spyOn(console, "error").mockImplementation(record);
    const res = await exports.default.fetch(await wechatVerifyGet("x", { path: "/wechat/clinic" }));
    expect(res.status).toBe(500);
    expect(lines.some((l) => l.includes("CLINIC_WECHAT_TOKEN") && l.includes('"account":"clinic"'))).toBe(true);
    vi.restoreAllMocks();
    const openid = newOpenid("acc-after-clinic");
    expect((await postToShop(textMessageXml({ openid, content: "still here" }))).content).toBe("echo: still here");
  });

  it("reports each mistake in ACCOUNTS by name and serves the valid accounts", () => {
    const { problems, settings } = accountTable(env as AppEnv);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('"Bad_Name" is not an account name'),
      expect.stringContaining("ACCOUNTS.typo.LANGUAG is not a setting"),
      expect.stringContaining("ACCOUNTS.typo.DIFY_API_KEY is a secret"),
    ]));
    expect([...settings.keys()].sort()).toEqual(["clinic", "shop", "typo"]);
  });
});

describe("logs", () => {
  it("name the account on every line, the summary line included", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const record = (...args: unknown[]) => {
      try {
        lines.push(JSON.parse(String(args[0])) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
    };
    vi.spyOn(console, "log").mockImplementation(record);
    vi.spyOn(console, "warn").mockImplementation(record);
    const openid = newOpenid("acc-logs");
    await postToShop(textMessageXml({ openid, content: "log me" }));
    await postOnce(textMessageXml({ openid, content: "日志" }));
    vi.restoreAllMocks();
    const ours = lines.filter((l) => typeof l.event === "string");
    expect(ours.length).toBeGreaterThan(0);
    for (const line of ours) expect(["shop", "default"]).toContain(line.account);
    const summaries = ours.filter((l) => l.event === "message");
    expect(summaries.map((l) => l.account).sort()).toEqual(["default", "shop"]);
  });
});
