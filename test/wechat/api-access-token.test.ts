import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { fetchStableToken } from "../../src/wechat/access-token";
import { WechatApiError } from "../../src/wechat/api-errors";

const apiBase = inject("wechatApiUrl");

async function stats(appid: string): Promise<{ stableTokenFetches: number; forcedRefreshes: number; currentToken: string | null }> {
  const res = await fetch(`${apiBase}/__stats?appid=${encodeURIComponent(appid)}`);
  return res.json();
}

async function failure(p: Promise<unknown>): Promise<WechatApiError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WechatApiError);
  return err as WechatApiError;
}

describe("fetchStableToken", () => {
  it("returns the account's current token and its absolute expiry from expires_in", async () => {
    const appId = `wx-token-${crypto.randomUUID()}`;
    const first = await fetchStableToken({ apiBase, appId, appSecret: "s", forceRefresh: false, now: () => 1_000_000 });
    expect(first.token).toMatch(/^mock-token-/);
    expect(first.expiresAt).toBeGreaterThan(1_000_000 + 7000 * 1000);
    expect(first.expiresAt).toBeLessThanOrEqual(1_000_000 + 7200 * 1000);
    const second = await fetchStableToken({ apiBase, appId, appSecret: "s", forceRefresh: false });
    expect(second.token).toBe(first.token);
    expect(await stats(appId)).toMatchObject({ stableTokenFetches: 2, forcedRefreshes: 0 });
  });

  it("sends grant_type, appid, secret and force_refresh, and a forced refresh yields a new token", async () => {
    const appId = `wx-token-${crypto.randomUUID()}`;
    const bodies: unknown[] = [];
    const fetcher: typeof fetch = async (input, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    const old = await fetchStableToken({ apiBase, appId, appSecret: "s1", forceRefresh: false, fetcher });
    const fresh = await fetchStableToken({ apiBase, appId, appSecret: "s1", forceRefresh: true, fetcher });
    expect(fresh.token).not.toBe(old.token);
    expect(bodies).toEqual([
      { grant_type: "client_credential", appid: appId, secret: "s1", force_refresh: false },
      { grant_type: "client_credential", appid: appId, secret: "s1", force_refresh: true },
    ]);
    expect(await stats(appId)).toMatchObject({ forcedRefreshes: 1, currentToken: fresh.token });
  });

  it("keeps a base URL's path prefix (a reverse proxy mounted under a path)", async () => {
    const urls: string[] = [];
    const fetcher: typeof fetch = async (input) => {
      urls.push(String(input));
      return Response.json({ access_token: "t", expires_in: 7200 });
    };
    await fetchStableToken({ apiBase: "https://proxy.example/wx/", appId: "a", appSecret: "s", forceRefresh: false, fetcher });
    expect(urls).toEqual(["https://proxy.example/wx/cgi-bin/stable_token"]);
  });

  it("throws a stop error for a wrong secret without revealing the secret", async () => {
    const err = await failure(fetchStableToken({ apiBase, appId: "wx-any", appSecret: "wrong-secret", forceRefresh: false }));
    expect(err.errcode).toBe(40125);
    expect(err.action).toBe("stop");
    expect(err.message).not.toContain("wrong-secret");
  });

  it("throws a stop error 40164 when WeChat does not whitelist our IP", async () => {
    const err = await failure(fetchStableToken({ apiBase, appId: "wx-ip-blocked-1", appSecret: "s", forceRefresh: false }));
    expect(err.errcode).toBe(40164);
    expect(err.action).toBe("stop");
  });

  it("throws retry-later -2 when the API host refuses the connection, never echoing the secret", async () => {
    const err = await failure(fetchStableToken({ apiBase: "http://127.0.0.1:1", appId: "wx-a", appSecret: "very-secret", forceRefresh: false }));
    expect(err.errcode).toBe(-2);
    expect(err.action).toBe("retry-later");
    expect(err.message).not.toContain("very-secret");
  });

  it("throws -4 stop when the answer has no token (e.g. a proxy's HTML page)", async () => {
    const fetcher: typeof fetch = async () => new Response("<html>502</html>", { status: 200, headers: { "content-type": "text/html" } });
    const err = await failure(fetchStableToken({ apiBase, appId: "a", appSecret: "s", forceRefresh: false, fetcher }));
    expect(err.errcode).toBe(-4);
    expect(err.action).toBe("stop");
  });

  it("throws -3 retry-later when the answer does not complete before the deadline", async () => {
    const fetcher: typeof fetch = async (_input, init) =>
      new Response(new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"access_token":'));
          init?.signal?.addEventListener("abort", () => controller.error(new Error("aborted")));
        },
      }));
    const err = await failure(fetchStableToken({ apiBase, appId: "a", appSecret: "s", forceRefresh: false, fetcher, timeoutMs: 50 }));
    expect(err.errcode).toBe(-3);
    expect(err.action).toBe("retry-later");
  });
});
