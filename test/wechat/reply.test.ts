import { describe, expect, it } from "vitest";
import { WechatCipher } from "../../src/wechat/crypto.js";
import { encryptReplyXml, textReplyXml } from "../../src/wechat/reply.js";
import { isValidMsgSignature } from "../../src/wechat/signature.js";
import { parseWechatXml } from "../../src/wechat/xml.js";
import { AES_KEY, WECHATPY_APP_ID, WECHATPY_RANDOM, WECHATPY_REPLY_XML } from "../support/wechatpy-vectors.js";

const APP_ID = "wx5823bf96d3bd56c7";
const TOKEN = "test-token";

describe("textReplyXml", () => {
  it("answers the follower: To and From swapped from the incoming message", () => {
    const xml = textReplyXml({ toUser: "gh_123", fromUser: "oUser1" }, "你好", 1700000000);
    expect(parseWechatXml(xml)).toEqual({
      ToUserName: "oUser1",
      FromUserName: "gh_123",
      CreateTime: "1700000000",
      MsgType: "text",
      Content: "你好",
    });
  });

  it("writes the fields in WeChat's documented order with a bare CreateTime", () => {
    expect(textReplyXml({ toUser: "gh", fromUser: "o" }, "hi", 1700000000)).toBe(
      "<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>",
    );
  });

  it("carries content containing ']]>' and markup unchanged", () => {
    const content = "code: a[b[0]]> </Content> & done";
    expect(parseWechatXml(textReplyXml({ toUser: "gh", fromUser: "o" }, content, 1700000000))["Content"]).toBe(content);
  });

  it("refuses a millisecond timestamp", () => {
    expect(() => textReplyXml({ toUser: "gh", fromUser: "o" }, "x", 1700000000000)).toThrow(RangeError);
  });
});

describe("encryptReplyXml", () => {
  it("builds the envelope with Encrypt, MsgSignature, a 10-digit TimeStamp and Nonce, in that order", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const envelope = await encryptReplyXml(cipher, TOKEN, "<xml/>", 1700000000, "nonce123");
    const fields = parseWechatXml(envelope);
    expect(Object.keys(fields)).toEqual(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]);
    expect(fields["TimeStamp"]).toMatch(/^\d{10}$/);
    expect(fields["Nonce"]).toBe("nonce123");
    expect(envelope).toContain("<TimeStamp>1700000000</TimeStamp>");
  });

  it("signs the envelope so msg_signature verifies against its own TimeStamp and Nonce", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const fields = parseWechatXml(await encryptReplyXml(cipher, TOKEN, "<xml/>", 1700000000, "nonce123"));
    const q = { msg_signature: fields["MsgSignature"], timestamp: fields["TimeStamp"], nonce: fields["Nonce"] };
    expect(await isValidMsgSignature(TOKEN, q, fields["Encrypt"] ?? "")).toBe(true);
    expect(await isValidMsgSignature("other-token", q, fields["Encrypt"] ?? "")).toBe(false);
  });

  it("encrypts the reply so it decrypts back to the plain XML", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const plain = textReplyXml({ toUser: "gh_123", fromUser: "oUser1" }, "回答 ]]> done", 1700000000);
    const fields = parseWechatXml(await encryptReplyXml(cipher, TOKEN, plain, 1700000000, "42"));
    const decrypted = await cipher.decrypt(fields["Encrypt"] ?? "");
    expect(decrypted).toBe(plain);
    expect(parseWechatXml(decrypted)["Content"]).toBe("回答 ]]> done");
  });

  it("reproduces wechatpy's published envelope signature for its fixed random", async () => {
    const cipher = await WechatCipher.create(AES_KEY, WECHATPY_APP_ID);
    const fields = parseWechatXml(
      await encryptReplyXml(cipher, "123456", WECHATPY_REPLY_XML, 1411525903, "461056294", WECHATPY_RANDOM),
    );
    expect(fields["MsgSignature"]).toBe("407518b7649e86ef23978113f92d27afa9296533");
    expect(fields["TimeStamp"]).toBe("1411525903");
  });

  it("refuses a millisecond timestamp, the known cause of safe-mode failures", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    await expect(encryptReplyXml(cipher, TOKEN, "<xml/>", Date.now(), "1")).rejects.toThrow(RangeError);
    await expect(encryptReplyXml(cipher, TOKEN, "<xml/>", 1700000000.5, "1")).rejects.toThrow(RangeError);
  });
});
