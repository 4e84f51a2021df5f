/**
 * WeChat's CS quota: 5 messages after each message from the follower, reset (not added to) by their next act, and
 * every send after that act counted against it (WeChat's rules since June 2023: "用户发送消息 5条 48小时"; quotas do
 * not accumulate). Found by the session model (test/session/session-model.model.test.ts, seed 20261202, path 6):
 * parts still queued when the follower wrote again went out on top of 5 new ones, and WeChat would refuse the sixth.
 */
import { describe, expect, it } from "vitest";
import { CS_BUDGET_AFTER_MESSAGE } from "../../src/session/delivery-plan";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csTexts, eventually } from "../support/wechat-api-records";
import { chineseProse } from "../support/prose";
import { asksForOne, withoutNote } from "../support/follower-texts";

const SECOND = "第二个回答的每一句话也必须完整而且按顺序送达关注者。";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const flat = (texts: readonly string[]) => texts.map(withoutNote).join("").replace(/\s/g, "");
const base64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

describe("the CS quota after a follower's message", () => {
  it("counts parts still queued from an earlier answer, so no more than 5 CS messages follow one message", async () => {
    const openid = newOpenid("cs-quota");
    const firstAnswer = chineseProse(3300);
    const secondAnswer = Array.from({ length: 12 }, (_, i) => `${SECOND.repeat(6)}第${i + 1}段。`).join("\n\n");
    // Several parts: the first as the reply, the rest queued for CS (held a second behind the reply).
    const first = await postOnce(textMessageXml({ openid, content: "[long=3300] 第一个长问题" }));
    // The reply came as soon as its part was final; the stand-in ends the answer a moment later, without pauses.
    await sleep(300);
    // The follower writes again before those went out: from now on every CS message counts against this message.
    const second = await postOnce(textMessageXml({ openid, content: `[answer64=${base64(secondAnswer)}] 第二个长问题` }));
    await eventually(() => csTexts(openid), (texts) => texts.length > 0, 20_000);
    await sleep(3000);
    const cs = await csTexts(openid);
    expect(cs.length).toBeGreaterThan(0);
    expect(cs.length).toBeLessThanOrEqual(CS_BUDGET_AFTER_MESSAGE);
    // Nothing lost: the first answer came whole by reply and CS; the second by reply, CS and "1".
    const [ofFirst, ofSecond] = [cs.filter((t) => !t.includes(SECOND)), cs.filter((t) => t.includes(SECOND))];
    expect(flat([first.content ?? "", ...ofFirst])).toBe(flat([firstAnswer]));
    const pulled: string[] = [];
    let last = [second.content ?? "", ...ofSecond].at(-1) ?? "";
    while (asksForOne(last) && pulled.length < 20) {
      last = (await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "";
      pulled.push(last);
    }
    expect(flat([second.content ?? "", ...ofSecond, ...pulled])).toBe(flat([secondAnswer]));
  });
});
