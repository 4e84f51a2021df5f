import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csSent, eventually } from "../support/wechat-api-records";
import { askWithReplay } from "../support/replay-worker";

/** Reads until two reads 2 s apart agree: the images of one answer go out back to back, so a repeat would show. */
async function settled<T>(read: () => Promise<T[]>): Promise<T[]> {
  let before = await read();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await read();
    if (now.length === before.length) return now;
    before = now;
  }
}

describe("images the app returns, in CS mode", () => {
  it("reach the follower as WeChat image messages after the text", async () => {
    const openid = newOpenid("cs-image");
    const reply = await postOnce(textMessageXml({ openid, content: "[files] [answer=这是你要的图]" }));
    // A chatflow shows the image in its Markdown too (see the stand-in's answers.ts); the text comes first.
    expect(reply.content?.startsWith("这是你要的图")).toBe(true);
    await eventually(() => csSent(openid), (list) => list.length > 0, 15_000);
    const sent = await settled(() => csSent(openid));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.msgtype).toBe("image");
    expect(typeof sent[0]?.image?.media_id).toBe("string");
  });

  it("push one generated image once, though Dify sent it as three differently signed URLs (chatflow-image.sse)", async () => {
    const { openid, reply } = await askWithReplay("chatflow-image");
    expect(reply.content).toMatch(/^好的，画好了：/);
    await eventually(() => csSent(openid), (list) => list.some((m) => m.msgtype === "image"), 15_000);
    const images = (await settled(() => csSent(openid))).filter((m) => m.msgtype === "image");
    expect(images).toHaveLength(1);
  });
});
