/**
 * WeChat's custom-menu API, called from the owner's machine (Official Account docs, 自定义菜单): a stable access
 * token (POST /cgi-bin/stable_token in normal mode, so the worker's token stays valid: /cgi-bin/token or
 * force_refresh would replace it), then POST /cgi-bin/menu/create, GET /cgi-bin/menu/get or GET /cgi-bin/menu/delete.
 * Every failure is a WechatCallError carrying WeChat's errcode and what to do about it; the secret and the token
 * never appear in one.
 */
import { wechatAdvice } from "../../src/owner/wechat-advice";

/** Where and as whom to call. */
export interface WechatCredentials {
  /** https://api.weixin.qq.com, or a proxy in front of it. */
  apiBase: string;
  appId: string;
  appSecret: string;
  fetcher?: typeof fetch;
}

/** WeChat's `{errcode, errmsg}` for one call, with the owner's next step. */
export class WechatCallError extends Error {
  override readonly name = "WechatCallError";
  constructor(readonly errcode: number, readonly errmsg: string, readonly endpoint: string) {
    super(`${endpoint}: ${wechatAdvice(errcode, errmsg, "this machine")}`);
  }
}

/** A menu as WeChat takes and shows it. */
export interface Menu {
  button: MenuButton[];
}

/** One button: a group (`sub_button`) or a typed one (`type` with its `key`, `url`, …). */
export interface MenuButton {
  name: string;
  type?: string;
  key?: string;
  url?: string;
  sub_button?: MenuButton[];
  [field: string]: unknown;
}

const TIMEOUT_MS = 15_000;

async function call(c: WechatCredentials, method: "GET" | "POST", path: string, query: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> {
  const url = `${c.apiBase.replace(/\/+$/, "")}${path}?${new URLSearchParams(query)}`;
  const secrets = [c.appSecret, query.access_token ?? ""].filter((s) => s !== "");
  const scrub = (text: string) => secrets.reduce((out, s) => out.split(s).join("***"), text);
  const what = `${method} ${path}`;
  let res: Response;
  let text: string;
  try {
    res = await (c.fetcher ?? fetch)(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      // WeChat refuses \uXXXX escapes in menus (40033 "invalid charset"); JSON.stringify keeps Chinese as it is.
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await res.text();
  } catch (error) {
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new WechatCallError(-2, scrub(`no answer from ${new URL(c.apiBase).origin} (${why})`), what);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WechatCallError(-4, `HTTP ${res.status}, not WeChat's JSON: is ${c.apiBase} WeChat's API?`, what);
  }
  const answer = (parsed ?? {}) as Record<string, unknown>;
  const errcode = typeof answer.errcode === "number" ? answer.errcode : 0;
  if (errcode !== 0) throw new WechatCallError(errcode, scrub(String(answer.errmsg ?? "")), what);
  return answer;
}

/** A stable access token in normal mode (the same one the worker gets; nothing is invalidated). */
export async function stableToken(c: WechatCredentials): Promise<string> {
  const answer = await call(c, "POST", "/cgi-bin/stable_token", {}, {
    grant_type: "client_credential", appid: c.appId, secret: c.appSecret, force_refresh: false,
  });
  if (typeof answer.access_token !== "string") throw new WechatCallError(-4, "no access_token in the answer", "POST /cgi-bin/stable_token");
  return answer.access_token;
}

/** The menu set through the API (menu/get), or undefined when there is none (46003). */
export async function getMenu(c: WechatCredentials): Promise<Menu | undefined> {
  const access_token = await stableToken(c);
  try {
    const answer = await call(c, "GET", "/cgi-bin/menu/get", { access_token });
    return (answer.menu ?? { button: [] }) as Menu;
  } catch (error) {
    if (error instanceof WechatCallError && error.errcode === 46003) return undefined;
    throw error;
  }
}

/** Replaces the account's menu (menu/create). */
export async function createMenu(c: WechatCredentials, menu: Menu): Promise<void> {
  await call(c, "POST", "/cgi-bin/menu/create", { access_token: await stableToken(c) }, menu);
}

/** Removes the account's menu (menu/delete). */
export async function deleteMenu(c: WechatCredentials): Promise<void> {
  await call(c, "GET", "/cgi-bin/menu/delete", { access_token: await stableToken(c) });
}
