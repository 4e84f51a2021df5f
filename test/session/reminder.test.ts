import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { EARLIER_WAITING } from "../support/follower-texts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("an answer the follower has not collected is not forgotten", () => {
  it("reminds them with their next reply, until they send 1", async () => {
    const openid = newOpenid("reminder");
    const slow = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=15000] 慢问题" }));
    expect(slow.reply?.content).toMatch(/^生成答复中/);
    await sleep(2500); // the slow answer is now stored, waiting for "1"
    const next = await postOnce(textMessageXml({ openid, content: "新问题" }));
    expect(next.content).toBe(`echo: 新问题${EARLIER_WAITING}`);
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe("echo: 慢问题");
    // Collected: no more reminders.
    expect((await postOnce(textMessageXml({ openid, content: "再问" }))).content).toBe("echo: 再问");
  });
});
