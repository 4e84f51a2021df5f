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
    expect(c.delivery).toEqual({
      customMessages: false,
      retryWaitRatio: 0.7,
      maxContinueCount: 2,
      partMaxBytes: 2048,
      maxQueuedQuestions: 3,
      streamingFirst: true,
    });
    expect(c.page).toEqual({ enabled: true, publicBaseUrl: undefined });
    expect(c.wechat.acceptPlaintext).toBe(false);
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

  it("reads MAX_QUEUED_QUESTIONS as a whole number in 0..20, reporting anything else", () => {
    expect(config({ MAX_QUEUED_QUESTIONS: "0" }).delivery.maxQueuedQuestions).toBe(0);
    expect(config({ MAX_QUEUED_QUESTIONS: "20" }).delivery.maxQueuedQuestions).toBe(20);
    for (const bad of ["21", "-1", "2.5", "many"]) {
      const c = config({ MAX_QUEUED_QUESTIONS: bad });
      expect(c.delivery.maxQueuedQuestions).toBe(3);
      expect(c.problems.some((p) => p.startsWith("MAX_QUEUED_QUESTIONS="))).toBe(true);
    }
  });

  it("accepts plaintext beside safe mode only when WECHAT_ACCEPT_PLAINTEXT says so, and warns while it does", () => {
    const key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    const strict = config({ WECHAT_ENCODING_AES_KEY: key });
    expect(strict.wechat.acceptPlaintext).toBe(false);
    expect(strict.problems.some((p) => p.includes("WECHAT_ACCEPT_PLAINTEXT"))).toBe(false);

    const lenient = config({ WECHAT_ENCODING_AES_KEY: key, WECHAT_ACCEPT_PLAINTEXT: "true" });
    expect(lenient.wechat.acceptPlaintext).toBe(true);
    expect(lenient.problems.some((p) => p.startsWith("WECHAT_ACCEPT_PLAINTEXT is true"))).toBe(true);
    expect(lenient.problems.join("\n")).not.toContain(key);

    const bad = config({ WECHAT_ACCEPT_PLAINTEXT: "sometimes" });
    expect(bad.wechat.acceptPlaintext).toBe(false);
    expect(bad.problems.some((p) => p.startsWith("WECHAT_ACCEPT_PLAINTEXT="))).toBe(true);
  });

  it("allows an http:// API base but reports it by name, since credentials would travel in clear text", () => {
    const c = config({ WECHAT_API_BASE: "http://127.0.0.1:8787", DIFY_API_BASE: "http://dify.internal/v1" });
    expect(c.wechat.apiBase).toBe("http://127.0.0.1:8787");
    expect(c.dify.apiBase).toBe("http://dify.internal/v1");
    for (const name of ["WECHAT_API_BASE", "DIFY_API_BASE"]) {
      expect(c.problems.some((p) => p.startsWith(name) && p.includes("http://") && p.includes("clear text"))).toBe(true);
    }
    const secure = config({ WECHAT_API_BASE: "https://api.weixin.qq.com", DIFY_API_BASE: "https://dify.example/v1" });
    expect(secure.problems.some((p) => p.includes("clear text"))).toBe(false);
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

  it("include a busy text in each language, replaceable by BUSY_MESSAGE", () => {
    const busy = ["zh_Hans", "en_US", "ja_JP", "pt_BR"].map((l) => buildTexts(parseLanguage(l)!, {}).busy);
    expect(new Set(busy).size).toBe(4);
    for (const text of busy) expect(text.trim()).not.toBe("");
    expect(buildTexts("en_US", { BUSY_MESSAGE: "One at a time, please." }).busy).toBe("One at a time, please.");
  });

  it("can each be replaced by its own setting, with \\n escapes", () => {
    const texts = buildTexts("en_US", { TIMEOUT_MESSAGE: "Hold on\\nplease", FAILURE_MESSAGE: "Oops" });
    expect(texts.holding).toBe("Hold on\nplease");
    expect(texts.failure).toBe("Oops");
    expect(texts.cleared).toBe("Conversation cleared. Let's start again.");
  });
});
