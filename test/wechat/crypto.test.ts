import { createCipheriv, createDecipheriv } from "node:crypto";
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { WechatCipher } from "../../src/wechat/crypto.js";
import { WechatProtocolError } from "../../src/wechat/errors.js";
import {
  AES_KEY,
  WECHATPY_APP_ID,
  WECHATPY_ECHO,
  WECHATPY_INBOUND,
  WECHATPY_RANDOM,
  WECHATPY_REPLY_ENCRYPT,
  WECHATPY_REPLY_XML,
} from "../support/wechatpy-vectors.js";

const APP_ID = "wx5823bf96d3bd56c7";
const RANDOM = WECHATPY_RANDOM;

// --- An independent reference: node:crypto raw AES-256-CBC with WeChat's 32-byte PKCS#7 done by hand. ---
const KEY = Buffer.from(`${AES_KEY}=`, "base64");
const IV = KEY.subarray(0, 16);

function nodeEncryptRaw(plain: Buffer): string {
  const cipher = createCipheriv("aes-256-cbc", KEY, IV);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString("base64");
}

function nodeDecryptRaw(encrypted: string): Buffer {
  const decipher = createDecipheriv("aes-256-cbc", KEY, IV);
  decipher.setAutoPadding(false);
  return Buffer.concat([decipher.update(Buffer.from(encrypted, "base64")), decipher.final()]);
}

function wechatPlaintext(msg: Buffer, appId: string, random: Uint8Array = RANDOM): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  return Buffer.concat([Buffer.from(random), length, msg, Buffer.from(appId)]);
}

function pkcs7x32(data: Buffer): Buffer {
  const pad = 32 - (data.length % 32);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

function nodeEncrypt(msg: string, appId = APP_ID): string {
  return nodeEncryptRaw(pkcs7x32(wechatPlaintext(Buffer.from(msg, "utf8"), appId)));
}

function nodeDecrypt(encrypted: string): { msg: string; appId: string; pad: number } {
  const plain = nodeDecryptRaw(encrypted);
  const pad = plain[plain.length - 1] ?? 0;
  const body = plain.subarray(0, plain.length - pad);
  const length = body.readUInt32BE(16);
  return { msg: body.subarray(20, 20 + length).toString("utf8"), appId: body.subarray(20 + length).toString(), pad };
}

/** A message of ASCII letters whose WeChat plaintext needs exactly `pad` bytes of padding (appid of 18 chars). */
function messageWithPad(pad: number, extraBlocks = 1): string {
  const fixed = 16 + 4 + APP_ID.length;
  const length = (((32 - pad - fixed) % 32) + 32) % 32 + 32 * extraBlocks;
  return "<xml>".concat("m".repeat(length)).slice(0, length);
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WechatProtocolError);
    return (error as WechatProtocolError).reason;
  }
  throw new Error("expected a WechatProtocolError");
}

describe("WechatCipher with wechatpy's published vectors", () => {
  it("decrypts wechatpy's echo string", async () => {
    const cipher = await WechatCipher.create(AES_KEY, WECHATPY_APP_ID);
    expect(await cipher.decrypt(WECHATPY_ECHO)).toBe("5927782489442352469");
  });

  it("decrypts wechatpy's inbound text message", async () => {
    const cipher = await WechatCipher.create(AES_KEY, WECHATPY_APP_ID);
    const xml = await cipher.decrypt(WECHATPY_INBOUND);
    expect(xml).toContain("<Content><![CDATA[test]]></Content>");
    expect(xml).toContain("<FromUserName><![CDATA[messense]]></FromUserName>");
    expect(xml).toContain("<MsgId>4363689963896700987</MsgId>");
  });

  it("encrypts wechatpy's reply to the exact published ciphertext with its fixed random", async () => {
    const cipher = await WechatCipher.create(AES_KEY, WECHATPY_APP_ID);
    expect(await cipher.encrypt(WECHATPY_REPLY_XML, RANDOM)).toBe(WECHATPY_REPLY_ENCRYPT);
  });

  it("refuses wechatpy's ciphertexts under another AppID", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    expect(await reasonOf(cipher.decrypt(WECHATPY_INBOUND))).toBe("bad-appid");
  });
});

