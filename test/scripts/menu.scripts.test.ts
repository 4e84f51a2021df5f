/**
 * `npm run menu -- show | push FILE | delete` against the WeChat API stand-in (test/support/wechat-api/menu.ts:
 * WeChat's menu/create checks, menu/get, menu/delete, 40164 for a machine that is not whitelisted, 48001 for an
 * account without the menu API), with the repository's examples/menu.json.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runScript } from "./support/run-script";

const api = () => inject("wechatApiUrl");
const menu = (appId: string, ...args: string[]) =>
  runScript("menu", [...args, "--app-id", appId, "--app-secret", "menu-app-secret", "--api-base", api()], {
    KEYWORD_REPLIES: JSON.stringify([{ keyword: "menu_hours", reply: "每天 9:00–18:00" }]),
  });

describe("the example menu", () => {
  it("is pushed, shown with what each button does in the worker, and deleted", async () => {
    const appId = "wx-menu-example";
    const pushed = await menu(appId, "push", "examples/menu.json");
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain(`Menu of ${appId} replaced`);

    const shown = await menu(appId, "show");
    expect(shown.code).toBe(0);
    expect(shown.stdout.split("\n")).toEqual([
      `Menu of ${appId}:`,
      "  [click] 新对话: key CLEAR_CONTEXT → clears the follower's conversation (as /clear)",
      "  常见问题",
      "    [click] 营业时间: key MENU_HOURS → the KEYWORD_REPLIES reply for it",
      "    [click] 如何退款: key MENU_REFUND → asked of Dify as a question",
      "    [click] 介绍一下你自己: key 请用三句话介绍你能做什么 → asked of Dify as a question",
      "  [view] 官网: opens https://example.com/",
      "",
    ]);

    expect((await menu(appId, "delete")).code).toBe(0);
    const gone = await menu(appId, "show");
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain("has no menu set through the API (46003 menu no exist)");
  });

  it("never replaces the worker's access token: stable_token in normal mode only", async () => {
    const appId = "wx-menu-token";
    await menu(appId, "show");
    const stats = (await (await fetch(`${api()}/__stats?appid=${appId}`)).json()) as Record<string, number>;
    expect(stats).toMatchObject({ stableTokenFetches: 1, forcedRefreshes: 0, tokenFetches: 0 });
  });
});

describe("what WeChat refuses", () => {
  it("a menu WeChat would not take: its code and reason, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "menu-bad-"));
    const four = { button: [1, 2, 3, 4].map((n) => ({ type: "click", name: `b${n}`, key: `K${n}` })) };
    writeFileSync(join(dir, "menu.json"), JSON.stringify(four));
    const run = await menu("wx-menu-bad", "push", join(dir, "menu.json"));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("POST /cgi-bin/menu/create: 40016: invalid button size");
  });

  it("40164: names this machine's IP, to whitelist", async () => {
    const run = await menu("wx-ip-blocked-menu", "show");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("40164: WeChat refused this machine's IP 203.0.113.7 (not in the IP whitelist): add 203.0.113.7 at mp.weixin.qq.com → 设置与开发 → 基本配置 → IP白名单");
    expect(run.stderr).not.toContain("menu-app-secret");
  });

  it("48001: an account without the menu API", async () => {
    const run = await menu("wx-no-menu-account", "push", "examples/menu.json");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("48001");
    expect(run.stderr).toContain("unverified accounts");
  });
});

describe("where the AppID and secret come from", () => {
  it("a named account's own: SHOP_WECHAT_APP_SECRET from .dev.vars and ACCOUNTS.shop.WECHAT_APP_ID", async () => {
    const dir = mkdtempSync(join(tmpdir(), "menu-account-"));
    writeFileSync(join(dir, ".dev.vars"), "WECHAT_APP_SECRET=not-the-shops\nSHOP_WECHAT_APP_SECRET=shop-secret\n");
    writeFileSync(join(dir, "wrangler.toml"), `[vars]\nWECHAT_APP_ID = "wx-menu-default"\nACCOUNTS = '{"shop": {"WECHAT_APP_ID": "wx-menu-shop"}}'\n`);
    const run = await runScript("menu", ["show", "--account", "shop", "--project-dir", dir, "--api-base", api()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("wx-menu-shop has no menu");
  });

  it("exits 2 naming the missing setting", async () => {
    const dir = mkdtempSync(join(tmpdir(), "menu-none-"));
    const run = await runScript("menu", ["show", "--app-id", "wx-menu-none", "--project-dir", dir, "--api-base", api()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("set WECHAT_APP_SECRET");
  });
});
