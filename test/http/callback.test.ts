import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readReply, textMessageXml, wechatPost, wechatVerifyGet } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { callWorker, plaintextDeployment, safeDeployment } from "../support/deployments";

describe("POST /wechat", () => {
  // Plain mode needs an account without an AES key: with one, the worker accepts only encrypted callbacks.
  const deployments = { plain: plaintextDeployment, compat: safeDeployment, safe: safeDeployment };
  for (const mode of ["plain", "compat", "safe"] as const) {
    it(`answers a text message passively in ${mode} mode`, async () => {
      const openid = newOpenid(mode);
      const res = await callWorker(await wechatPost(textMessageXml({ openid, content: "你好" }), { mode }), deployments[mode]);
      const reply = await readReply(res, mode);
      expect(reply.status).toBe(200);
      expect(reply.content).toBe("echo: 你好");
      expect(reply.fields?.ToUserName).toBe(openid);
      expect(await difyAsks(openid)).toHaveLength(1);
    });
  }
});

describe("GET /wechat", () => {
  it("echoes echostr for a valid signature", async () => {
    const res = await exports.default.fetch(await wechatVerifyGet("hello123"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello123");
  });
  it("refuses a forged signature with 403", async () => {
    const res = await exports.default.fetch(await wechatVerifyGet("hello123", { token: "wrong" }));
    expect(res.status).toBe(403);
  });
});
