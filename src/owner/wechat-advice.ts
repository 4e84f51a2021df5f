/**
 * What WeChat's credential errors mean for the owner, shared by the self-check, the alerts and the menu script.
 * Codes and messages as WeChat sends them (Official Account docs, "全局返回码"):
 * - 40164 `invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: …`: the caller's IP is not whitelisted;
 * - 40125 `invalid appsecret`: the AppSecret is wrong (or was reset in the console);
 * - 40013 `invalid appid`: no such AppID;
 * - 41004 `appsecret missing`, 48001 `api unauthorized` (the account lacks that API: unverified accounts).
 */

/** WeChat's codes the advice knows. */
export const WECHAT_IP_NOT_WHITELISTED = 40164;
export const WECHAT_INVALID_SECRET = 40125;
export const WECHAT_INVALID_APPID = 40013;
export const WECHAT_API_UNAUTHORIZED = 48001;

/** The IPv4 (or IPv6) address a 40164 names: the one to add to the whitelist. */
export function blockedIp(errmsg: string): string | undefined {
  return /invalid ip ([0-9A-Fa-f.:]+?)[,\s]/.exec(`${errmsg} `)?.[1];
}

/** Where the IP whitelist is in WeChat's console. */
export const WHITELIST_PLACE = "mp.weixin.qq.com → 设置与开发 → 基本配置 → IP白名单";

/** What went wrong, in one line starting with the code; `caller` made the call ("the worker" or "this machine"). */
export function wechatProblem(errcode: number, errmsg: string, caller: "the worker" | "this machine"): string {
  switch (errcode) {
    case WECHAT_IP_NOT_WHITELISTED: {
      const ip = blockedIp(errmsg);
      return `40164: WeChat refused ${caller}'s IP${ip === undefined ? "" : ` ${ip}`} (not in the IP whitelist)`;
    }
    case WECHAT_INVALID_SECRET:
      return "40125: WeChat refused WECHAT_APP_SECRET (invalid appsecret)";
    case WECHAT_INVALID_APPID:
      return "40013: WeChat does not know WECHAT_APP_ID (invalid appid)";
    case 41004:
      return "41004: no app secret was sent (WECHAT_APP_SECRET is empty)";
    case WECHAT_API_UNAUTHORIZED:
      return "48001: the account lacks this API (api unauthorized): unverified accounts have no customer-service or menu API";
    default:
      return `${errcode}: ${errmsg}`;
  }
}

/** What to do about it, or undefined when there is nothing more to say than the problem. */
export function wechatFix(errcode: number, errmsg: string, caller: "the worker" | "this machine"): string | undefined {
  switch (errcode) {
    case WECHAT_IP_NOT_WHITELISTED: {
      const lasting = caller === "the worker"
        ? "; Workers have no fixed IP, so the lasting fix is a fixed-IP proxy in WECHAT_API_BASE whose IP you whitelist"
        : "";
      return `add ${blockedIp(errmsg) ?? "it"} at ${WHITELIST_PLACE}${lasting}`;
    }
    case WECHAT_INVALID_SECRET:
      return "copy it again from 基本配置 → 开发者密码 (AppSecret), or reset it there";
    case WECHAT_INVALID_APPID:
      return "copy the AppID (wx…) from 基本配置 → 开发者ID";
    default:
      return undefined;
  }
}

/** The problem and its fix in one line (alerts and the menu script, which have no doctor to add the fix). */
export function wechatAdvice(errcode: number, errmsg: string, caller: "the worker" | "this machine"): string {
  const fix = wechatFix(errcode, errmsg, caller);
  return `${wechatProblem(errcode, errmsg, caller)}${fix === undefined ? "" : `: ${fix}`}`;
}
