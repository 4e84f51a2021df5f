import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WechatCipher } from "../../src/wechat/crypto.js";
import { isFreshTimestamp } from "../../src/wechat/freshness.js";
import { encryptReplyXml, textReplyXml } from "../../src/wechat/reply.js";
import { isValidMsgSignature, isValidSignature } from "../../src/wechat/signature.js";
import { parseWechatXml } from "../../src/wechat/xml.js";
import {
  TEST_AES_KEY,
  TEST_APP_ID,
  TEST_TOKEN,
  eventXml,
  messageXml,
  readReply,
  textMessageXml,
  wechatPost,
  wechatVerifyGet,
} from "../support/wechat-fixtures.js";

function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams);
}

describe("test fixtures for WeChat callbacks", () => {
  it("use the same credentials as the worker's test bindings", () => {
    expect(env.WECHAT_TOKEN).toBe(TEST_TOKEN);
    // Optional secrets are not in the generated Env type, so read the binding by name.
    expect((env as unknown as Record<string, unknown>)["WECHAT_ENCODING_AES_KEY"]).toBe(TEST_AES_KEY);
    expect(env.WECHAT_APP_ID).toBe(TEST_APP_ID);
  });

  it("build text messages with a fresh MsgId each time unless one is given", () => {
    const a = parseWechatXml(textMessageXml({ openid: "o1", content: "hi" }));
    const b = parseWechatXml(textMessageXml({ openid: "o1", content: "hi" }));
    expect(a["MsgId"]).not.toBe(b["MsgId"]);
    expect(parseWechatXml(textMessageXml({ openid: "o1", content: "hi", msgId: "9", createTime: 5 }))).toMatchObject({
      FromUserName: "o1",
      MsgType: "text",
      Content: "hi",
      MsgId: "9",
      CreateTime: "5",
    });
  });

  it("build events and arbitrary messages", () => {
    expect(parseWechatXml(eventXml({ openid: "o1", event: "CLICK", eventKey: "K", createTime: 7 }))).toMatchObject({
      MsgType: "event",
      Event: "CLICK",
      EventKey: "K",
      CreateTime: "7",
    });
    expect(parseWechatXml(messageXml({ MsgType: "image", PicUrl: "p", CreateTime: 1 }))).toEqual({
      MsgType: "image",
      PicUrl: "p",
      CreateTime: "1",
    });
  });

  it("send safe mode with a current timestamp by default, since the test deployments have an AES key", async () => {
    const req = await wechatPost(textMessageXml({ openid: "o1", content: "hi" }));
    const q = queryOf(req);
    expect(q["encrypt_type"]).toBe("aes");
    expect(isFreshTimestamp(q["timestamp"])).toBe(true);
    expect(isFreshTimestamp(queryOf(await wechatVerifyGet("e"))["timestamp"])).toBe(true);
  });

  it("keep a fixed timestamp per XML, even one whose CreateTime is long past", async () => {
    const xml = textMessageXml({ openid: "o1", content: "hi", createTime: 1700000000 });
    const first = queryOf(await wechatPost(xml));
    expect(isFreshTimestamp(first["timestamp"])).toBe(true);
    expect(queryOf(await wechatPost(xml))["timestamp"]).toBe(first["timestamp"]);
  });

  it("sign a plain-mode POST that verifies with the test token", async () => {
    const xml = textMessageXml({ openid: "o1", content: "hi" });
    const req = await wechatPost(xml, { mode: "plain" });
    const q = queryOf(req);
    expect(req.method).toBe("POST");
    expect(new URL(req.url).pathname).toBe("/wechat");
    expect(q["openid"]).toBe("o1");
    expect(q["encrypt_type"]).toBeUndefined();
    expect(await isValidSignature(TEST_TOKEN, q)).toBe(true);
    expect(await req.text()).toBe(xml);
  });

  it("encrypt a safe-mode POST whose msg_signature verifies and whose body has only ToUserName and Encrypt", async () => {
    const xml = textMessageXml({ openid: "o1", content: "你好" });
    const req = await wechatPost(xml, { mode: "safe" });
    const q = queryOf(req);
    const body = parseWechatXml(await req.text());
    expect(Object.keys(body)).toEqual(["ToUserName", "Encrypt"]);
    expect(q["encrypt_type"]).toBe("aes");
    expect(await isValidSignature(TEST_TOKEN, q)).toBe(true);
    expect(await isValidMsgSignature(TEST_TOKEN, q, body["Encrypt"] ?? "")).toBe(true);
    const cipher = await WechatCipher.create(TEST_AES_KEY, TEST_APP_ID);
    expect(await cipher.decrypt(body["Encrypt"] ?? "")).toBe(xml);
  });

  it("send both plain fields and Encrypt in compatible mode", async () => {
    const xml = textMessageXml({ openid: "o1", content: "hi" });
    const body = parseWechatXml(await (await wechatPost(xml, { mode: "compat" })).text());
    expect(body).toMatchObject({ ...parseWechatXml(xml) });
    expect(body["Encrypt"]).toBeTruthy();
  });

  it("produce byte-identical retries for the same XML and options", async () => {
    const xml = textMessageXml({ openid: "o1", content: "hi" });
    for (const mode of ["plain", "compat", "safe"] as const) {
      const first = await wechatPost(xml, { mode });
      const second = await wechatPost(xml, { mode });
      expect(second.url).toBe(first.url);
      expect(await second.text()).toBe(await first.text());
    }
  });

  it("sign with another token when asked, so tests can forge bad signatures", async () => {
    const req = await wechatPost(textMessageXml({ openid: "o1", content: "hi" }), { token: "wrong" });
    expect(await isValidSignature(TEST_TOKEN, queryOf(req))).toBe(false);
  });

  it("build the server-verification GET with its echostr", async () => {
    const req = await wechatVerifyGet("echo-123");
    const q = queryOf(req);
    expect(req.method).toBe("GET");
    expect(q["echostr"]).toBe("echo-123");
    expect(await isValidSignature(TEST_TOKEN, q)).toBe(true);
  });

  it("read a plain text reply", async () => {
    const res = new Response(textReplyXml({ toUser: "gh", fromUser: "o1" }, "答案", 1700000000));
    expect(await readReply(res)).toMatchObject({ status: 200, content: "答案", msgType: "text" });
  });

  it("read 'success' as a reply without content", async () => {
    const reply = await readReply(new Response("success"), "safe");
    expect(reply).toEqual({ status: 200, raw: "success" });
  });

  it("decrypt and verify a safe-mode reply", async () => {
    const cipher = await WechatCipher.create(TEST_AES_KEY, TEST_APP_ID);
    const plain = textReplyXml({ toUser: "gh", fromUser: "o1" }, "secret answer", 1700000000);
    const res = new Response(await encryptReplyXml(cipher, TEST_TOKEN, plain, 1700000000, "77"));
    expect(await readReply(res, "safe")).toMatchObject({ content: "secret answer", msgType: "text", xml: plain });
  });

  it("fail loudly on a safe-mode reply that is plaintext XML or signed with another token", async () => {
    const plain = textReplyXml({ toUser: "gh", fromUser: "o1" }, "x", 1700000000);
    await expect(readReply(new Response(plain), "safe")).rejects.toThrow(/plaintext/);
    const cipher = await WechatCipher.create(TEST_AES_KEY, TEST_APP_ID);
    const forged = await encryptReplyXml(cipher, "other-token", plain, 1700000000, "77");
    await expect(readReply(new Response(forged), "safe")).rejects.toThrow(/MsgSignature/);
  });
});
