/**
 * Dify signs every file URL it hands out and refuses it 5 minutes later (FILES_ACCESS_TIMEOUT=300, then 403; see
 * core/file/helpers.py and core/tools/signature.py in Dify). A follower in pull mode may read the answer hours later,
 * so such a link is never put in the text they get.
 */
import { describe, expect, it } from "vitest";
import { withoutSignedImages } from "../../src/session/answering";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";
import { PROMPT } from "../support/follower-texts";

describe("links to an answer's images, in pull mode", () => {
  it("are given with an answer read at once, inside the links' 5 minutes", async () => {
    const openid = newOpenid("pull-image-fresh");
    const reply = await postOnce(textMessageXml({ openid, content: "[files] [answer=这是你要的图]" }));
    expect(reply.content?.startsWith("这是你要的图")).toBe(true);
    expect(reply.content).toMatch(/\/files\/tools\/[^\s]+sign=/);
  });

  it("leave out Dify's signed file URLs from an answer collected later, when they would be dead", async () => {
    const openid = newOpenid("pull-image-late");
    const first = await deliverLikeWechat(textMessageXml({ openid, content: "[delay=16000][files] [answer=这是你要的图]" }));
    expect(first.reply?.content).toContain(PROMPT);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const later = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(later.content?.startsWith("这是你要的图")).toBe(true);
    expect(later.content).not.toMatch(/sign=|\/files\/tools\//);
  });
});

describe("withoutSignedImages", () => {
  it("keeps the alt text of a signed image and leaves other images alone", () => {
    const signed = "![猫](https://dify.example/files/tools/3f2a9b6e-1c4d-4e8f-9a0b-7c6d5e4f3a2b.png?timestamp=1&nonce=2&sign=3)";
    const plain = "![logo](https://cdn.example/logo.png)";
    expect(withoutSignedImages(`看：${signed} 和 ${plain}`)).toBe(`看：猫 和 ${plain}`);
  });

  it("is linear on hostile input (no backtracking on unclosed brackets)", () => {
    const hostile = "![".repeat(20_000) + "](";
    expect(withoutSignedImages(hostile)).toBe(hostile);
  });
});
