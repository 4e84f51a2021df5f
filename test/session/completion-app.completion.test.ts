import { describe, expect, it } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

describe("a completion app (DIFY_APP_TYPE=completion) with fixed DIFY_INPUTS", () => {
  it("asks /completion-messages with the text as inputs.query and the fixed inputs", async () => {
    const openid = newOpenid("completion");
    expect((await postOnce(textMessageXml({ openid, content: "写一句诗" }))).content).toBe("echo: 写一句诗");
    const [call] = await difyAsks(openid);
    expect(call?.path).toBe("/completion-messages");
    expect(call?.body).toMatchObject({ inputs: { query: "写一句诗", tone: "friendly", wechat_message_type: "text" } });
    expect(call?.body.conversation_id).toBeUndefined();
  });
});
