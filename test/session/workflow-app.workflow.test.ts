import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

describe("a workflow app, detected through GET /info", () => {
  it("runs the workflow with the message as inputs.query and replies its output", async () => {
    const openid = newOpenid("workflow");
    expect((await postOnce(textMessageXml({ openid, content: "总结一下" }))).content).toBe("echo: 总结一下");
    const [call] = await difyAsks(openid);
    expect(call?.path).toBe("/workflows/run");
    expect(call?.body).toMatchObject({ inputs: { query: "总结一下", wechat_message_type: "text" }, response_mode: "streaming", user: openid });
  });

  it("adds the links of files the workflow produced (no CS push in this mode)", async () => {
    const openid = newOpenid("workflow-files");
    const reply = await postOnce(textMessageXml({ openid, content: "[files] [answer=画好了]" }));
    const origin = inject("difyUrl").replace(/\/v1$/, "");
    // Dify signs tool-file URLs (core/tools/signature.py): the link is the stand-in's signed /files/tools/ URL.
    const [text, link, ...rest] = (reply.content ?? "").split("\n\n");
    expect(text).toBe("画好了");
    expect(link?.startsWith(`${origin}/files/tools/`)).toBe(true);
    expect(link).toMatch(/\.png\?timestamp=\d+&nonce=[0-9a-f]{32}&sign=/);
    expect(rest).toEqual([]);
  });
});
