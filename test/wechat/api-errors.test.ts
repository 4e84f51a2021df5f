import { describe, expect, it } from "vitest";
import { WechatApiError, actionFor, redactSecrets } from "../../src/wechat/api-errors";

describe("actionFor", () => {
  it.each([40001, 40014, 42001])("asks for a token refresh on %i", (code) => {
    expect(actionFor(code)).toBe("refresh-token");
  });

  it.each([-1, 45009, -2, -3])("says retry later on %i", (code) => {
    expect(actionFor(code)).toBe("retry-later");
  });

  it.each([45015, 45047, 48001, 43004, 40164, 45002, -4, 41004, 99999])("says stop on %i and on unknown codes", (code) => {
    expect(actionFor(code)).toBe("stop");
  });
});

describe("WechatApiError", () => {
  it("carries errcode, errmsg and action and names both in its message", () => {
    const err = new WechatApiError(45047, "out of response count limit");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("WechatApiError");
    expect(err.errcode).toBe(45047);
    expect(err.errmsg).toBe("out of response count limit");
    expect(err.action).toBe("stop");
    expect(err.message).toBe("WeChat API error 45047: out of response count limit");
  });

  it("names the failed call in its message when given, and keeps errmsg as WeChat sent it", () => {
    const err = new WechatApiError(45002, "content size out of limit", "POST /cgi-bin/message/custom/send");
    expect(err.message).toBe("WeChat API error 45002 (POST /cgi-bin/message/custom/send): content size out of limit");
    expect(err.errmsg).toBe("content size out of limit");
    expect(err.endpoint).toBe("POST /cgi-bin/message/custom/send");
  });

  it("revives errcode, endpoint and errmsg from a message that crossed Workers RPC", () => {
    const crossed = new Error(new WechatApiError(-3, "no complete answer within 10000 ms", "GET /cgi-bin/media/get").message);
    const revived = WechatApiError.from(crossed);
    expect(revived.errcode).toBe(-3);
    expect(revived.endpoint).toBe("GET /cgi-bin/media/get");
    expect(revived.errmsg).toBe("no complete answer within 10000 ms");
    expect(revived.action).toBe("retry-later");
  });

  it("revives an error that crossed Workers RPC with only its message left", () => {
    const crossed = new Error("WeChat API error 40164: invalid ip, not in whitelist");
    const revived = WechatApiError.from(crossed);
    expect(revived).toBeInstanceOf(WechatApiError);
    expect(revived.errcode).toBe(40164);
    expect(revived.errmsg).toBe("invalid ip, not in whitelist");
    expect(revived.action).toBe("stop");
  });

  it("wraps foreign errors with the fallback code and scrubs secrets from them", () => {
    const revived = WechatApiError.from(new TypeError("Durable Object reset while holding tok-123"), -2, ["tok-123"]);
    expect(revived.errcode).toBe(-2);
    expect(revived.action).toBe("retry-later");
    expect(revived.message).not.toContain("tok-123");
  });

  it("returns a WechatApiError unchanged", () => {
    const err = new WechatApiError(-1, "system busy");
    expect(WechatApiError.from(err)).toBe(err);
  });
});

describe("redactSecrets", () => {
  it("removes given secrets and access_token/secret query parameters", () => {
    const text = "failed https://api/x?access_token=abc.DEF_1&media_id=9 with s3cr3t and secret=zzz";
    const out = redactSecrets(text, ["s3cr3t"]);
    expect(out).toBe("failed https://api/x?access_token=***&media_id=9 with *** and secret=***");
  });
});
