import { afterEach, describe, expect, it, vi } from "vitest";
import { readConfig, type AppEnv } from "../../src/config";
import { acceptCallback } from "../../src/http/inbound";
import { TEST_AES_KEY, TEST_APP_ID, TEST_TOKEN, textMessageXml, wechatPost } from "../support/wechat-fixtures";

/** A Config as the worker would read it from these settings. */
function configWith(settings: Record<string, string>) {
  return readConfig({ WECHAT_TOKEN: TEST_TOKEN, WECHAT_APP_ID: TEST_APP_ID, DIFY_API_KEY: "app-k", ...settings } as unknown as AppEnv);
}

const SIGNED_AT = 1_800_000_000;
const at = (seconds: number) => seconds * 1000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("acceptCallback's clock", () => {
  const config = configWith({ WECHAT_ENCODING_AES_KEY: TEST_AES_KEY });
  const request = () => wechatPost(textMessageXml({ openid: "o_clock", content: "hi" }), { mode: "safe", timestamp: String(SIGNED_AT) });

  it("accepts a signature up to 300 s old or ahead and refuses it at 301", async () => {
    expect((await acceptCallback(await request(), config, at(SIGNED_AT + 300))).ok).toBe(true);
    expect((await acceptCallback(await request(), config, at(SIGNED_AT - 300))).ok).toBe(true);
    for (const now of [SIGNED_AT + 301, SIGNED_AT - 301]) {
      expect(await acceptCallback(await request(), config, at(now))).toEqual({ ok: false, status: 403, reason: "stale or malformed timestamp" });
    }
  });
});

describe("acceptCallback with an AES key", () => {
  const plaintext = () => wechatPost(textMessageXml({ openid: "o_secret_follower", content: "1" }), { mode: "plain" });

  it("refuses plaintext unless WECHAT_ACCEPT_PLAINTEXT is true", async () => {
    const result = await acceptCallback(await plaintext(), configWith({ WECHAT_ENCODING_AES_KEY: TEST_AES_KEY }));
    expect(result).toEqual({ ok: false, status: 403, reason: "plaintext callback while safe mode is configured" });
  });

  it("accepts plaintext with WECHAT_ACCEPT_PLAINTEXT=true and warns each time, without the openid or a secret", async () => {
    const config = configWith({ WECHAT_ENCODING_AES_KEY: TEST_AES_KEY, WECHAT_ACCEPT_PLAINTEXT: "true" });
    const warn = vi.spyOn(console, "warn");
    for (let i = 0; i < 2; i++) {
      const result = await acceptCallback(await plaintext(), config);
      expect(result.ok && result.message.fromUser).toBe("o_secret_follower");
      expect(result.ok && result.cipher).toBeUndefined();
    }
    const lines = warn.mock.calls.map((args) => String(args[0]));
    expect(lines.filter((line) => line.includes('"event":"plaintext_accepted"'))).toHaveLength(2);
    for (const secret of ["o_secret_follower", TEST_AES_KEY, TEST_TOKEN]) expect(lines.join("\n")).not.toContain(secret);
  });

  it("does not warn about plaintext on an account without a key, where plaintext is the only mode", async () => {
    const warn = vi.spyOn(console, "warn");
    expect((await acceptCallback(await plaintext(), configWith({}))).ok).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
});
