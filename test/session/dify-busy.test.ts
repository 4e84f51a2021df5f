/**
 * A busy Dify: the app's concurrency cap (429, or 400 invalid_param "Too many requests. Please try again later."
 * through flask-restx's handler order) and a model's rate limit mid-stream (completion_request_error 400). The
 * worker asks once more after a short pause while nothing has streamed, then gives the polite text, and never takes
 * a busy answer for a refused picture.
 */
import { describe, expect, it } from "vitest";
import { buildTexts } from "../../src/texts";
import { difyAsks, difyCalls, newOpenid } from "../support/dify-calls";
import { replayDirective } from "../support/dify-streams";
import { messageXml, textMessageXml } from "../support/wechat-fixtures";
import { postOnce } from "../support/wechat-retries";

const POLITE = buildTexts("zh_Hans", {}).failure;
const CAP_AS_400 = "[status=400:invalid_param:Too many requests. Please try again later.]";

describe("when Dify is busy", () => {
  it("asks once more after a model rate limit, then gives the polite text (chat-rate-limit.sse)", async () => {
    const openid = newOpenid("busy-model");
    const reply = await postOnce(textMessageXml({ openid, content: `${replayDirective("chat-rate-limit")} 问题` }));
    expect(reply.content).toBe(POLITE);
    expect(reply.raw).not.toMatch(/Rate Limit|openai/);
    expect(await difyAsks(openid)).toHaveLength(2);
  });

  it("asks once more when the app's concurrency cap answers 400 invalid_param", async () => {
    const openid = newOpenid("busy-cap");
    expect((await postOnce(textMessageXml({ openid, content: `${CAP_AS_400} 问题` }))).content).toBe(POLITE);
    expect(await difyAsks(openid)).toHaveLength(2);
  });

  it("never takes the busy 400 for a refused picture: nothing is uploaded", async () => {
    const openid = newOpenid("busy-image");
    const xml = messageXml({
      ToUserName: "gh_test_account", FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: "image",
      PicUrl: `https://mmbiz.example/p.jpg?${CAP_AS_400}`, MediaId: `image-${openid}`, MsgId: `6${Date.now()}`,
    });
    expect((await postOnce(xml)).content).toBe(POLITE);
    expect((await difyCalls(openid)).map((c) => c.path)).toEqual(["/chat-messages", "/chat-messages"]);
  });
});
