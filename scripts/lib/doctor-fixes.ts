/**
 * What to do about each failing check of the worker's self-check (src/owner/health.ts), by check and by what its
 * detail says. README's "When followers get no answer" is this table in prose: keep the two together.
 * Settings are named as the account calls them: `DIFY_API_KEY` for the default account, `SHOP_DIFY_API_KEY` and
 * `ACCOUNTS.shop.WECHAT_APP_ID` for the account "shop".
 */
import { DEFAULT_ACCOUNT, settingName } from "./account-names";

/** One check as the worker reports it. */
export interface ReportedCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A fix: the first rule whose pattern matches the failing check's detail. */
interface FixRule {
  check: string;
  when: RegExp;
  fix: (names: AccountNames, detail: string) => string;
}

/** The account's setting names, for the fix texts. */
export interface AccountNames {
  account: string;
  secret: (setting: string) => string;
  /** Where a plain var goes: `wrangler.toml [vars] X` or `ACCOUNTS.shop.X`. */
  variable: (setting: string) => string;
}

/** The names of `account`'s settings. */
export function accountNames(account: string): AccountNames {
  return {
    account,
    secret: (setting) => settingName(account, setting),
    variable: (setting) => (account === DEFAULT_ACCOUNT ? `${setting} in wrangler.toml [vars]` : `ACCOUNTS.${account}.${setting}`),
  };
}

const put = (names: AccountNames, setting: string) => `\`npx wrangler secret put ${names.secret(setting)}\``;

/** The rules, in order; each check ends with a catch-all. */
export const FIX_RULES: readonly FixRule[] = [
  { check: "settings", when: /./, fix: (n) => `correct each setting named above (${n.variable("…")}, or a secret with \`npx wrangler secret put\`), then \`npm run deploy\`` },
  { check: "dify", when: /DIFY_API_KEY is not set|refused DIFY_API_KEY/, fix: (n) => `copy the app's API key from Dify (the app → API Access → API Key) and run ${put(n, "DIFY_API_KEY")}` },
  { check: "dify", when: /404/, fix: (n) => `set ${n.variable("DIFY_API_BASE")} to the Service API base, ending in /v1 (e.g. https://api.dify.ai/v1)` },
  { check: "dify", when: /cannot reach|did not answer/, fix: (n) => `make ${n.variable("DIFY_API_BASE")} reachable from Cloudflare: a public https:// address (self-hosted Dify: not a LAN or localhost address), and check Dify is up` },
  { check: "dify", when: /./, fix: () => "see Dify's own logs for the error above" },
  { check: "dify-app", when: /DIFY_APP_TYPE is/, fix: (n, d) => `set ${n.variable("DIFY_APP_TYPE")} to ${/is a (\w+) app/.exec(d)?.[1] ?? "the app's kind"} (or leave it empty to ask Dify)` },
  { check: "dify-app", when: /not checked/, fix: () => "fix the dify check first" },
  { check: "dify-app", when: /./, fix: () => "see Dify's own logs for the error above" },
  { check: "wechat-api", when: /40164/, fix: (n, d) => `add ${/IP ([0-9A-Fa-f.:]+)/.exec(d)?.[1] ?? "the IP above"} to the IP whitelist (mp.weixin.qq.com → 设置与开发 → 基本配置 → IP白名单); Workers change IPs, so for good put a fixed-IP proxy in ${n.variable("WECHAT_API_BASE")} and whitelist its IP` },
  { check: "wechat-api", when: /40125/, fix: (n) => `copy the AppSecret again (基本配置 → 开发者密码; reset it if unsure) and run ${put(n, "WECHAT_APP_SECRET")}` },
  { check: "wechat-api", when: /40013|WECHAT_APP_ID is empty/, fix: (n) => `set ${n.variable("WECHAT_APP_ID")} to the AppID (wx…) shown at 基本配置 → 开发者ID, then \`npm run deploy\`` },
  { check: "wechat-api", when: /WECHAT_API_BASE/, fix: (n) => `check ${n.variable("WECHAT_API_BASE")}: https://api.weixin.qq.com, or your proxy's URL (is it up?)` },
  { check: "wechat-api", when: /./, fix: () => "look the error code up in WeChat's 全局返回码 (global return codes)" },
  { check: "delivery", when: /WECHAT_APP_SECRET is not set/, fix: (n) => `run ${put(n, "WECHAT_APP_SECRET")}, or set ${n.variable("ENABLE_CUSTOM_MESSAGE")} to false (followers then send 1)` },
  { check: "delivery", when: /./, fix: (n) => `fix the wechat-api check, or set ${n.variable("ENABLE_CUSTOM_MESSAGE")} to false (followers then send 1 for late answers)` },
  { check: "alerts", when: /./, fix: (n) => `set ALERT_WEBHOOK_URL${n.account === DEFAULT_ACCOUNT ? "" : ` (or ACCOUNTS.${n.account}.ALERT_WEBHOOK_URL)`} to an https:// URL, e.g. a WeCom robot's with ALERT_WEBHOOK_FORMAT = "wecom"` },
];

/** The fix for a failing check, or undefined for a passing one (or a check this doctor does not know). */
export function fixFor(check: ReportedCheck, names: AccountNames): string | undefined {
  if (check.ok) return undefined;
  const rule = FIX_RULES.find((r) => r.check === check.name && r.when.test(check.detail));
  return rule?.fix(names, check.detail);
}
