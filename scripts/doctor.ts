/**
 * `npm run doctor -- --url https://<host>/wechat[/<name>]`: asks the worker's self-check (GET …/health, signed like
 * WeChat's console check) and prints it as a checklist, with a fix for each failing check. Exit code 1 when any
 * check fails (or the worker cannot be asked), 2 for bad usage.
 *
 * The token comes from --token, else the environment or .dev.vars: WECHAT_TOKEN for /wechat, SHOP_WECHAT_TOKEN for
 * /wechat/shop.
 */
import { parseArgs } from "node:util";
import { settingName } from "./lib/account-names";
import { accountOfUrl, runDoctor } from "./lib/doctor";
import { lookUp, projectSources } from "./lib/project-sources";

const USAGE = `usage: npm run doctor -- --url https://<host>/wechat[/<account>] [--token T]

  --url URL     the account's callback URL, as entered in WeChat's console
  --token T     the account's WeChat token (default: WECHAT_TOKEN, or <NAME>_WECHAT_TOKEN for /wechat/<name>,
                from the environment or .dev.vars)
  --project-dir DIR   where .dev.vars is (default: this repository)
Exit code: 0 when every check passes, 1 when any fails, 2 for bad usage.`;

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({ strict: true, options: { url: { type: "string" }, token: { type: "string" }, "project-dir": { type: "string" }, help: { type: "boolean", short: "h" } } }).values;
  } catch (error) {
    process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.url === undefined) {
    process.stderr.write(`doctor: --url is required\n${USAGE}\n`);
    return 2;
  }
  let account: string;
  try {
    account = accountOfUrl(values.url);
  } catch (error) {
    process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const name = settingName(account, "WECHAT_TOKEN");
  const found = values.token !== undefined && values.token.trim() !== ""
    ? [values.token, "--token"]
    : lookUp(projectSources(values["project-dir"]), name);
  const [token, origin] = found ?? [];
  if (token === undefined || origin === undefined) {
    process.stderr.write(`doctor: no token for ${values.url}: pass --token, or set ${name} in your shell or .dev.vars\n`);
    return 2;
  }
  const result = await runDoctor({ url: values.url, token: token.trim(), tokenOrigin: origin });
  process.stdout.write(`${result.lines.join("\n")}\n`);
  return result.exitCode;
}

process.exitCode = await main();
