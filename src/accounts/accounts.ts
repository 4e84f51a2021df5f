/**
 * Several Official Accounts in one deployment. The top-level settings describe the default account (served at
 * `/wechat`); the var `ACCOUNTS` names further accounts, each served at `/wechat/<name>`:
 *
 *   ACCOUNTS = '{"shop": {"WECHAT_APP_ID": "wx…", "ENABLE_CUSTOM_MESSAGE": "true", "LANGUAGE": "en_US"}}'
 *
 * (or a TOML table in wrangler.toml). An account's secrets are `<NAME>_<SECRET>`: `SHOP_WECHAT_TOKEN`,
 * `SHOP_WECHAT_ENCODING_AES_KEY`, `SHOP_WECHAT_APP_SECRET`, `SHOP_DIFY_API_KEY`. A setting an account does not give
 * falls back to the top-level one, except the WeChat identity, which never does.
 *
 * This module only turns the environment into per-account raw settings; src/config.ts validates them.
 */

/** The name logs and storage use for the top-level account. */
export const DEFAULT_ACCOUNT = "default";
/** What an account name may be. */
export const ACCOUNT_NAME = /^[a-z0-9-]{1,32}$/;
/** Names that would collide with the default account or with paths under /wechat. */
const RESERVED_NAMES = new Set([DEFAULT_ACCOUNT, "health"]);
/** Settings that say which WeChat account this is: never taken from the top level for a named account. */
export const IDENTITY_SETTINGS = ["WECHAT_APP_ID", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET"] as const;
/** Settings that are secrets: given with `wrangler secret put <NAME>_<SECRET>`, never inside ACCOUNTS. */
export const SECRET_SETTINGS = ["WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY", "WECHAT_APP_SECRET", "DIFY_API_KEY"] as const;

type Raw = Record<string, unknown>;

/** The accounts ACCOUNTS names, each with its own non-secret settings, and what was wrong with the rest. */
export interface AccountTable {
  readonly settings: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** One line per problem, each naming the account and the setting. */
  readonly problems: readonly string[];
}

/** The secret's name for an account: `shop` + `WECHAT_TOKEN` → `SHOP_WECHAT_TOKEN`. */
export function accountSecretName(account: string, secret: string): string {
  return `${account.toUpperCase().replace(/-/g, "_")}_${secret}`;
}

function parseTable(value: unknown, problems: string[]): Raw | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "object" && !Array.isArray(value)) return value as Raw;
  if (typeof value !== "string") {
    problems.push("ACCOUNTS is not a JSON object: no named account is served");
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Raw;
  } catch {
    // reported below
  }
  problems.push("ACCOUNTS is not a JSON object: no named account is served");
  return undefined;
}

/**
 * Reads ACCOUNTS. `known` is every setting name an account may give. A bad account name, a setting that does not
 * exist, a secret written into ACCOUNTS or a non-text value is reported by name and left out; the valid accounts and
 * settings stay.
 */
export function readAccountTable(env: Raw, known: ReadonlySet<string>): AccountTable {
  const problems: string[] = [];
  const settings = new Map<string, Record<string, string>>();
  const table = parseTable(env["ACCOUNTS"], problems);
  for (const [name, body] of Object.entries(table ?? {})) {
    if (!ACCOUNT_NAME.test(name) || RESERVED_NAMES.has(name)) {
      problems.push(`ACCOUNTS: ${JSON.stringify(name)} is not an account name (a-z, 0-9 and -, 1 to 32; not "default" or "health"): it is not served`);
      continue;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      problems.push(`ACCOUNTS.${name} is not an object of settings: the account is not served`);
      continue;
    }
    const own: Record<string, string> = {};
    for (const [setting, value] of Object.entries(body as Raw)) {
      if ((SECRET_SETTINGS as readonly string[]).includes(setting)) {
        problems.push(`ACCOUNTS.${name}.${setting} is a secret: remove it from ACCOUNTS and run \`wrangler secret put ${accountSecretName(name, setting)}\``);
        continue;
      }
      if (!known.has(setting)) {
        problems.push(`ACCOUNTS.${name}.${setting} is not a setting: ignored`);
        continue;
      }
      if (setting === "DIFY_INPUTS" && value !== null && typeof value === "object" && !Array.isArray(value)) {
        own[setting] = JSON.stringify(value); // a TOML inline table
        continue;
      }
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        problems.push(`ACCOUNTS.${name}.${setting} is not a text, number or true/false: ignored`);
        continue;
      }
      own[setting] = String(value);
    }
    settings.set(name, own);
  }
  return { settings, problems };
}

/**
 * The raw settings of one named account: the top-level settings without the WeChat identity, then the account's own
 * settings, then its secrets under their plain names. Undefined when ACCOUNTS does not name it.
 */
export function accountSettings(env: Raw, table: AccountTable, account: string): Raw | undefined {
  const own = table.settings.get(account);
  if (own === undefined) return undefined;
  const merged: Raw = { ...env };
  for (const setting of IDENTITY_SETTINGS) delete merged[setting];
  Object.assign(merged, own);
  for (const secret of SECRET_SETTINGS) {
    const value = env[accountSecretName(account, secret)];
    if (typeof value === "string" && value.trim() !== "") merged[secret] = value;
  }
  return merged;
}
