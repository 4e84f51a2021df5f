/**
 * Storing an answer's images while Dify's signed URLs still work (src/session/answer-media.ts), against the Dify and
 * WeChat stand-ins: the Dify stand-in serves tool files only under a valid signature, 5 minutes from signing.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { accessTokenGetter } from "../../src/session/access-token-store";
import { storeAnswerMedia } from "../../src/session/answer-media";
import { WechatApiClient } from "../../src/wechat/api-client";
import { clientReplay } from "../support/replay-worker";

const difyApiBase = inject("difyUrl");
const wechatApi = () => new WechatApiClient({ apiBase: inject("wechatApiUrl"), getToken: accessTokenGetter(env) });

describe("an answer's images, stored while their signed URLs work", () => {
  it("become WeChat media, a model's relative .bin image included (read by its Content-Type)", async () => {
    const answer = await (await clientReplay("message-file-relative", "chat")).run;
    const [file] = answer.files;
    expect(file?.url).toMatch(/\/files\/tools\/[0-9a-f-]+\.bin\?timestamp=/);
    const relative = new URL(file!.url).pathname + new URL(file!.url).search;
    const [stored] = await storeAnswerMedia([relative], { difyApiBase, wechatApi: wechatApi() });
    expect(stored?.url).toBe(file!.url);
    expect(typeof stored?.mediaId).toBe("string");
    expect(stored?.expiring).toBeUndefined();
  });

  it("are flagged expiring when the signed URL no longer works, and kept plain when the link is not Dify's", async () => {
    const dead = "/files/tools/a4e878dd-bb5c-40f5-a836-8b38776bcef7.png?timestamp=1&nonce=00&sign=bad=";
    const elsewhere = new URL("/elsewhere.png", difyApiBase).toString(); // the stand-in answers 401: not stored
    const [signed, plain] = await storeAnswerMedia([dead, elsewhere], { difyApiBase, wechatApi: wechatApi() });
    expect(signed).toEqual({ url: new URL(dead, difyApiBase).toString(), expiring: true });
    expect(plain).toEqual({ url: elsewhere });
  });

  it("are only flagged without an app secret: nothing can be stored, nothing is fetched", async () => {
    const preview = "https://dify.example.com/files/0c0d7e2a-9b4f-4d1e-8a3c-5f2b7e9d1c4a/file-preview?timestamp=1&nonce=2&sign=3";
    expect(await storeAnswerMedia([preview, "https://cdn.example/y.jpg"], { difyApiBase })).toEqual([
      { url: preview, expiring: true },
      { url: "https://cdn.example/y.jpg" },
    ]);
  });
});
