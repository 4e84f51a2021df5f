import { describe, expect, it } from "vitest";
import { accountSecretName, accountSettings, readAccountTable } from "../../src/accounts/accounts";
import { followerObjectName, tokenStoreName } from "../../src/accounts";
import { ACCOUNT_SETTINGS } from "../../src/config";

const read = (accounts: unknown, extra: Record<string, unknown> = {}) => readAccountTable({ ACCOUNTS: accounts, ...extra }, ACCOUNT_SETTINGS);

describe("ACCOUNTS", () => {
  it("names no account when it is not set", () => {
    expect(read(undefined)).toEqual({ settings: new Map(), problems: [] });
    expect(read("")).toEqual({ settings: new Map(), problems: [] });
  });

  it("is read from JSON text and from a TOML table (an object), DIFY_INPUTS as an inline table", () => {
    const fromJson = read('{"shop": {"LANGUAGE": "en_US", "MAX_CONTINUE_COUNT": 3}}');
    expect(fromJson.problems).toEqual([]);
    expect(fromJson.settings.get("shop")).toEqual({ LANGUAGE: "en_US", MAX_CONTINUE_COUNT: "3" });
    const fromToml = read({ "b2b-client": { ENABLE_CUSTOM_MESSAGE: true, DIFY_INPUTS: { tone: "formal" } } });
    expect(fromToml.settings.get("b2b-client")).toEqual({ ENABLE_CUSTOM_MESSAGE: "true", DIFY_INPUTS: '{"tone":"formal"}' });
  });

  it("reports each mistake by name and keeps what is valid", () => {
    expect(read("{not json").problems).toEqual(["ACCOUNTS is not a JSON object: no named account is served"]);
    expect(read("[1, 2]").problems).toEqual(["ACCOUNTS is not a JSON object: no named account is served"]);
    const table = read({
      ok: { LANGUAGE: "ja_JP", LANGAUGE: "x", WECHAT_TOKEN: "t", nested: { a: 1 } },
      "Upper": {},
      default: {},
      health: {},
      ["x".repeat(33)]: {},
      list: [],
    });
    expect([...table.settings.keys()]).toEqual(["ok"]);
    expect(table.settings.get("ok")).toEqual({ LANGUAGE: "ja_JP" });
    expect(table.problems).toEqual([
      expect.stringContaining("ACCOUNTS.ok.LANGAUGE is not a setting"),
      expect.stringContaining("ACCOUNTS.ok.WECHAT_TOKEN is a secret: remove it from ACCOUNTS and run `wrangler secret put OK_WECHAT_TOKEN`"),
      expect.stringContaining("ACCOUNTS.ok.nested is not a setting"),
      expect.stringContaining('"Upper" is not an account name'),
      expect.stringContaining('"default" is not an account name'),
      expect.stringContaining('"health" is not an account name'),
      expect.stringContaining("is not an account name"),
      expect.stringContaining("ACCOUNTS.list is not an object of settings"),
    ]);
  });
});

describe("an account's settings", () => {
  const env = {
    ACCOUNTS: '{"shop-2": {"WECHAT_APP_ID": "wxshop"}}',
    WECHAT_APP_ID: "wxtop",
    WECHAT_TOKEN: "top-token",
    WECHAT_ENCODING_AES_KEY: "top-key",
    WECHAT_APP_SECRET: "top-secret",
    DIFY_API_KEY: "app-top",
    LANGUAGE: "pt_BR",
    SHOP_2_WECHAT_TOKEN: "shop-token",
  };

  it("fall back to the top level, except the WeChat identity; secrets come from <NAME>_<SECRET>", () => {
    const merged = accountSettings(env, readAccountTable(env, ACCOUNT_SETTINGS), "shop-2");
    expect(merged).toMatchObject({ WECHAT_APP_ID: "wxshop", WECHAT_TOKEN: "shop-token", DIFY_API_KEY: "app-top", LANGUAGE: "pt_BR" });
    expect(merged?.WECHAT_ENCODING_AES_KEY).toBeUndefined();
    expect(merged?.WECHAT_APP_SECRET).toBeUndefined();
  });

  it("do not exist for a name ACCOUNTS does not have", () => {
    expect(accountSettings(env, readAccountTable(env, ACCOUNT_SETTINGS), "other")).toBeUndefined();
  });

  it("name secrets, objects and token stores after the account", () => {
    expect(accountSecretName("shop-2", "DIFY_API_KEY")).toBe("SHOP_2_DIFY_API_KEY");
    expect(followerObjectName("default", "oABC")).toBe("oABC");
    expect(followerObjectName("shop", "oABC")).toBe("shop:oABC");
    expect(tokenStoreName("default")).toBe("default");
    expect(tokenStoreName("shop")).toBe("account:shop");
  });
});
