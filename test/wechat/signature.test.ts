import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  isValidMsgSignature,
  isValidSignature,
  wechatSignature,
} from "../../src/wechat/signature.js";

// wechatpy tests/test_utils.py (plain signature) and tests/test_crypto.py (msg_signature over the echo string).
const PLAIN = { token: "test", signature: "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", timestamp: "1410685589", nonce: "test" };
const SAFE = {
  token: "123456",
  msg_signature: "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
  timestamp: "1411443780",
  nonce: "437374425",
  encrypt: "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
};

describe("wechatSignature", () => {
  it("matches wechatpy's published plain signature vector", async () => {
    expect(await wechatSignature([PLAIN.token, PLAIN.timestamp, PLAIN.nonce])).toBe(PLAIN.signature);
  });

  it("does not depend on the order the parts are given in", async () => {
    expect(await wechatSignature([PLAIN.nonce, PLAIN.timestamp, PLAIN.token])).toBe(PLAIN.signature);
  });

  it("is the sha1 of the sorted concatenation", async () => {
    // sha1("abc") is the FIPS 180 test vector; "b","c","a" sorts to "abc".
    expect(await wechatSignature(["b", "c", "a"])).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
  });
});

describe("isValidSignature", () => {
  it("accepts wechatpy's plain vector", async () => {
    expect(await isValidSignature(PLAIN.token, PLAIN)).toBe(true);
  });

  it("accepts an upper-case hex signature", async () => {
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, signature: PLAIN.signature.toUpperCase() })).toBe(true);
  });

  it("rejects a signature with its last digit changed", async () => {
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, signature: "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe" })).toBe(false);
  });

  it("rejects the right signature under another token, nonce or timestamp", async () => {
    expect(await isValidSignature("other", PLAIN)).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, nonce: "tesu" })).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, timestamp: "1410685590" })).toBe(false);
  });

  it("rejects requests missing any of signature, timestamp or nonce", async () => {
    expect(await isValidSignature(PLAIN.token, { timestamp: PLAIN.timestamp, nonce: PLAIN.nonce })).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, signature: null })).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, signature: "" })).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, timestamp: null })).toBe(false);
    expect(await isValidSignature(PLAIN.token, { ...PLAIN, nonce: undefined })).toBe(false);
  });
});

describe("isValidMsgSignature", () => {
  it("accepts wechatpy's safe-mode vector", async () => {
    expect(await isValidMsgSignature(SAFE.token, SAFE, SAFE.encrypt)).toBe(true);
  });

  it("rejects it when the Encrypt text differs", async () => {
    expect(await isValidMsgSignature(SAFE.token, SAFE, `${SAFE.encrypt.slice(0, -3)}A==`)).toBe(false);
  });

  it("rejects it when the nonce differs (wechatpy's failing vector)", async () => {
    expect(await isValidMsgSignature(SAFE.token, { ...SAFE, nonce: "437374424" }, SAFE.encrypt)).toBe(false);
  });

  it("rejects requests missing msg_signature", async () => {
    expect(await isValidMsgSignature(SAFE.token, { timestamp: SAFE.timestamp, nonce: SAFE.nonce }, SAFE.encrypt)).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  it("is true for equal strings, including empty ones", () => {
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual(PLAIN.signature, `${PLAIN.signature}`)).toBe(true);
    expect(constantTimeEqual("签名", "签名")).toBe(true);
  });

  it("is false for a difference at the first, a middle or the last character", () => {
    expect(constantTimeEqual("abcdef", "xbcdef")).toBe(false);
    expect(constantTimeEqual("abcdef", "abcxef")).toBe(false);
    expect(constantTimeEqual("abcdef", "abcdex")).toBe(false);
  });

  it("is false when one string is a prefix of the other", () => {
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
  });

  it("tells apart characters whose codes share low bits", () => {
    expect(constantTimeEqual("\u0100", "\u0000")).toBe(false);
    expect(constantTimeEqual("A", "a")).toBe(false);
  });
});
