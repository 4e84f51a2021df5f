import { describe, expect, it } from "vitest";
import { eventXml, messageXml, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, difyCalls, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

const now = () => Math.floor(Date.now() / 1000);

describe("a plain chatbot found through /info, English texts, no app secret", () => {
  it("detects the app kind from GET /info and chats", async () => {
    const openid = newOpenid("basic");
    expect((await postOnce(textMessageXml({ openid, content: "hello" }))).content).toBe("echo: hello");
    expect((await difyAsks(openid))[0]?.path).toBe("/chat-messages");
  });

  it("describes an image in text when the app takes no image input", async () => {
    const openid = newOpenid("basic-image");
    const picUrl = "https://mmbiz.example/p.jpg";
    const xml = messageXml({ ToUserName: "gh", FromUserName: openid, CreateTime: now(), MsgType: "image", PicUrl: picUrl, MediaId: "image-1", MsgId: "91" });
    const reply = await postOnce(xml);
    expect(reply.content).toBe(`echo: Please look at this image.\n${picUrl}`);
    const [call] = await difyAsks(openid);
    expect(call?.body.files).toBeUndefined();
  });

  it("asks the follower to type when a voice message cannot be transcribed", async () => {
    const openid = newOpenid("basic-voice");
    const xml = messageXml({ ToUserName: "gh", FromUserName: openid, CreateTime: now(), MsgType: "voice", MediaId: "voice-1", Format: "amr", MsgId: "92" });
    expect((await postOnce(xml)).content).toBe("Sorry, I couldn't make out that voice message. Please type it.");
    expect(await difyAsks(openid)).toEqual([]);
  });

  it("greets new followers with WELCOME_MESSAGE", async () => {
    const openid = newOpenid("basic-welcome");
    expect((await postOnce(eventXml({ openid, event: "subscribe" }))).content).toBe("Welcome aboard!");
    expect(await difyCalls(openid)).toEqual([]);
  });

  it("speaks the configured language when Dify fails", async () => {
    const openid = newOpenid("basic-fail");
    expect((await postOnce(textMessageXml({ openid, content: "[status=500] x" }))).content).toBe(
      "Sorry, I can't answer right now. Please try again later.",
    );
  });
});
