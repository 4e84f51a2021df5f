/**
 * The alert ledger's rules (one post per kind per 10 minutes, the Dify failure streak) with a clock and a post of the
 * test's own, and postAlert against the stand-in's receivers (taken, refused, never answering).
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { configFor, type AppEnv, type Config } from "../../src/config";
import { ALERT_WINDOW_MS, AlertLedger, DIFY_FAILURE_STREAK, type Alert } from "../../src/owner";
import { alertBody, postAlert } from "../../src/owner/alert-post";
import { WechatApiError } from "../../src/wechat/api-errors";
import { received } from "./owner-support";

/** A ledger over a Map, with a clock the test moves and the posts it would make. */
function ledger() {
  const store = new Map<string, unknown>();
  const posts: Alert[] = [];
  let now = 1_800_000_000_000;
  const kv = { get: <T>(key: string) => store.get(key) as T | undefined, put: <T>(key: string, value: T) => void store.set(key, value) };
  const l = new AlertLedger(kv, { now: () => now, post: async (_target, alert) => (posts.push(alert), true) });
  return { l, posts, store, advance: (ms: number) => (now += ms) };
}

const withHook = (): Config => configFor(env as AppEnv, "alert-streak");
const ipError = new WechatApiError(40164, "invalid ip 198.51.100.4 ipv6 ::ffff:198.51.100.4, not in whitelist rid: 1", "POST /cgi-bin/stable_token");
const failure = { ok: false as const, keyRefused: false, detail: "Dify POST /chat-messages: HTTP 500" };

describe("one post per kind per window", () => {
  it("posts a kind once per 10 minutes, whatever the number of times it is met", () => {
    const { l, posts, advance } = ledger();
    expect(l.noteWechatError(withHook(), ipError)).toBe(true);
    expect(l.noteWechatError(withHook(), ipError)).toBe(false);
    advance(ALERT_WINDOW_MS - 1);
    expect(l.noteWechatError(withHook(), ipError)).toBe(false);
    advance(1);
    expect(l.noteWechatError(withHook(), ipError)).toBe(true);
    expect(posts.map((p) => p.kind)).toEqual(["wechat-ip-blocked", "wechat-ip-blocked"]);
    expect(posts[0]?.summary).toContain("198.51.100.4");
  });

  it("keeps a window per kind: a wrong secret is told although 40164 was just told", () => {
    const { l, posts } = ledger();
    l.noteWechatError(withHook(), ipError);
    l.noteWechatError(withHook(), new WechatApiError(40125, "invalid appsecret rid: 2"));
    l.noteWechatError(withHook(), new WechatApiError(45009, "reach max api daily quota limit"));
    expect(posts.map((p) => p.kind)).toEqual(["wechat-ip-blocked", "wechat-secret-invalid"]);
  });

  it("posts and stores nothing for an account without ALERT_WEBHOOK_URL", () => {
    const { l, posts, store } = ledger();
    const quiet = configFor(env as AppEnv);
    expect(l.noteWechatError(quiet, ipError)).toBe(false);
    expect(posts).toEqual([]);
    expect(store.size).toBe(0);
  });
});

describe("Dify failing", () => {
  it(`posts on the ${DIFY_FAILURE_STREAK}th failure in a row, and a success starts the count again`, () => {
    const { l, posts } = ledger();
    for (let i = 1; i < DIFY_FAILURE_STREAK; i++) expect(l.noteDify(withHook(), failure)).toBe(i);
    expect(l.noteDify(withHook(), { ok: true })).toBe(0);
    for (let i = 1; i < DIFY_FAILURE_STREAK; i++) l.noteDify(withHook(), failure);
    expect(posts).toEqual([]);
    expect(l.noteDify(withHook(), failure)).toBe(DIFY_FAILURE_STREAK);
    l.noteDify(withHook(), failure);
    expect(posts.map((p) => [p.kind, p.summary])).toEqual([["dify-failing", "Dify failed 5 times in a row: followers get the failure text (the last error is below)"]]);
    expect(posts[0]?.detail).toBe(failure.detail);
  });

  it("tells a refused key at once, without counting it as Dify failing", () => {
    const { l, posts } = ledger();
    for (let i = 0; i < 2 * DIFY_FAILURE_STREAK; i++) l.noteDify(withHook(), { ok: false, keyRefused: true, detail: "HTTP 401 unauthorized" });
    expect(posts.map((p) => p.kind)).toEqual(["dify-key-refused"]);
    expect(l.state().difyStreak).toBe(0);
  });
});

describe("postAlert", () => {
  const alert: Alert = { account: "shop", kind: "dify-key-refused", summary: "Dify refused DIFY_API_KEY (401)", detail: "d" };
  const base = () => inject("wechatApiUrl");

  it("posts our JSON body and says the receiver took it", async () => {
    expect(await postAlert({ url: `${base()}/__webhook/ledger-json`, format: "json" }, alert)).toBe(true);
    const [body] = await received("ledger-json");
    expect(body).toMatchObject({ source: "dify-wechat-worker", account: "shop", kind: "dify-key-refused", detail: "d" });
    expect(Date.parse((body as { at: string }).at)).not.toBeNaN();
  });

  it("posts a WeCom text message within WeCom's 2048 bytes", async () => {
    const long = { ...alert, detail: "长".repeat(2000) };
    expect(await postAlert({ url: `${base()}/cgi-bin/webhook/send?key=ledger-wecom`, format: "wecom" }, long)).toBe(true);
    const [body] = (await received("wecom:ledger-wecom")) as Array<{ msgtype: string; text: { content: string } }>;
    expect(body?.msgtype).toBe("text");
    expect(body?.text.content.startsWith("[dify-wechat-worker · shop] Dify refused DIFY_API_KEY (401)\n长")).toBe(true);
    expect(new TextEncoder().encode(body?.text.content).length).toBeLessThanOrEqual(2048);
    expect(alertBody({ ...alert, account: "default" }, "wecom", new Date())).toEqual({
      msgtype: "text", text: { content: "[dify-wechat-worker] Dify refused DIFY_API_KEY (401)\nd" },
    });
  });

  it("resolves false, never throws, for a receiver that fails, a WeCom error and one that never answers", async () => {
    expect(await postAlert({ url: `${base()}/__webhook/fail-ledger`, format: "json" }, alert)).toBe(false);
    expect(await postAlert({ url: `${base()}/cgi-bin/webhook/send?key=`, format: "wecom" }, alert)).toBe(false);
    const started = Date.now();
    expect(await postAlert({ url: `${base()}/__webhook/hang-ledger`, format: "json" }, alert, undefined, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await postAlert({ url: "http://127.0.0.1:9/nothing", format: "json" }, alert)).toBe(false);
  });
});
