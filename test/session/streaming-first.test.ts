/**
 * Streaming-first delivery in pull mode (issue 11 §1), with WeChat's real timing: the first part of a long answer is
 * the passive reply as soon as it is final, a "1" while Dify still writes gets what has finished since at once, and
 * WeChat's last try carries whatever has finished rather than a bare prompt. Short answers still come whole.
 */
import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { chineseProse } from "../support/prose";
import { MORE_COMING, PROMPT, asksForOne, withoutNote } from "../support/follower-texts";

const utf8 = (text: string): number => new TextEncoder().encode(text).length;

describe("streaming-first delivery (pull mode)", () => {
  it("replies with the first part as soon as it is final, long before the answer ends", async () => {
    const openid = newOpenid("stream-first");
    // 5000 characters (~15 KB) in 10 deltas 1.5 s apart: the first delta alone is more than a part; the end is at ~15 s.
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[long=5000][chunks=10][gap=1500] 长回答" }));
    expect(seen.attempt).toBe(1);
    expect(seen.elapsedMs).toBeLessThan(5000);
    const first = seen.reply?.content ?? "";
    expect(first.endsWith(MORE_COMING)).toBe(true);
    expect(utf8(first)).toBeLessThanOrEqual(2048);
    // "1"s while Dify is still writing, then after it: the answer whole, in order, nothing twice.
    const parts = [first];
    for (let i = 0; i < 30 && asksForOne(parts.at(-1)!); i++) {
      parts.push((await deliverLikeWechat(textMessageXml({ openid, content: "1" }))).reply?.content ?? "");
    }
    for (const part of parts) expect(utf8(part)).toBeLessThanOrEqual(2048);
    expect(parts.map(withoutNote).join("").replace(/\s/g, "")).toBe(chineseProse(5000).replace(/\s/g, ""));
    expect(await difyAsks(openid)).toHaveLength(1);
  });

  it("answers WeChat's last try with the text finished so far, not a bare prompt", async () => {
    const openid = newOpenid("stream-last-try");
    // 400 characters at once (less than a part), the next 400 at 20 s: the last try (from 10 s) has one finished paragraph.
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[long=1600][chunks=4][gap=20000] 中等长度" }));
    expect(seen.attempt).toBe(3);
    const reply = seen.reply?.content ?? "";
    expect(reply.startsWith(PROMPT)).toBe(false);
    expect(reply.endsWith(MORE_COMING)).toBe(true);
    expect(chineseProse(1500).replace(/\s/g, "").startsWith(withoutNote(reply).replace(/\s/g, ""))).toBe(true);
  });

  it("answers every 1 with what finished since, before WeChat would cut the request", async () => {
    const openid = newOpenid("stream-before-cut");
    // ~70 characters (~210 bytes) a second: a paragraph about every 3 s, a full part only every ~9 s; the end at ~25 s.
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[long=1800][chunks=36][gap=700] 慢慢写" }));
    expect(first.reply?.content?.endsWith(MORE_COMING)).toBe(true);
    // "1" after "1", each sent as soon as the last reply came: one finds nothing new finished when it arrives, and
    // gets the paragraphs that finished while it was held, on its first request rather than WeChat's retry.
    const ones = [];
    const parts = [first.reply?.content ?? ""];
    for (let i = 0; i < 30 && asksForOne(parts.at(-1)!); i++) {
      const one = await deliverLikeWechat(textMessageXml({ openid, content: "1" }));
      ones.push(one);
      parts.push(one.reply?.content ?? "");
    }
    expect(ones.map((one) => one.attempt)).toEqual(ones.map(() => 1));
    expect(parts.map(withoutNote).join("").replace(/\s/g, "")).toBe(chineseProse(1800).replace(/\s/g, ""));
  });

  it("still sends a short answer whole, in one reply", async () => {
    const openid = newOpenid("stream-short");
    const seen = await deliverLikeWechat(textMessageXml({ openid, content: "[long=400][chunks=4][gap=800] 短回答" }));
    expect(seen.reply?.content).toBe(chineseProse(400).trim());
    const after = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(after.content).toBe("echo: 1");
  });
});