describe("WechatCipher at every pad length", () => {
  const pads = Array.from({ length: 32 }, (_, i) => i + 1);

  it.each(pads)("encrypts a message needing %i pad bytes exactly like node:crypto with manual padding", async (pad) => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const msg = messageWithPad(pad);
    const ours = await cipher.encrypt(msg, RANDOM);
    expect(nodeDecrypt(ours).pad).toBe(pad);
    expect(ours).toBe(nodeEncrypt(msg));
    expect(Buffer.from(ours, "base64").length % 32).toBe(0);
  });

  it.each(pads)("decrypts node:crypto's ciphertext of a message needing %i pad bytes", async (pad) => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const msg = messageWithPad(pad, 2);
    const theirs = nodeEncrypt(msg);
    expect(nodeDecrypt(theirs).pad).toBe(pad);
    expect(await cipher.decrypt(theirs)).toBe(msg);
  });

  it.each(pads)("round-trips a message needing %i pad bytes with fresh randomness", async (pad) => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const msg = messageWithPad(pad, 0);
    const encrypted = await cipher.encrypt(msg);
    expect(nodeDecrypt(encrypted)).toEqual({ msg, appId: APP_ID, pad });
    expect(await cipher.decrypt(encrypted)).toBe(msg);
  });
});

describe("WechatCipher with Chinese text", () => {
  const xml = "<xml><Content><![CDATA[你好，世界！这是一条中文消息 🚀]]></Content></xml>";

  it("counts the message length in UTF-8 bytes, as node:crypto's reference does", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const ours = await cipher.encrypt(xml, RANDOM);
    expect(ours).toBe(nodeEncrypt(xml));
    expect(nodeDecrypt(ours).msg).toBe(xml);
  });

  it("decrypts node:crypto's ciphertext of Chinese text", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    expect(await cipher.decrypt(nodeEncrypt(xml))).toBe(xml);
  });

  it("round-trips every multi-byte split around the 16- and 32-byte boundaries", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    for (let n = 0; n < 40; n++) {
      const msg = `${"a".repeat(n)}中文`;
      expect(await cipher.decrypt(await cipher.encrypt(msg))).toBe(msg);
    }
  });
});

describe("WechatCipher.create", () => {
  it("rejects keys that are not 43 base64 characters", async () => {
    for (const key of ["", AES_KEY.slice(0, 42), `${AES_KEY}A`, `${AES_KEY.slice(0, 42)}=`, `${AES_KEY.slice(0, 42)}-`]) {
      expect(await reasonOf(WechatCipher.create(key, APP_ID))).toBe("bad-aes-key");
    }
  });

  it("never puts the key into the error message", async () => {
    const badKey = `${AES_KEY.slice(0, 42)}!`;
    const error = await WechatCipher.create(badKey, APP_ID).catch((e: unknown) => e);
    expect(String(error)).not.toContain(badKey.slice(0, 10));
    expect((error as Error).name).toBe("WechatProtocolError");
  });
});

