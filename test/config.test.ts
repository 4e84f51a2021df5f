import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, type AppEnv } from "../src/config";
import { buildTexts, parseLanguage } from "../src/texts";

const valid = {
  WECHAT_TOKEN: "t",
  DIFY_API_KEY: "app-k",
  WECHAT_APP_ID: "wx1",
  RETRY_WAIT_TIMEOUT_RATIO: "0.7",
  MAX_CONTINUE_COUNT: "2",
  ENABLE_CUSTOM_MESSAGE: "false",
  DIFY_APP_TYPE: "chat",
};
const config = (overrides: Record<string, string | undefined>) =>
  readConfig({ ...valid, ...overrides } as unknown as AppEnv);

describe("settings", () => {
  it("uses the documented defaults", () => {
    const c = readConfig({ WECHAT_TOKEN: "t" } as unknown as AppEnv);
    expect(c.wechat.apiBase).toBe("https://api.weixin.qq.com");
    expect(c.dify.apiBase).toBe("https://api.dify.ai/v1");
    expect(c.dify.appKind).toBeUndefined();
    expect(c.delivery).toEqual({ customMessages: false, retryWaitRatio: 0.7, maxContinueCount: 2, partMaxBytes: 2048 });
    expect(c.language).toBe("zh_Hans");
  });

  it("refuses to serve without WECHAT_TOKEN, naming it", () => {
    expect(() => config({ WECHAT_TOKEN: "" })).toThrow(ConfigError);
    expect(() => config({ WECHAT_TOKEN: undefined })).toThrow(/WECHAT_TOKEN/);
  });

  it("never silently uses an out-of-range value: it reports it and uses the default", () => {
    const c = config({ RETRY_WAIT_TIMEOUT_RATIO: "1.5", MAX_CONTINUE_COUNT: "-1" });
    expect(c.delivery.retryWaitRatio).toBe(0.7);
    expect(c.delivery.maxContinueCount).toBe(2);
    expect(c.problems.some((p) => p.startsWith("RETRY_WAIT_TIMEOUT_RATIO="))).toBe(true);
    expect(c.problems.some((p) => p.startsWith("MAX_CONTINUE_COUNT="))).toBe(true);
  });

  it("reports a bad URL, flag, app type, language, inputs and AES key by name", () => {
    const c = config({
      DIFY_API_BASE: "ftp://x",
      ENABLE_CUSTOM_MESSAGE: "maybe",
      DIFY_APP_TYPE: "robot",
      LANGUAGE: "xx",
      DIFY_INPUTS: "[1,2]",
      WECHAT_ENCODING_AES_KEY: "short",
    });
    for (const name of ["DIFY_API_BASE", "ENABLE_CUSTOM_MESSAGE", "DIFY_APP_TYPE", "LANGUAGE", "DIFY_INPUTS", "WECHAT_ENCODING_AES_KEY"]) {
      expect(c.problems.some((p) => p.startsWith(name))).toBe(true);
    }
    expect(c.wechat.encodingAesKey).toBeUndefined();
    expect(c.dify.appKind).toBeUndefined();
  });

  it("does not turn on CS mode without the app secret, and says why", () => {
    const c = config({ ENABLE_CUSTOM_MESSAGE: "true" });
    expect(c.delivery.customMessages).toBe(false);
    expect(c.problems.some((p) => p.includes("WECHAT_APP_SECRET"))).toBe(true);
    expect(config({ ENABLE_CUSTOM_MESSAGE: "true", WECHAT_APP_SECRET: "s" }).delivery.customMessages).toBe(true);
  });

  it("accepts Dify's own mode names for DIFY_APP_TYPE", () => {
    expect(config({ DIFY_APP_TYPE: "advanced-chat" }).dify.appKind).toBe("chat");
    expect(config({ DIFY_APP_TYPE: "agent-chat" }).dify.appKind).toBe("chat");
    expect(config({ DIFY_APP_TYPE: "Workflow" }).dify.appKind).toBe("workflow");
  });

  it("never puts a secret into a problem line", () => {
    const c = config({ WECHAT_ENCODING_AES_KEY: "secret-but-wrong-length", DIFY_INPUTS: "{bad" });
    expect(c.problems.join("\n")).not.toContain("secret-but-wrong-length");
  });
});

describe("follower-visible texts", () => {
  it("exist in four languages", () => {
    const holding = ["zh_Hans", "en_US", "ja_JP", "pt_BR"].map((l) => buildTexts(parseLanguage(l)!, {}).holding);
    expect(new Set(holding).size).toBe(4);
    expect(parseLanguage("zh-CN")).toBe("zh_Hans");
    expect(parseLanguage("pt-BR")).toBe("pt_BR");
    expect(parseLanguage("klingon")).toBeUndefined();
  });

  it("can each be replaced by its own setting, with \\n escapes", () => {
    const texts = buildTexts("en_US", { TIMEOUT_MESSAGE: "Hold on\\nplease", FAILURE_MESSAGE: "Oops" });
    expect(texts.holding).toBe("Hold on\nplease");
    expect(texts.failure).toBe("Oops");
    expect(texts.cleared).toBe("Conversation cleared. Let's start again.");
  });
});
