import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";
import { csSent, eventually } from "../support/wechat-api-records";

describe("images the app returns, in CS mode", () => {
  it("reach the follower as WeChat image messages after the text", async () => {
    const openid = newOpenid("cs-image");
    const reply = await postOnce(textMessageXml({ openid, content: "[files] [answer=这是你要的图]" }));
    expect(reply.content).toBe("这是你要的图");
    const sent = await eventually(() => csSent(openid), (list) => list.length > 0, 15_000);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.msgtype).toBe("image");
    expect(typeof sent[0]?.image?.media_id).toBe("string");
  });
});
