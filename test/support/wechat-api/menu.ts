/**
 * The custom-menu API of the WeChat stand-in, rebuilt from WeChat's Official Account docs ("自定义菜单 / 创建接口,
 * 查询接口, 删除接口") and its global return codes:
 *
 * - `POST /cgi-bin/menu/create` `{button: [...]}`: 1 to 3 buttons, each either a group (`name`, `sub_button` of 1 to
 *   5) or a typed button; names at most 16 bytes (sub-buttons 60), `key` at most 128 bytes (click and the scancode,
 *   pic and location types need one), `url` at most 1024 (view and miniprogram need one). Errors: 47001 `data format
 *   error` (not JSON), 40016 `invalid button size`, 40017 `invalid button type`, 40018 `invalid button name size`,
 *   40019 `invalid button key size`, 40020 `invalid button url size`, 40023 `invalid sub button size`, 40024–40027 the
 *   same for sub-buttons. Appids spelled `wx-no-menu…` are accounts without the menu API: 48001 `api unauthorized`.
 * - `GET /cgi-bin/menu/get`: `{menu: {button, menuid}}`, every button with its `sub_button` array (empty when it
 *   has none), as WeChat answers; no menu: 46003 `menu no exist`.
 * - `GET /cgi-bin/menu/delete`: `{errcode: 0, errmsg: "ok"}`, whether or not there was a menu.
 */
import type { ServerResponse } from "node:http";

/** One button as stored. */
type Button = Record<string, unknown>;

/** An error answer: WeChat's errcode and errmsg. */
export interface MenuError {
  errcode: number;
  errmsg: string;
}

const TYPES_WITH_KEY = new Set(["click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin", "location_select"]);
const TYPES_WITH_URL = new Set(["view", "miniprogram"]);
const TYPES_WITH_MEDIA = new Set(["media_id", "view_limited", "article_id", "article_view_limited"]);

const bytes = (value: unknown): number => Buffer.byteLength(typeof value === "string" ? value : "", "utf8");

/** The error for one typed button, or undefined; `sub` picks the sub-button codes (40024–40027). */
function typedButtonError(button: Button, sub: boolean): MenuError | undefined {
  const type = typeof button.type === "string" ? button.type : "";
  const code = (top: number, inner: number, what: string): MenuError => ({ errcode: sub ? inner : top, errmsg: `invalid ${sub ? "sub " : ""}button ${what}` });
  if (bytes(button.name) === 0 || bytes(button.name) > (sub ? 60 : 16)) return code(40018, 40025, "name size");
  if (TYPES_WITH_KEY.has(type)) {
    if (bytes(button.key) === 0 || bytes(button.key) > 128) return code(40019, 40026, "key size");
    return undefined;
  }
  if (TYPES_WITH_URL.has(type)) {
    if (bytes(button.url) === 0 || bytes(button.url) > 1024) return code(40020, 40027, "url size");
    return undefined;
  }
  if (TYPES_WITH_MEDIA.has(type)) return undefined;
  return code(40017, 40024, "type");
}

/** Checks a menu as menu/create does; undefined when WeChat would take it. */
export function menuError(menu: unknown): MenuError | undefined {
  if (menu === null || typeof menu !== "object") return { errcode: 47001, errmsg: "data format error" };
  const buttons = (menu as { button?: unknown }).button;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) return { errcode: 40016, errmsg: "invalid button size" };
  for (const raw of buttons) {
    const button = (raw ?? {}) as Button;
    if (Array.isArray(button.sub_button) && button.type === undefined) {
      if (bytes(button.name) === 0 || bytes(button.name) > 16) return { errcode: 40018, errmsg: "invalid button name size" };
      if (button.sub_button.length < 1 || button.sub_button.length > 5) return { errcode: 40023, errmsg: "invalid sub button size" };
      for (const sub of button.sub_button) {
        const error = typedButtonError((sub ?? {}) as Button, true);
        if (error !== undefined) return error;
      }
      continue;
    }
    const error = typedButtonError(button, false);
    if (error !== undefined) return error;
  }
  return undefined;
}

/** A menu as menu/get shows it: every button carries a `sub_button` array. */
export function menuAsShown(menu: { button: Button[] }, menuid: number): { menu: { button: Button[]; menuid: number } } {
  const show = (button: Button): Button => ({
    ...button,
    sub_button: Array.isArray(button.sub_button) ? (button.sub_button as Button[]).map((sub) => ({ ...sub, sub_button: [] })) : [],
  });
  return { menu: { button: menu.button.map(show), menuid } };
}

/** Writes WeChat's `{errcode, errmsg}` error answer (with its rid) / a JSON answer. */
type ErrorWriter = (res: ServerResponse, errcode: number, errmsg: string) => void;
type JsonWriter = (res: ServerResponse, body: unknown) => void;

/** The three menu endpoints, once the access token is checked: one menu per appid. */
export class MenuApi {
  readonly #menus = new Map<string, { button: Button[]; menuid: number }>();
  #nextId = 400000001;

  constructor(private readonly error: ErrorWriter, private readonly json: JsonWriter) {}

  /** POST /cgi-bin/menu/create. */
  create(appid: string, raw: Buffer, res: ServerResponse): void {
    if (appid.startsWith("wx-no-menu")) return this.error(res, 48001, "api unauthorized");
    let menu: unknown;
    try {
      menu = JSON.parse(raw.toString("utf8"));
    } catch {
      return this.error(res, 47001, "data format error");
    }
    const refused = menuError(menu);
    if (refused !== undefined) return this.error(res, refused.errcode, refused.errmsg);
    this.#menus.set(appid, { button: (menu as { button: Button[] }).button, menuid: this.#nextId++ });
    this.json(res, { errcode: 0, errmsg: "ok" });
  }

  /** GET /cgi-bin/menu/get. */
  get(appid: string, res: ServerResponse): void {
    const menu = this.#menus.get(appid);
    if (menu === undefined) return this.error(res, 46003, "menu no exist");
    this.json(res, menuAsShown(menu, menu.menuid));
  }

  /** GET /cgi-bin/menu/delete. */
  delete(appid: string, res: ServerResponse): void {
    this.#menus.delete(appid);
    this.json(res, { errcode: 0, errmsg: "ok" });
  }
}
