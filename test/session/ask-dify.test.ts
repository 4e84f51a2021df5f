import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { readConfig, type AppEnv } from "../../src/config";
import { DifyClient, fileUrlKey } from "../../src/dify";
import { answerFileLinks, answerImages, resolveAppKind } from "../../src/session/ask-dify";

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

const file = (type: string, url: string) => ({ type, url, key: fileUrlKey(url) });

describe("images in an answer", () => {
  it("come from the app's files and the Markdown, absolute, each once", () => {
    const { config } = setup("app-test-key");
    const origin = new URL(inject("difyUrl")).origin;
    const urls = answerImages(
      {
        text: "看图 ![a](/files/tools/x.png) 和 ![b](https://cdn.example/y.jpg) ![a again](/files/tools/x.png)",
        files: [file("image", "https://cdn.example/y.jpg"), file("document", "https://cdn.example/d.pdf")],
        totalMs: 1,
      },
      config,
    );
    expect(urls).toEqual(["https://cdn.example/y.jpg", `${origin}/files/tools/x.png`]);
  });

  it("count one image once although Dify signed its URL afresh in the text and in each file list", () => {
    const { config } = setup("app-test-key");
    const origin = new URL(inject("difyUrl")).origin;
    const id = "6c0d7e2a-9b4f-4d1e-8a3c-5f2b7e9d1c4a";
    const signed = (nonce: string) => `/files/tools/${id}.png?timestamp=1770195430&nonce=${nonce}&sign=${nonce}x=`;
    const urls = answerImages(
      {
        text: `画好了：![cat](${signed("aa11")})`,
        files: [file("image", `${origin}${signed("bb22")}`), file("image", `${origin}${signed("cc33")}`)],
        totalMs: 1,
      },
      config,
    );
    expect(urls).toHaveLength(1);
    expect(urls[0]).toContain(`/files/tools/${id}.png?`);
  });

  it("leave out of the links after the text the files the Markdown already shows under another signature", () => {
    const { config } = setup("app-test-key");
    const origin = new URL(inject("difyUrl")).origin;
    const id = "6c0d7e2a-9b4f-4d1e-8a3c-5f2b7e9d1c4a";
    const shown = `${origin}/files/tools/${id}.png?timestamp=1&nonce=aa&sign=a=`;
    const links = answerFileLinks(
      {
        text: `画好了：![cat](/files/tools/${id}.png?timestamp=1&nonce=bb&sign=b=)`,
        files: [file("image", shown), file("document", "https://cdn.example/d.pdf")],
        totalMs: 1,
      },
      config,
    );
    expect(links).toEqual(["https://cdn.example/d.pdf"]);
  });
});
