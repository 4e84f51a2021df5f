/**
 * Streaming-first delivery in CS mode (issue 11 §1): the first part of a long answer is the passive reply as soon as
 * it is final; the rest follows by customer service as it finishes, within the 5-message budget, in order, once.
 */
import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { chineseProse } from "../support/prose";
import { csTexts, eventually } from "../support/wechat-api-records";
import { HOLDING, MORE } from "../support/follower-texts";

const utf8 = (text: string): number => new TextEncoder().encode(text).length;

describe("streaming-first delivery (CS mode)", () => {
  it("replies with the first part at once and pushes the rest as it finishes", async () => {
    const openid = newOpenid("stream-cs");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[long=5000][chunks=10][gap=1500] 长回答" }));
    expect(seen.attempt).toBe(1);
    const first = seen.reply?.content ?? "";
    expect(first).not.toBe(HOLDING);
    expect(utf8(first)).toBeLessThanOrEqual(2048);
    // CS parts start while Dify still writes (it ends at ~15 s) and the budget of 5 is never exceeded.
    const early = await eventually(() => csTexts(openid), (texts) => texts.length > 0, 12_000);
    expect(early.length).toBeGreaterThan(0);
    const cs = await eventually(() => csTexts(openid), (texts) => texts.length >= 5, 40_000);
    expect(cs).toHaveLength(5);
    const parts = [first, ...cs];
    while (MORE.test(parts.at(-1) ?? "") && parts.length < 30) {
      parts.push((await postOnce(textMessageXml({ openid, content: "1" }))).content ?? "");
    }
    for (const part of parts) expect(utf8(part)).toBeLessThanOrEqual(2048);
    expect(parts.map((p) => p.replace(MORE, "")).join("").replace(/\s/g, "")).toBe(chineseProse(5000).replace(/\s/g, ""));
    expect(await difyAsks(openid)).toHaveLength(1);
  });
});
