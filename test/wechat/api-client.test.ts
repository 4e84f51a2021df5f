import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { fetchStableToken } from "../../src/wechat/access-token";
import { WechatApiClient, type WechatApiOptions } from "../../src/wechat/api-client";
import { WechatApiError } from "../../src/wechat/api-errors";

const apiBase = inject("wechatApiUrl");
/** This file's own appid, so expiring or force-refreshing its token touches no other test file. */
const appId = `wx-client-${crypto.randomUUID()}`;

/** A minimal token holder: caches one token and force-refreshes when told the cached one was rejected. */
function tokenSource() {
  let current: string | undefined;
  const requests: (string | undefined)[] = [];
  const getToken = async (rejected?: string): Promise<string> => {
    requests.push(rejected);
    if (current === undefined || rejected === current) {
      current = (await fetchStableToken({ apiBase, appId, appSecret: "s", forceRefresh: rejected !== undefined })).token;
    }
    return current;
  };
  return { getToken, requests, current: () => current };
}

function client(extra: Partial<WechatApiOptions> = {}) {
  const tokens = tokenSource();
  return { api: new WechatApiClient({ apiBase, getToken: tokens.getToken, ...extra }), tokens };
}

const openid = () => `o-${crypto.randomUUID()}`;

async function control(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${apiBase}${path}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

async function sentTo(user: string): Promise<unknown[]> {
  return (await fetch(`${apiBase}/__sent?user=${user}`)).json();
}

async function failure(p: Promise<unknown>): Promise<WechatApiError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WechatApiError);
  return err as WechatApiError;
}

describe("sendText", () => {
  it("delivers a customer-service text message in WeChat's format", async () => {
    const { api } = client();
    const user = openid();
    await api.sendText(user, "你好，世界");
    expect(await sentTo(user)).toEqual([{ touser: user, msgtype: "text", text: { content: "你好，世界" } }]);
  });

  it("refreshes an expired token (42001) with the rejected one named and sends exactly once", async () => {
    const { api, tokens } = client();
    const user = openid();
    await api.sendText(user, "first");
    const before = tokens.current();
    await control("/__expire-token", { appid: appId });
    await api.sendText(user, "second");
    expect(tokens.current()).not.toBe(before);
    expect(tokens.requests).toEqual([undefined, undefined, before]);
    expect(await sentTo(user)).toHaveLength(2);
  });

  it.each([40001, 40014, 42001])("retries once after %i and the message is recorded once", async (code) => {
    const { api, tokens } = client();
    const user = openid();
    await control("/__fail", { touser: user, errcode: code, times: 1 });
    await api.sendText(user, "hello");
    expect(tokens.requests.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await sentTo(user)).toEqual([{ touser: user, msgtype: "text", text: { content: "hello" } }]);
  });

  it("gives up after one retry when the new token is rejected too", async () => {
    const { api, tokens } = client();
    const user = openid();
    await control("/__fail", { touser: user, errcode: 40001, times: 2 });
    const err = await failure(api.sendText(user, "hello"));
    expect(err.errcode).toBe(40001);
    expect(err.action).toBe("refresh-token");
    expect(tokens.requests.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await sentTo(user)).toEqual([]);
  });

  it("reports a busy WeChat (-1) as retry-later without retrying by itself", async () => {
    const { api } = client();
    const user = openid();
    await control("/__fail", { touser: user, errcode: -1, times: 1 });
    const err = await failure(api.sendText(user, "hello"));
    expect(err.errcode).toBe(-1);
    expect(err.action).toBe("retry-later");
    expect(await sentTo(user)).toEqual([]);
    await api.sendText(user, "hello");
    expect(await sentTo(user)).toHaveLength(1);
  });

  it.each([45047, 48001, 45015, 43004])("reports %i as stop", async (code) => {
    const { api } = client();
    const user = openid();
    await control("/__fail", { touser: user, errcode: code, times: 1 });
    const err = await failure(api.sendText(user, "hello"));
    expect(err.errcode).toBe(code);
    expect(err.action).toBe("stop");
    expect(err.name).toBe("WechatApiError");
  });

  it("accepts 2048 UTF-8 bytes and gets 45002 (stop) for one byte more", async () => {
    const { api } = client();
    const user = openid();
    const fits = "字".repeat(682) + "ab"; // 682 * 3 + 2 = 2048 bytes
    await api.sendText(user, fits);
    const err = await failure(api.sendText(user, `${fits}c`));
    expect(err.errcode).toBe(45002);
    expect(err.action).toBe("stop");
    expect(await sentTo(user)).toHaveLength(1);
  });

  it("reports a refused connection as network error -2, retry-later", async () => {
    const { api } = client({ apiBase: "http://127.0.0.1:1", getToken: async () => "tok" });
    const err = await failure(api.sendText(openid(), "hello"));
    expect(err.errcode).toBe(-2);
    expect(err.action).toBe("retry-later");
  });

  it("reports a server that never answers as timeout -3, retry-later", async () => {
    const { api } = client({ timeoutMs: 300 });
    const user = openid();
    await control("/__hang", { touser: user, mode: "headers" });
    const err = await failure(api.sendText(user, "hello"));
    expect(err.errcode).toBe(-3);
    expect(err.action).toBe("retry-later");
  });

  it("applies the deadline to the body too, not only to the headers", async () => {
    const { api } = client({ timeoutMs: 300 });
    const user = openid();
    await control("/__hang", { touser: user, mode: "body" });
    const err = await failure(api.sendText(user, "hello"));
    expect(err.errcode).toBe(-3);
  });

  it("brings back a token failure that crossed RPC as a WechatApiError with its errcode", async () => {
    const getToken = async () => {
      throw new Error("WeChat API error 40164: invalid ip 203.0.113.7, not in whitelist");
    };
    const err = await failure(new WechatApiClient({ apiBase, getToken }).sendText(openid(), "x"));
    expect(err.errcode).toBe(40164);
    expect(err.action).toBe("stop");
  });
});

