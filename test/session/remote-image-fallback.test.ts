/**
 * A follower's picture Dify could not fetch by URL. Dify only HEADs the URL before streaming and downloads it after
 * the stream started, so the failure arrives as an in-stream `error`, or as response headers held past our connect
 * deadline. The worker then uploads the picture and asks once more, but only while no answer text has streamed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { readConfig, type AppEnv } from "../../src/config";
import { DifyClient } from "../../src/dify";
import { accessTokenGetter } from "../../src/session/access-token-store";
import { askDify, type AskWork } from "../../src/session/ask-dify";
import { WechatApiClient } from "../../src/wechat/api-client";
import { buildTexts } from "../../src/texts";
import { difyCalls, newOpenid } from "../support/dify-calls";
import { replayDirective } from "../support/dify-streams";
import { messageXml } from "../support/wechat-fixtures";
import { postOnce } from "../support/wechat-retries";

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

  it("is uploaded and asked again when Dify holds its response headers past the connect deadline", async () => {
    const openid = newOpenid("img-connect");
    const config = readConfig({ ...env, DIFY_API_BASE: inject("difyUrl"), WECHAT_API_BASE: inject("wechatApiUrl") } as AppEnv);
    // The worker's connect deadline is 15 s; a shorter one here shows the same path in a second.
    const dify = new DifyClient({ apiBase: config.dify.apiBase, apiKey: config.dify.apiKey, connectTimeoutMs: 400 });
    const wechatApi = new WechatApiClient({ apiBase: config.wechat.apiBase, getToken: accessTokenGetter(env) });
    const work = {
      do: "ask", messageType: "image", query: "请看这张图片。",
      files: [{ type: "image", url: "https://mmbiz.example/p.jpg?[hold=3000]", mediaId: `image-${openid}` }],
    } as AskWork;
    let conversation: string | undefined;
    const answer = await askDify(work, {
      config, dify, wechatApi, openid,
      conversation: { get: () => conversation, set: (id) => { conversation = id; }, epoch: () => 0 },
    });
    expect(answer.text).toBe("echo: 请看这张图片。");
    expect((await difyCalls(openid)).map((c) => c.path)).toEqual(["/chat-messages", "/files/upload", "/chat-messages"]);
  });
});
