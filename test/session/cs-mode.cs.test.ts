import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { csTexts, eventually, expireToken, failNextSends, tokenStats, typingSent } from "../support/wechat-api-records";
import { chineseProse } from "../support/prose";
import { MORE } from "../support/follower-texts";

const HOLDING = "内容生成耗时较长，请稍等...";
const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe("customer-service mode: late answers are pushed", () => {
  it("answers a 20 s question with one holding text, then the answer by CS exactly once", async () => {
    const openid = newOpenid("cs-late");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=20000] 慢慢想" }));
    expect(seen.attempt).toBe(3);
    expect(seen.reply?.content).toBe(HOLDING);
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 20_000);
    expect(sent).toEqual(["echo: 慢慢想"]);
    const [call] = await difyAsks(openid);
    expect(call).toBeDefined();
    // Re-running the alarm sends nothing again.
    await runDurableObjectAlarm(env.FOLLOWER_SESSION.getByName(openid));
    expect(await csTexts(openid)).toEqual(["echo: 慢慢想"]);
    expect(await difyAsks(openid)).toHaveLength(1);
    expect(await typingSent(openid)).toContain("Typing");
  });

  it("still delivers exactly once when the access token expires mid-way", async () => {
    const openid = newOpenid("cs-token");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=17000] 令牌过期" }));
    expect(seen.reply?.content).toBe(HOLDING);
    // Make sure a token is cached, then let WeChat expire it while the answer is still being written.
    await env.ACCESS_TOKEN_STORE.getByName("default").getToken();
    const before = await tokenStats();
    await expireToken();
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 20_000);
    expect(sent).toEqual(["echo: 令牌过期"]);
    // The send met 42001 and the shared token was force-refreshed once: the refresh path really ran.
    expect((await tokenStats()).forcedRefreshes).toBe(before.forcedRefreshes + 1);
  });

  it("stops at 45047 (quota used) and keeps the rest for 1", async () => {
    const openid = newOpenid("cs-quota");
    await failNextSends(openid, 45047, 1);
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 配额用完" }));
    expect(seen.reply?.content).toBe(HOLDING);
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await eventually(
      () => runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM parts WHERE via = 'pull-ready'").one().n),
      (n) => Number(n) > 0,
      20_000,
    );
    expect(await csTexts(openid)).toEqual([]);
    const pulled = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(pulled.content).toBe("echo: 配额用完");
  });

  it("sends a long answer as one passive part plus CS parts within the 5-message budget, the rest on 1", async () => {
    const openid = newOpenid("cs-long");
    const first = await postOnce(textMessageXml({ openid, content: "[long=5000] 长回答" }));
    const cs = await eventually(() => csTexts(openid), (texts) => texts.length >= 5, 20_000);
    expect(cs).toHaveLength(5);
    expect(MORE.test(cs[4] ?? "")).toBe(true);
    const parts = [first.content ?? "", ...cs];
    while (MORE.test(parts.at(-1) ?? "") && parts.length < 20) {
      parts.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
    }
    for (const part of parts) expect(utf8(part)).toBeLessThanOrEqual(2048);
    const joined = parts.map((p) => p.replace(MORE, "")).join("");
    expect(joined.replace(/\s/g, "")).toBe(chineseProse(5000).replace(/\s/g, ""));
  });

  it("sends finished paragraphs of a slow, long answer before the answer is complete", async () => {
    const openid = newOpenid("cs-progressive");
    // ~2700 bytes of text streamed in 12 chunks, one every 2 s after a 14 s wait: done at ~36 s.
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=14000][chunks=12][gap=2000][long=900] 渐进" }));
    expect(seen.reply?.content).toBe(HOLDING);
    const early = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 30_000);
    expect(early.length).toBeGreaterThan(0);
    // When the first part arrived, Dify was still streaming: the stand-in has not finished the answer yet.
    const { answeredParts } = await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_i, state) => ({
      answeredParts: state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs WHERE status = 'done' AND kind = 'ask'").one().n,
    }));
    expect(Number(answeredParts)).toBe(0);
    const all = await eventually(() => csTexts(openid), (texts) => texts.join("").replace(/\s/g, "").length >= 900, 40_000);
    expect(all.join("").replace(/\s/g, "")).toBe(chineseProse(900).replace(/\s/g, ""));
  });
});