describe("sendImage", () => {
  it("sends an uploaded image by media_id", async () => {
    const { api } = client();
    const user = openid();
    const mediaId = await api.uploadImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), "a.png", "image/png");
    await api.sendImage(user, mediaId);
    expect(await sentTo(user)).toEqual([{ touser: user, msgtype: "image", image: { media_id: mediaId } }]);
  });

  it("reports an unknown media_id (40007) as stop", async () => {
    const { api } = client();
    const err = await failure(api.sendImage(openid(), "nope"));
    expect(err.errcode).toBe(40007);
    expect(err.action).toBe("stop");
  });
});

describe("typing", () => {
  async function typingOf(user: string): Promise<string[]> {
    return (await fetch(`${apiBase}/__typing?user=${user}`)).json();
  }

  it("turns the indicator on and off", async () => {
    const { api } = client();
    const user = openid();
    expect(await api.typing(user, true)).toBe(true);
    expect(await api.typing(user, false)).toBe(true);
    expect(await typingOf(user)).toEqual(["Typing", "CancelTyping"]);
  });

  it("returns false instead of throwing when WeChat refuses (45080)", async () => {
    const { api } = client();
    const user = openid();
    await control("/__fail", { touser: user, errcode: 45080, times: 1, api: "typing" });
    expect(await api.typing(user, true)).toBe(false);
    expect(await typingOf(user)).toEqual([]);
  });

  it("returns false when the network or the token fails", async () => {
    const refused = new WechatApiClient({ apiBase: "http://127.0.0.1:1", getToken: async () => "tok" });
    expect(await refused.typing(openid(), true)).toBe(false);
    const noToken = new WechatApiClient({ apiBase, getToken: async () => Promise.reject(new Error("boom")) });
    expect(await noToken.typing(openid(), true)).toBe(false);
  });
});

describe("media", () => {
  it("downloads a voice message's AMR bytes with their content type", async () => {
    const { api } = client();
    const media = await api.getMedia("voice-1");
    expect(media.contentType).toBe("audio/amr");
    expect(new TextDecoder().decode(media.bytes.slice(0, 6))).toBe("#!AMR\n");
    expect(media.bytes.byteLength).toBeGreaterThan(6);
  });

  it("reports an unknown media_id (JSON 40007 answer) as a WechatApiError", async () => {
    const { api } = client();
    const err = await failure(api.getMedia("missing-1"));
    expect(err.errcode).toBe(40007);
    expect(err.action).toBe("stop");
  });

  it("refuses a video link answer, which carries no bytes", async () => {
    const { api } = client();
    const err = await failure(api.getMedia("video-1"));
    expect(err.errcode).toBe(-4);
    expect(err.message).toContain("video");
  });

  it("refuses media larger than the size cap", async () => {
    const { api } = client({ maxMediaBytes: 16 });
    const err = await failure(api.getMedia("voice-1"));
    expect(err.errcode).toBe(-4);
    expect(err.action).toBe("stop");
  });

  it("refreshes the token for media downloads too", async () => {
    const { api, tokens } = client();
    await api.getMedia("image-1");
    await control("/__expire-token", { appid: appId });
    const media = await api.getMedia("image-1");
    expect(media.contentType).toBe("image/png");
    expect(tokens.requests.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it("uploads an image as multipart field media and can download it again", async () => {
    const { api } = client();
    const bytes = new Uint8Array(300).map((_v, i) => i % 256);
    const mediaId = await api.uploadImage(bytes, "chart.png", "image/png");
    expect(mediaId).not.toBe("");
    const info = await (await fetch(`${apiBase}/__media?id=${mediaId}`)).json();
    expect(info).toEqual({ filename: "chart.png", contentType: "image/png", size: 300 });
    const back = await api.getMedia(mediaId);
    expect(back.contentType).toBe("image/png");
    expect(Array.from(back.bytes)).toEqual(Array.from(bytes));
  });
});

describe("the access token stays secret", () => {
  it("appears in no error message, whatever fails", async () => {
    const { api, tokens } = client({ timeoutMs: 300 });
    const user = openid();
    await control("/__fail", { touser: user, errcode: 40001, times: 2 });
    await control("/__hang", { touser: `${user}-hang`, mode: "body" });
    await control("/__fail", { touser: user, errcode: -1, times: 1 });
    const errors = [
      await failure(api.sendText(user, "a")),
      await failure(api.sendText(user, "b")),
      await failure(api.sendText(`${user}-hang`, "c")),
      await failure(api.getMedia("missing-2")),
    ];
    const token = tokens.current();
    expect(token).toBeDefined();
    for (const err of errors) {
      expect(err.message).not.toContain(String(token));
      expect(err.errmsg).not.toContain(String(token));
      expect(String(err)).not.toContain("access_token=mock");
    }
  });

  it("is scrubbed even when the runtime's error echoes the request URL", async () => {
    const fetcher: typeof fetch = async (input) => {
      throw new TypeError(`could not connect to ${String(input)}`);
    };
    const api = new WechatApiClient({ apiBase, getToken: async () => "SECRET-TOKEN-42", fetcher });
    const err = await failure(api.sendText(openid(), "x"));
    expect(err.errcode).toBe(-2);
    expect(err.message).not.toContain("SECRET-TOKEN-42");
    expect(err.message).toContain("access_token=***");
  });
});
