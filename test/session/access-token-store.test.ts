import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { AccessTokenStore, FORCED_REFRESH_RETRY_MS, REFRESH_MARGIN_MS, accessTokenGetter } from "../../src/session/access-token-store";
import { WechatApiClient } from "../../src/wechat/api-client";
import { WechatApiError } from "../../src/wechat/api-errors";

const apiBase = inject("wechatApiUrl");

/** A fresh instance per test, so caches never leak between tests. */
const freshStub = () => env.ACCESS_TOKEN_STORE.getByName(`test-${crypto.randomUUID()}`);

/** Counts stable_token requests made from this isolate (the test, the worker and its Durable Objects share it). */
function countTokenFetches(): () => number {
  const spy = vi.spyOn(globalThis, "fetch");
  return () => spy.mock.calls.filter(([input]) => String(input instanceof Request ? input.url : input).includes("/cgi-bin/stable_token")).length;
}

async function stats(appid: string): Promise<{ stableTokenFetches: number; forcedRefreshes: number; currentToken: string | null }> {
  return (await fetch(`${apiBase}/__stats?appid=${encodeURIComponent(appid)}`)).json();
}

/**
 * Runs `fn` with a store over a fresh object's real storage but its own appid, for tests that force-refresh or
 * break the token: the worker's shared appid (used by other test files) is never invalidated.
 */
