/**
 * A handoff in customer-service mode (account "desk": ENABLE_CUSTOM_MESSAGE, WeChat's shortest timeout): an answer
 * still being written when the follower asks for a human is never pushed to them afterwards.
 */
import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { csTexts } from "../support/wechat-api-records";
import { deliver, post } from "./callbacks";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a handoff in CS mode", () => {
  it("stops the pending answer: nothing of it goes out by customer service", async () => {
    const openid = newOpenid("handoff-cs");
    const question = textMessageXml({ openid, content: "[delay=2500] 慢问题" });
    // WeChat's three requests end with the holding text: the answer is left to the alarm and customer service.
    expect((await deliver(question, "desk", 500))?.content).toBe("内容生成耗时较长，请稍等...");
    expect((await post(textMessageXml({ openid, content: "人工" }), "desk")).msgType).toBe("transfer_customer_service");
    // Without the handoff the answer would have been sent by now (2.5 s of thinking).
    await sleep(2500);
    expect(await csTexts(openid)).toEqual([]);
    expect(await difyAsks(openid)).toHaveLength(1);
  });
});
