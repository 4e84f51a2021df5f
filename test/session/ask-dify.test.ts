import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { readConfig, type AppEnv } from "../../src/config";
import { DifyClient } from "../../src/dify";
import { answerImages, resolveAppKind } from "../../src/session/ask-dify";

function setup(apiKey: string, appType = "") {
  const config = readConfig({ WECHAT_TOKEN: "t", DIFY_API_KEY: apiKey, DIFY_API_BASE: inject("difyUrl"), DIFY_APP_TYPE: appType } as unknown as AppEnv);
  return { config, dify: new DifyClient({ apiBase: config.dify.apiBase, apiKey }) };
}

describe("which kind of Dify app to talk to", () => {
  it("follows DIFY_APP_TYPE when it is set", async () => {
    const { config, dify } = setup("app-workflow-key", "completion");
    expect(await resolveAppKind(config, dify)).toBe("completion");
  });

  it("reads the mode from GET /info when DIFY_APP_TYPE is empty", async () => {
    const { config, dify } = setup("app-workflow-key");
    expect(await resolveAppKind(config, dify)).toBe("workflow");
  });

  it("falls back to chat when an older Dify reports no mode", async () => {
    const { config, dify } = setup("app-old-server-key");
    expect(await resolveAppKind(config, dify)).toBe("chat");
  });

  it("falls back to chat when /info cannot be read", async () => {
    const { config, dify } = setup("app-unknown-key");
    expect(await resolveAppKind(config, dify)).toBe("chat");
  });
});

describe("images in an answer", () => {
  it("come from the app's files and the Markdown, absolute, each once", () => {
    const { config } = setup("app-test-key");
    const origin = new URL(inject("difyUrl")).origin;
    const urls = answerImages(
      {
        text: "看图 ![a](/files/tools/x.png) 和 ![b](https://cdn.example/y.jpg) ![a again](/files/tools/x.png)",
        files: [{ type: "image", url: "https://cdn.example/y.jpg" }, { type: "document", url: "https://cdn.example/d.pdf" }],
        totalMs: 1,
      },
      config,
    );
    expect(urls).toEqual(["https://cdn.example/y.jpg", `${origin}/files/tools/x.png`]);
  });
});
