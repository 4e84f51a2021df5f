/**
 * GET /wechat/health and /wechat/<name>/health: signed like WeChat's console check, the account's checks as JSON,
 * against the stand-ins answering as the real WeChat API (0, 40164, 40125, 40013) and Dify (up, down, refusing the
 * key) would (accounts in test/owner/bindings.ts).
 */
import { describe, expect, it } from "vitest";
import { CHECK_NAMES } from "../../src/owner/health";
import { detailOf, healthGet, healthOf } from "./owner-support";

describe("who may ask", () => {
  it("answers 403 to an unsigned request, a wrong token and a stale timestamp", async () => {
    expect((await healthGet("default", { unsigned: true })).status).toBe(403);
    expect((await healthGet("default", { token: "not-the-token" })).status).toBe(403);
    expect((await healthGet("shop-that-is-not", {})).status).toBe(404);
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    expect((await healthGet("default", { timestamp: stale })).status).toBe(403);
    // A named account's health is signed with its own token, never the default account's.
    expect((await healthGet("blocked", { token: "test-token" })).status).toBe(403);
  });
});

describe("a healthy account", () => {
  it("reports every check ok, in order, with Dify's latency, the app's mode and features", async () => {
    const res = await healthGet("default");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const report = (await res.json()) as Awaited<ReturnType<typeof healthOf>>;
    expect(report.account).toBe("default");
    expect(report.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(detailOf(report, "dify").detail).toMatch(/^GET \/info answered in \d+ ms \(app "Mock Dify App"\)$/);
    expect(detailOf(report, "dify-app").detail).toBe(
      "mode advanced-chat, DIFY_APP_TYPE chat: matches; image input on; speech to text on",
    );
    expect(detailOf(report, "wechat-api").detail).toMatch(/^stable_token: ok/);
    expect(detailOf(report, "delivery").detail).toMatch(/^pull \(ENABLE_CUSTOM_MESSAGE=false\)/);
    expect(detailOf(report, "alerts").detail).toMatch(/^off: /);
  });

  it("never shows a secret: token, AES key, app secret, Dify key", async () => {
    const raw = await (await healthGet("default")).text();
    for (const secret of ["test-token", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", "test-app-secret", "app-test-key"]) {
      expect(raw).not.toContain(secret);
    }
  });
});

describe("WeChat's API answering", () => {
  it("40164: names the IP WeChat saw, so the owner knows what to whitelist", async () => {
    const report = await healthOf("blocked");
    expect(report).toMatchObject({ ok: false, account: "blocked" });
    const { ok, detail } = detailOf(report, "wechat-api");
    expect(ok).toBe(false);
    expect(detail).toBe("stable_token 40164: WeChat refused the worker's IP 203.0.113.7 (not in the IP whitelist)");
    expect(detailOf(report, "dify").ok).toBe(true);
  });

  it("40125: the app secret is wrong", async () => {
    const { ok, detail } = detailOf(await healthOf("badsecret"), "wechat-api");
    expect(ok).toBe(false);
    expect(detail).toMatch(/^stable_token 40125: WeChat refused WECHAT_APP_SECRET/);
    expect(detail).not.toContain("wrong-secret");
  });

  it("40013: the AppID is wrong", async () => {
    const { ok, detail } = detailOf(await healthOf("badappid"), "wechat-api");
    expect(ok).toBe(false);
    expect(detail).toMatch(/^stable_token 40013: WeChat does not know WECHAT_APP_ID/);
  });

  it("no app secret: nothing to check, but CS mode cannot push and says why", async () => {
    const report = await healthOf("nosecret");
    expect(detailOf(report, "wechat-api")).toMatchObject({ ok: true, detail: expect.stringMatching(/^no WECHAT_APP_SECRET/) });
    expect(detailOf(report, "delivery")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^ENABLE_CUSTOM_MESSAGE is true but WECHAT_APP_SECRET is not set/),
    });
    expect(detailOf(report, "settings")).toMatchObject({ ok: false, detail: expect.stringContaining("ENABLE_CUSTOM_MESSAGE") });
  });
});

describe("Dify answering", () => {
  it("down: cannot reach DIFY_API_BASE, and the app is not checked", async () => {
    const report = await healthOf("difydown");
    expect(detailOf(report, "dify")).toMatchObject({ ok: false, detail: expect.stringMatching(/^cannot reach DIFY_API_BASE/) });
    expect(detailOf(report, "dify-app")).toMatchObject({ ok: false, detail: expect.stringMatching(/^not checked/) });
  });

  it("refusing the key: 401, without the key in the answer", async () => {
    const res = await healthGet("difykey");
    const raw = await res.text();
    expect(raw).not.toContain("app-revoked-key");
    const report = JSON.parse(raw) as Awaited<ReturnType<typeof healthOf>>;
    expect(detailOf(report, "dify")).toMatchObject({ ok: false, detail: expect.stringMatching(/^Dify refused DIFY_API_KEY \(401/) });
  });

  it("up, but not the kind of app DIFY_APP_TYPE says", async () => {
    const report = await healthOf("mismatch");
    expect(detailOf(report, "dify").ok).toBe(true);
    expect(detailOf(report, "dify-app")).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^mode advanced-chat is a chat app but DIFY_APP_TYPE is workflow/),
    });
  });
});

describe("alerts", () => {
  it("shows where alerts go by host only (a WeCom robot's URL holds its key)", async () => {
    const raw = await (await healthGet("alert-key")).text();
    expect(raw).not.toContain("owner-alert-key");
    const report = JSON.parse(raw) as Awaited<ReturnType<typeof healthOf>>;
    expect(detailOf(report, "alerts").detail).toMatch(/^on: wecom posts to 127\.0\.0\.1:\d+, one per kind/);
  });
});
