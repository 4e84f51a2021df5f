import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { messageXml, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { chineseProse } from "../support/prose";
import { CONTINUE_LATER, PROMPT, asksForOne, withoutNote } from "../support/follower-texts";


describe("pull mode (no customer-service API): late answers are collected with 1", () => {
  it("prompts on the last retry, then hands the answer to a 1 sent while it is still being written", async () => {
    const openid = newOpenid("pull-during");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=19000] 慢问题" }));
    expect(first.attempt).toBe(3);
    expect(first.reply?.content).toBe(`${PROMPT}（还可等待2次）`);
    // The answer lands at ~19 s; this "1" arrives at ~14 s and is held until it does.
    const one = await deliverLikeWechat(textMessageXml({ openid, content: "1" }));
    expect(one.reply?.content).toBe("echo: 慢问题");
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("keeps an unclaimed answer for a 1 sent much later, even after clean-up has run", async () => {
    const openid = newOpenid("pull-later");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 很久以后" }));
    expect(first.reply?.content).toContain(PROMPT);
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    // Wait for the answer to be stored, then age the record by 23 hours and let the alarm clean up.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE jobs SET first_seen = first_seen - ?", 23 * 3600_000);
    });
    await runDurableObjectAlarm(stub);
    const later = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(later.content).toBe("echo: 很久以后");
    // Nothing left: a further "1" is an ordinary question.
    const again = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(again.content).toBe("echo: 1");
  });

  it("delivers a 5000-character Chinese answer whole and in order: first part passively, the rest on each 1", async () => {
    const openid = newOpenid("pull-long");
    const first = await postOnce(textMessageXml({ openid, content: "[long=5000] 长回答" }));
    const parts = [first.content ?? ""];
    for (let i = 0; i < 20 && asksForOne(parts.at(-1) ?? ""); i++) {
      parts.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
    }
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(new TextEncoder().encode(part).length).toBeLessThanOrEqual(2048);
    const joined = parts.map(withoutNote).join("");
    expect(joined.replace(/\s/g, "")).toBe(chineseProse(5000).replace(/\s/g, ""));
    expect(asksForOne(parts.at(-1) ?? "")).toBe(false);
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("counts the prompts down and then promises the answer for any later 1", async () => {
    const openid = newOpenid("pull-count");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=45000] 特别慢" }));
    expect(first.reply?.content).toBe(`${PROMPT}（还可等待2次）`);
    const second = await deliverLikeWechat(textMessageXml({ openid, content: "1" }));
    expect(second.reply?.content).toBe(`${PROMPT}（还可等待1次）`);
    const third = await deliverLikeWechat(textMessageXml({ openid, content: "1" }));
    expect(third.reply?.content).toBe(CONTINUE_LATER);
    const fourth = await deliverLikeWechat(textMessageXml({ openid, content: "1" }));
    expect(fourth.reply?.content).toBe("echo: 特别慢");
  });
});

describe("a tapped 1", () => {
  it("arrives with a bizmsgmenuid and is handled like a typed one", async () => {
    const openid = newOpenid("pull-tapped");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000] 点一下" }));
    expect(first.reply?.content).toContain(PROMPT);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const tapped = messageXml({
      ToUserName: "gh_test_account", FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: "text",
      Content: "1", MsgId: `8${Date.now()}`, bizmsgmenuid: "1",
    });
    expect((await postOnce(tapped)).content).toBe("echo: 点一下");
  });
});
