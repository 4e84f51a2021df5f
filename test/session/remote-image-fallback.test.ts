/**
 * A follower's picture Dify could not fetch by URL. Dify only HEADs the URL before streaming and downloads it after
 * the stream started, so the failure arrives as an in-stream `error`, or as response headers held past our connect
 * deadline. The worker then uploads the picture and asks once more, but only while no answer text has streamed.
 */
import { describe, expect, it } from "vitest";
import { buildTexts } from "../../src/texts";
import { difyCalls, newOpenid } from "../support/dify-calls";
import { replayDirective } from "../support/dify-streams";
import { messageXml, textMessageXml } from "../support/wechat-fixtures";
import { deliverLikeWechat, postOnce } from "../support/wechat-retries";

const POLITE = buildTexts("zh_Hans", {}).failure;

function imageMessage(openid: string, picUrl: string): string {
  return messageXml({
    ToUserName: "gh_test_account", FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: "image",
    PicUrl: picUrl, MediaId: `image-${openid}`, MsgId: `7${Date.now()}${Math.floor(Math.random() * 1000)}`,
  });
}

describe("a picture Dify cannot fetch", () => {
  it("is uploaded and asked again when Dify's download fails mid-stream (chat-remote-image-error.sse)", async () => {
    const openid = newOpenid("img-midstream");
    const reply = await postOnce(imageMessage(openid, `https://mmbiz.example/p.jpg?${replayDirective("chat-remote-image-error")}`));
    expect(reply.content).toBe("echo: 请看这张图片。");
    const calls = await difyCalls(openid);
    expect(calls.map((c) => c.path)).toEqual(["/chat-messages", "/files/upload", "/chat-messages"]);
    expect((calls[0]!.body.files as Array<Record<string, unknown>>)[0]).toMatchObject({ transfer_method: "remote_url" });
    expect((calls[2]!.body.files as Array<Record<string, unknown>>)[0]).toMatchObject({ transfer_method: "local_file" });
  });

  it("is not asked again once answer text has streamed: the follower gets the polite text (error-midstream.sse)", async () => {
    const openid = newOpenid("img-late-error");
    const reply = await postOnce(imageMessage(openid, `https://mmbiz.example/p.jpg?${replayDirective("error-midstream")}`));
    expect(reply.content).toBe(POLITE);
    expect((await difyCalls(openid)).map((c) => c.path)).toEqual(["/chat-messages"]);
  });

  it("is uploaded and asked again when Dify holds its headers past the worker's 15 s connect deadline", async () => {
    const openid = newOpenid("img-held");
    // Dify HEADs the URL before it answers; a host that drops packets keeps Dify silent for ~20 s.
    const seen = await deliverLikeWechat(imageMessage(openid, "https://mmbiz.example/p.jpg?[hold=20000]"));
    expect(seen.reply?.content).toMatch(/^生成答复中/);
    const collected = await postOnce(textMessageXml({ openid, content: "1" }));
    expect(collected.content).toBe("echo: 请看这张图片。");
    expect((await difyCalls(openid)).map((c) => c.path)).toEqual(["/chat-messages", "/files/upload", "/chat-messages"]);
  });
});