describe("WechatCipher.decrypt refuses what WeChat did not send", () => {
  it("reports bad-base64 for characters outside base64 or a broken length", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    expect(await reasonOf(cipher.decrypt("not base64!"))).toBe("bad-base64");
    expect(await reasonOf(cipher.decrypt("abc"))).toBe("bad-base64");
    expect(await reasonOf(cipher.decrypt(`${WECHATPY_INBOUND.slice(0, -4)}A=A=`))).toBe("bad-base64");
    expect(await reasonOf(cipher.decrypt(`${WECHATPY_INBOUND.slice(0, 8)}\n${WECHATPY_INBOUND.slice(8, 12)}`))).toBe("bad-base64");
  });

  it("reports bad-length for empty input, a single block, or a partial block", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    expect(await reasonOf(cipher.decrypt(""))).toBe("bad-length");
    expect(await reasonOf(cipher.decrypt(Buffer.alloc(16).toString("base64")))).toBe("bad-length");
    expect(await reasonOf(cipher.decrypt(Buffer.alloc(33).toString("base64")))).toBe("bad-length");
    expect(await reasonOf(cipher.decrypt(Buffer.alloc(40).toString("base64")))).toBe("bad-length");
  });

  it("reports bad-length when the declared message length runs past the plaintext", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const plain = wechatPlaintext(Buffer.from("<xml/>"), APP_ID);
    plain.writeUInt32BE(1000, 16);
    expect(await reasonOf(cipher.decrypt(nodeEncryptRaw(pkcs7x32(plain))))).toBe("bad-length");
  });

  it("reports bad-padding for a pad byte of 0, above 32, or pad bytes that disagree", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const body = wechatPlaintext(Buffer.from("<xml/>"), APP_ID); // 44 bytes
    const zero = Buffer.concat([body, Buffer.alloc(20, 0)]);
    const big = Buffer.concat([body, Buffer.alloc(20, 33)]);
    const mixed = Buffer.concat([body, Buffer.alloc(19, 7), Buffer.from([20])]);
    for (const plain of [zero, big, mixed]) {
      expect(await reasonOf(cipher.decrypt(nodeEncryptRaw(plain)))).toBe("bad-padding");
    }
  });

  it("reports bad-padding when a bit of the second-to-last block is flipped in transit", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const bytes = Buffer.from(nodeEncrypt(messageWithPad(20)), "base64");
    bytes[bytes.length - 17] = (bytes[bytes.length - 17] ?? 0) ^ 0x80; // flips the pad byte's high bit
    expect(await reasonOf(cipher.decrypt(bytes.toString("base64")))).toBe("bad-padding");
  });

  it("reports bad-length when the first block is tampered so the length field breaks", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const bytes = Buffer.from(nodeEncrypt("<xml>hello</xml>"), "base64");
    bytes[0] = (bytes[0] ?? 0) ^ 0x80; // flips the top bit of the 4-byte length in block 2
    expect(await reasonOf(cipher.decrypt(bytes.toString("base64")))).toBe("bad-length");
  });

  it("throws a WechatProtocolError, never garbage, when the last block is replaced", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const bytes = Buffer.from(nodeEncrypt("<xml>hello</xml>"), "base64");
    bytes.fill(0xab, bytes.length - 16);
    expect(["bad-padding", "bad-length", "bad-appid", "bad-utf8"]).toContain(await reasonOf(cipher.decrypt(bytes.toString("base64"))));
  });

  it("reports bad-appid when the sealed AppID is another account's", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    expect(await reasonOf(cipher.decrypt(nodeEncrypt("<xml/>", "wx0000000000000000")))).toBe("bad-appid");
    expect(await reasonOf(cipher.decrypt(nodeEncrypt("<xml/>", `${APP_ID}x`)))).toBe("bad-appid");
    expect(await reasonOf(cipher.decrypt(nodeEncrypt("<xml/>", "")))).toBe("bad-appid");
  });

  it("reports bad-utf8 when the message bytes are not UTF-8", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const plain = wechatPlaintext(Buffer.from([0x3c, 0xff, 0xfe, 0x3e]), APP_ID);
    expect(await reasonOf(cipher.decrypt(nodeEncryptRaw(pkcs7x32(plain))))).toBe("bad-utf8");
  });
});

describe("WechatCipher.encrypt", () => {
  it("uses fresh randomness by default, so equal messages give different ciphertexts", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const a = await cipher.encrypt("<xml/>");
    const b = await cipher.encrypt("<xml/>");
    expect(a).not.toBe(b);
    expect(await cipher.decrypt(a)).toBe("<xml/>");
    expect(await cipher.decrypt(b)).toBe("<xml/>");
  });

  it("refuses an injected random prefix that is not 16 bytes", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    await expect(cipher.encrypt("<xml/>", new Uint8Array(15))).rejects.toThrow(RangeError);
  });

  it("handles a message of several hundred KiB", async () => {
    const cipher = await WechatCipher.create(AES_KEY, APP_ID);
    const msg = "长".repeat(200_000);
    expect(await cipher.decrypt(await cipher.encrypt(msg))).toBe(msg);
  });
});
