import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csTexts, eventually, failNextSends } from "../support/wechat-api-records";
import { chineseProse } from "../support/prose";
import { MORE } from "../support/follower-texts";


async function hangNextSend(openid: string): Promise<void> {
  await fetch(`${inject("wechatApiUrl")}/__hang`, { method: "POST", body: JSON.stringify({ touser: openid, times: 1 }) });
}

describe("customer-service sends survive WeChat API faults", () => {
  it("retries a busy API (-1) with backoff and delivers every part once, in order", async () => {
    const openid = newOpenid("cs-busy");
    await failNextSends(openid, -1, 2);
    const first = await postOnce(textMessageXml({ openid, content: "[long=2500] 忙" }));
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length >= 3, 30_000);
    const parts = [first.content ?? "", ...sent].map((p) => p.replace(MORE, ""));
    // The parts joined are exactly the answer: nothing lost, nothing sent twice, nothing out of order.
    expect(parts.join("").replace(/\s/g, "")).toBe(chineseProse(2500).replace(/\s/g, ""));
  });

  it("gives up on a send that hangs, and sends it again after the deadline", async () => {
    const openid = newOpenid("cs-hang");
    await hangNextSend(openid);
    const first = await postOnce(textMessageXml({ openid, content: "[long=1000] 卡住" }));
    const sent = await eventually(() => csTexts(openid), (texts) => texts.length >= 1, 40_000);
    expect([first.content ?? "", ...sent].map((p) => p.replace(MORE, "")).join("").replace(/\s/g, "")).toBe(
      chineseProse(1000).replace(/\s/g, ""),
    );
  });
});