async function withOwnAppId<T>(overrides: Record<string, unknown>, fn: (store: AccessTokenStore, appId: string) => Promise<T>): Promise<T> {
  const appId = `wx-store-${crypto.randomUUID()}`;
  return runInDurableObject(freshStub(), async (_instance, state) => {
    const store = new AccessTokenStore(state, { ...env, WECHAT_APP_ID: appId, ...overrides } as Env);
    return fn(store, appId);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("AccessTokenStore", () => {
  it("shares one fetch among many concurrent callers and serves later calls from its cache", async () => {
    const stub = freshStub();
    const fetches = countTokenFetches();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => stub.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^mock-token-/);
    expect(await stub.getToken()).toBe(tokens[0]);
    expect(fetches()).toBe(1);
  });

  it("keeps the token in storage, so a restarted object does not fetch again", async () => {
    const stub = freshStub();
    const token = await stub.getToken();
    await evictDurableObject(stub);
    const fetches = countTokenFetches();
    expect(await stub.getToken()).toBe(token);
    expect(fetches()).toBe(0);
  });

  it("replaces a cached token that expires within 5 minutes", async () => {
    const stub = freshStub();
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.kv.put("token", { token: "old-token", expiresAt: Date.now() + REFRESH_MARGIN_MS - 1000 });
    });
    await evictDurableObject(stub);
    const fetches = countTokenFetches();
    const token = await stub.getToken();
    expect(token).not.toBe("old-token");
    expect(fetches()).toBe(1);
    const stored = await runInDurableObject(stub, async (_instance, state) => state.storage.kv.get<{ token: string; expiresAt: number }>("token"));
    expect(stored?.token).toBe(token);
    expect(stored?.expiresAt).toBeGreaterThan(Date.now() + REFRESH_MARGIN_MS);
  });

  it("keeps a cached token that is still good for longer than 5 minutes", async () => {
    const stub = freshStub();
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.kv.put("token", { token: "good-token", expiresAt: Date.now() + REFRESH_MARGIN_MS + 60_000 });
    });
    await evictDurableObject(stub);
    const fetches = countTokenFetches();
    expect(await stub.getToken()).toBe("good-token");
    expect(fetches()).toBe(0);
  });

  it("force-refreshes a rejected token once, however many callers report it at the same time", async () => {
    await withOwnAppId({}, async (store, appId) => {
      const rejected = await store.getToken();
      const fresh = await Promise.all(Array.from({ length: 10 }, () => store.getToken(rejected)));
      expect(new Set(fresh).size).toBe(1);
      expect(fresh[0]).not.toBe(rejected);
      expect(await stats(appId)).toMatchObject({ stableTokenFetches: 2, forcedRefreshes: 1, currentToken: fresh[0] });
      // A late report about the old token gets the new one without another fetch.
      expect(await store.getToken(rejected)).toBe(fresh[0]);
      expect(await stats(appId)).toMatchObject({ stableTokenFetches: 2, forcedRefreshes: 1 });
    });
  });

  it("force-refreshes again when the new token is rejected in turn", async () => {
    await withOwnAppId({}, async (store, appId) => {
      const first = await store.getToken();
      const second = await store.getToken(first);
      const third = await store.getToken(second);
      expect(new Set([first, second, third]).size).toBe(3);
      expect(await stats(appId)).toMatchObject({ forcedRefreshes: 2 });
    });
  });

  it("never pins a rejected token when its forced refresh fails: the next caller retries after the pause", async () => {
    await withOwnAppId({}, async (store, appId) => {
      const rejected = await store.getToken();
      // The one forced stable_token call meets a proxy 502.
      vi.spyOn(globalThis, "fetch").mockImplementationOnce(async () => new Response("bad gateway", { status: 502 }));
      await expect(store.getToken(rejected)).rejects.toBeInstanceOf(WechatApiError);
      // Within the pause callers hear the failure again, not the token WeChat refused.
      await expect(store.getToken(rejected)).rejects.toBeInstanceOf(WechatApiError);
      vi.restoreAllMocks();
      const later = Date.now() + FORCED_REFRESH_RETRY_MS + 1000;
      vi.spyOn(Date, "now").mockReturnValue(later);
      const fresh = await store.getToken(rejected);
      expect(fresh).not.toBe(rejected);
      expect(await stats(appId)).toMatchObject({ forcedRefreshes: 1, currentToken: fresh });
    });
  });

  it("passes a fetch failure to every waiting caller and tries again on the next call", async () => {
    await withOwnAppId({ WECHAT_APP_ID: "wx-ip-blocked-store" }, async (store) => {
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.getToken()));
      for (const r of results) {
        expect(r.status).toBe("rejected");
        const reason: unknown = r.status === "rejected" ? r.reason : undefined;
        expect(reason).toBeInstanceOf(WechatApiError);
        expect((reason as WechatApiError).errcode).toBe(40164);
        expect((reason as WechatApiError).action).toBe("stop");
        expect((reason as WechatApiError).message).not.toContain("test-app-secret");
      }
      await expect(store.getToken()).rejects.toThrow(/40164/);
    });
  });

  it("refuses with a stop error naming WECHAT_APP_SECRET when the secret is not set", async () => {
    await withOwnAppId({ WECHAT_APP_SECRET: undefined }, async (store) => {
      const err: unknown = await store.getToken().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(WechatApiError);
      expect((err as WechatApiError).action).toBe("stop");
      expect((err as WechatApiError).message).toContain("WECHAT_APP_SECRET");
    });
  });

  it("reports failures across RPC in a form WechatApiError.from turns back into errcode and action", async () => {
    const stub = freshStub();
    // Built inside the call, so the Durable Object reads a body of its own I/O context.
    vi.spyOn(globalThis, "fetch").mockImplementationOnce(async () => Response.json({ errcode: 40164, errmsg: "invalid ip, not in whitelist" }));
    const crossed: unknown = await stub.getToken().then(() => undefined, (e: unknown) => e);
    expect(crossed).toBeInstanceOf(Error);
    expect(String((crossed as Error).message)).toMatch(/^WeChat API error 40164 \(POST \/cgi-bin\/stable_token\): invalid ip/);
    const revived = WechatApiError.from(crossed);
    expect(revived.errcode).toBe(40164);
    expect(revived.action).toBe("stop");
  });

  it("backs a WechatApiClient through accessTokenGetter", async () => {
    const user = `o-${crypto.randomUUID()}`;
    const api = new WechatApiClient({ apiBase, getToken: accessTokenGetter(env) });
    await api.sendText(user, "via the shared token");
    const sent: unknown = await (await fetch(`${apiBase}/__sent?user=${user}`)).json();
    expect(sent).toEqual([{ touser: user, msgtype: "text", text: { content: "via the shared token" } }]);
  });
});
