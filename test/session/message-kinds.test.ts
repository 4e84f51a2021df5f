import { describe, expect, it } from "vitest";
import { eventXml, messageXml, textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, difyCalls, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

const base = (openid: string, type: string) => ({
  ToUserName: "gh_test_account",
  FromUserName: openid,
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: type,
});
let ids = 0;
const msgId = () => `88${Date.now()}${++ids}`;

describe("every WeChat message kind does the right thing", () => {
  it("gives an image to the app as an image file", async () => {
    const openid = newOpenid("image");
    const picUrl = "https://mmbiz.example/pic.jpg";
    const reply = await postOnce(messageXml({ ...base(openid, "image"), PicUrl: picUrl, MediaId: "image-1", MsgId: msgId() }));
    expect(reply.content).toBe("echo: 请看这张图片。");
    const [call] = await difyAsks(openid);
    expect(call?.body.files).toEqual([{ type: "image", transfer_method: "remote_url", url: picUrl }]);
    expect(call?.body.inputs).toMatchObject({ wechat_message_type: "image" });
  });

  it("uploads the image itself when Dify cannot fetch the picture's URL", async () => {
    const openid = newOpenid("image-upload");
    const reply = await postOnce(
      messageXml({ ...base(openid, "image"), PicUrl: "https://unreachable.example/p.jpg", MediaId: "image-2", MsgId: msgId() }),
    );
    expect(reply.content).toBe("echo: 请看这张图片。");
    const calls = await difyCalls(openid);
    expect(calls.map((c) => c.path)).toEqual(["/chat-messages", "/files/upload", "/chat-messages"]);
    const files = calls[2]!.body.files as Array<Record<string, unknown>>;
    expect(files[0]).toMatchObject({ type: "image", transfer_method: "local_file" });
    expect(typeof files[0]!.upload_file_id).toBe("string");
  });

  it("uses WeChat's recognition of a voice message as the question", async () => {
    const openid = newOpenid("voice-rec");
    const xml = messageXml({ ...base(openid, "voice"), MediaId: "voice-1", Format: "amr", Recognition: "明天天气怎么样", MsgId: msgId() });
    expect((await postOnce(xml)).content).toBe("echo: 明天天气怎么样");
  });

  it("transcribes a voice message with Dify's speech to text when WeChat gave no recognition", async () => {
    const openid = newOpenid("voice-stt");
    const xml = messageXml({ ...base(openid, "voice"), MediaId: "voice-2", Format: "amr", MsgId: msgId() });
    expect((await postOnce(xml)).content).toBe("echo: transcribed voice");
    const paths = (await difyCalls(openid)).map((c) => c.path);
    expect(paths).toEqual(["/audio-to-text", "/chat-messages"]);
  });

  it("turns a shared link into a clear question", async () => {
    const openid = newOpenid("link");
    const xml = messageXml({ ...base(openid, "link"), Title: "标题", Description: "描述", Url: "https://example.com/a", MsgId: msgId() });
    await postOnce(xml);
    const [call] = await difyAsks(openid);
    expect(call?.body.query).toBe("我分享了一个链接：\n标题\n描述\nhttps://example.com/a");
  });

  it("turns a shared location into a clear question", async () => {
    const openid = newOpenid("location");
    const xml = messageXml({ ...base(openid, "location"), Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: "广州塔", MsgId: msgId() });
    await postOnce(xml);
    const [call] = await difyAsks(openid);
    expect(call?.body.query).toBe("我的位置：广州塔 (23.134521, 113.358803)");
  });

  for (const kind of ["video", "shortvideo", "music-unknown"]) {
    it(`answers ${kind} politely without asking Dify`, async () => {
      const openid = newOpenid(kind);
      const reply = await postOnce(messageXml({ ...base(openid, kind), MediaId: "m", ThumbMediaId: "t", MsgId: msgId() }));
      expect(reply.content).toBe("暂不支持这种消息，请发送文字。");
      expect(await difyCalls(openid)).toEqual([]);
    });
  }
});

describe("events", () => {
  it("welcomes a new follower with the app's own answer", async () => {
    const openid = newOpenid("subscribe");
    const reply = await postOnce(eventXml({ openid, event: "subscribe", eventKey: "qrscene_123" }));
    expect(reply.content).toMatch(/^echo: 有新用户刚刚关注了公众号/);
  });

  it("sends a menu click's key to Dify as the question", async () => {
    const openid = newOpenid("click");
    const reply = await postOnce(eventXml({ openid, event: "CLICK", eventKey: "今日推荐" }));
    expect(reply.content).toBe("echo: 今日推荐");
  });

  for (const event of ["VIEW", "LOCATION", "SCAN", "TEMPLATESENDJOBFINISH", "scancode_push"]) {
    it(`acknowledges ${event} with success and no text`, async () => {
      const openid = newOpenid(event);
      const reply = await postOnce(eventXml({ openid, event, eventKey: "x" }));
      expect(reply.status).toBe(200);
      expect(reply.raw).toBe("success");
      expect(await difyCalls(openid)).toEqual([]);
    });
  }

  it("forgets the follower on unsubscribe: a later message starts a new conversation", async () => {
    const openid = newOpenid("unsubscribe");
    await postOnce(textMessageXml({ openid, content: "你好" }));
    const bye = await postOnce(eventXml({ openid, event: "unsubscribe" }));
    expect(bye.raw).toBe("success");
    await postOnce(textMessageXml({ openid, content: "我回来了" }));
    const calls = await difyAsks(openid);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body.conversation_id).toBeUndefined();
  });
});
