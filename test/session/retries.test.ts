import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readReply, textMessageXml, wechatPost } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat } from "../support/wechat-retries";

describe("WeChat's retries and the follower's queue", () => {
  it("makes one Dify call for three concurrent deliveries of one message, and all three get the answer", async () => {
    const openid = newOpenid("concurrent");
    const xml = textMessageXml({ openid, content: "[delay=1500] 三次投递" });
    const responses = await Promise.all([0, 1, 2].map(async () => exports.default.fetch(await wechatPost(xml, { mode: "safe" }))));
    const replies = await Promise.all(responses.map((res) => readReply(res, "safe")));
    expect(replies.map((r) => r.content)).toEqual(["echo: 三次投递", "echo: 三次投递", "echo: 三次投递"]);
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("replies on the held first request the moment the answer lands", async () => {
    const openid = newOpenid("held");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=3000] 稍等" }));
    expect(seen.attempt).toBe(1);
    expect(seen.reply?.content).toBe("echo: 稍等");
  });

  it("gives a 7 s answer passively on WeChat's second request, after the first was cut", async () => {
    const openid = newOpenid("seven");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=7000] 慢一点" }));
    expect(seen.attempt).toBe(2);
    expect(seen.reply?.content).toBe("echo: 慢一点");
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("answers a second message only after the first, in arrival order, in the same conversation", async () => {
    const openid = newOpenid("order");
    const first = deliverLikeWechat(textMessageXml({ openid, content: "[delay=2500] first" }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = deliverLikeWechat(textMessageXml({ openid, content: "second" }));
    const [a, b] = await Promise.all([first, second]);
    expect(a.reply?.content).toBe("echo: first");
    expect(b.reply?.content).toBe("echo: second");
    const calls = await difyAsks(openid);
    expect(calls.map((c) => c.body.query)).toEqual(["[delay=2500] first", "second"]);
    // The second call starts only once the first has finished (its delay is over).
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2500);
    expect(calls[0]!.body.conversation_id).toBeUndefined();
    expect(typeof calls[1]!.body.conversation_id).toBe("string");
  });

  it("sends the same Dify request shape Dify expects: user, query, inputs and streaming", async () => {
    const openid = newOpenid("shape");
    await deliverLikeWechat(textMessageXml({ openid, content: "hello" }));
    const [call] = await difyAsks(openid);
    expect(call?.auth).toBe("Bearer app-test-key");
    expect(call?.body).toMatchObject({ user: openid, query: "hello", response_mode: "streaming", inputs: { wechat_message_type: "text" } });
  });
});
