/**
 * `npm run menu -- show | push menu.json | delete`: the account's custom menu through WeChat's API, from your own
 * machine (whose IP you can add to the whitelist; a 40164 names it). With the worker in server mode WeChat ignores
 * the menu made in its console, so this is how a menu is set. See examples/menu.json.
 *
 * AppID and AppSecret come from --app-id / --app-secret, else the environment or .dev.vars (WECHAT_APP_ID,
 * WECHAT_APP_SECRET; for --account shop: SHOP_WECHAT_APP_SECRET and ACCOUNTS.shop.WECHAT_APP_ID), the AppID also
 * from wrangler.toml.
 */
import { parseArgs } from "node:util";
import { DEFAULT_ACCOUNT, accountsSetting, checkAccountName, settingName } from "./lib/account-names";
import { describeMenu, keywordsOf, readMenuFile } from "./lib/menu-file";
import { projectSources } from "./lib/project-sources";
import { WechatCallError, createMenu, deleteMenu, getMenu, type WechatCredentials } from "./lib/wechat-menu";

const USAGE = `usage: npm run menu -- <show | push FILE | delete> [options]

  show            print the menu set through the API, and what each button does in the worker
  push FILE       replace the menu with FILE ({"button": [...]}, e.g. examples/menu.json)
  delete          remove the menu
Options:
  --app-id ID         AppID (default: WECHAT_APP_ID from the environment, .dev.vars or wrangler.toml)
  --app-secret S      AppSecret (default: WECHAT_APP_SECRET from the environment or .dev.vars)
  --account NAME      an account of ACCOUNTS: NAME_WECHAT_APP_SECRET and ACCOUNTS.NAME.WECHAT_APP_ID
  --api-base URL      WeChat's API (default: WECHAT_API_BASE from the environment, else https://api.weixin.qq.com)
  --project-dir DIR   where .dev.vars and wrangler.toml are (default: this repository)
Exit code: 0 done, 1 WeChat refused (the reason and the fix are printed), 2 bad usage.`;

function usage(message: string): number {
  process.stderr.write(`menu: ${message}\n${USAGE}\n`);
  return 2;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        "app-id": { type: "string" }, "app-secret": { type: "string" }, account: { type: "string" },
        "api-base": { type: "string" }, "project-dir": { type: "string" }, help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, file] = positionals;
  if (command !== "show" && command !== "push" && command !== "delete") return usage("say show, push FILE or delete");
  if (command === "push" && file === undefined) return usage("push needs the menu file");
  let account: string;
  try {
    account = checkAccountName(values.account);
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const sources = projectSources(values["project-dir"]);
  const first = (...candidates: Array<string | undefined>) => candidates.find((v) => v !== undefined && v.trim() !== "")?.trim();
  const named = account !== DEFAULT_ACCOUNT;
  const fromAccounts = (get: (n: string) => string | undefined, setting: string) => accountsSetting(get("ACCOUNTS"), account, setting);
  const appId = named
    ? first(values["app-id"], fromAccounts(sources.env, "WECHAT_APP_ID"), fromAccounts(sources.devVars, "WECHAT_APP_ID"), fromAccounts(sources.wranglerToml, "WECHAT_APP_ID"))
    : first(values["app-id"], sources.env("WECHAT_APP_ID"), sources.devVars("WECHAT_APP_ID"), sources.wranglerToml("WECHAT_APP_ID"));
  const secretName = settingName(account, "WECHAT_APP_SECRET");
  const appSecret = first(values["app-secret"], sources.env(secretName), sources.devVars(secretName));
  if (appId === undefined) return usage(`no AppID: pass --app-id or set ${named ? `ACCOUNTS.${account}.WECHAT_APP_ID` : "WECHAT_APP_ID"}`);
  if (appSecret === undefined) return usage(`no AppSecret: pass --app-secret or set ${secretName} in your shell or .dev.vars`);
  const credentials: WechatCredentials = {
    apiBase: first(values["api-base"], sources.env("WECHAT_API_BASE")) ?? "https://api.weixin.qq.com",
    appId,
    appSecret,
  };
  const keywords = keywordsOf(first(named ? fromAccounts(sources.env, "KEYWORD_REPLIES") : undefined, sources.env("KEYWORD_REPLIES"), sources.devVars("KEYWORD_REPLIES"), sources.wranglerToml("KEYWORD_REPLIES")));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (command === "show") {
      const menu = await getMenu(credentials);
      if (menu === undefined) say(`${appId} has no menu set through the API (46003 menu no exist).`);
      else say([`Menu of ${appId}:`, ...describeMenu(menu, keywords)].join("\n"));
    } else if (command === "push") {
      const menu = readMenuFile(file ?? "");
      await createMenu(credentials, menu);
      say([`Menu of ${appId} replaced (followers see it within 5 minutes, or at once after following again):`, ...describeMenu(menu, keywords)].join("\n"));
    } else {
      await deleteMenu(credentials);
      say(`Menu of ${appId} deleted.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof WechatCallError) {
      process.stderr.write(`menu: WeChat refused ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`menu: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof Error && /expected \{"button"|JSON|ENOENT/.test(error.message) ? 2 : 1;
  }
}

process.exitCode = await main();
