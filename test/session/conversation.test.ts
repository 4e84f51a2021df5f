import { describe, expect, it } from "vitest";
import { eventXml, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

describe("the follower's Dify conversation", () => {
  it("continues one conversation across messages", async () => {
    const openid = newOpenid("conv");
    await postOnce(textMessageXml({ openid, content: "一" }));
    await postOnce(textMessageXml({ openid, content: "二" }));
    await postOnce(textMessageXml({ openid, content: "三" }));
    const calls = await difyAsks(openid);
    expect(calls[0]!.body.conversation_id).toBeUndefined();
    const id = calls[1]!.body.conversation_id;
    expect(typeof id).toBe("string");
    expect(calls[2]!.body.conversation_id).toBe(id);
  });

  it("starts a new conversation after /clear and confirms it", async () => {
    const openid = newOpenid("clear");
    await postOnce(textMessageXml({ openid, content: "记住我" }));
    const cleared = await postOnce(textMessageXml({ openid, content: "/clear" }));
    expect(cleared.content).toBe("已清除对话记录，我们重新开始吧。");
    await postOnce(textMessageXml({ openid, content: "新的开始" }));
    const calls = await difyAsks(openid);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body.conversation_id).toBeUndefined();
  });

  it("clears the conversation from the CLEAR_CONTEXT menu key too", async () => {
    const openid = newOpenid("clear-menu");
    await postOnce(textMessageXml({ openid, content: "第一句" }));
    const cleared = await postOnce(eventXml({ openid, event: "CLICK", eventKey: "CLEAR_CONTEXT" }));
    expect(cleared.content).toBe("已清除对话记录，我们重新开始吧。");
    await postOnce(textMessageXml({ openid, content: "第二句" }));
    const calls = await difyAsks(openid);
    expect(calls[1]!.body.conversation_id).toBeUndefined();
  });

  it("recovers unseen from a conversation Dify no longer knows, and keeps the new one", async () => {
    const openid = newOpenid("stale");
    await postOnce(textMessageXml({ openid, content: "开始" }));
    const reply = await postOnce(textMessageXml({ openid, content: "[forget] 还在吗" }));
    expect(reply.content).toBe("echo: 还在吗");
    await postOnce(textMessageXml({ openid, content: "继续" }));
    const calls = await difyAsks(openid);
    expect(calls).toHaveLength(4);
    // The stale id was tried once, then the question was asked again without it.
    expect(typeof calls[1]!.body.conversation_id).toBe("string");
    expect(calls[2]!.body.conversation_id).toBeUndefined();
    // The conversation Dify created on the retry is the one used next.
    expect(typeof calls[3]!.body.conversation_id).toBe("string");
    expect(calls[3]!.body.conversation_id).not.toBe(calls[1]!.body.conversation_id);
  });
});
