/**
 * The "settings" check: every problem reading the account's settings found, each naming its setting (the same lines
 * the worker logs once per isolate), plus what ACCOUNTS says about this account.
 */
import type { Config } from "../config";
import type { AccountTable } from "../accounts/accounts";
import { DEFAULT_ACCOUNT } from "../accounts";
import type { HealthCheck } from "./health-types";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The problems that matter for this account. "uses http://" is left out for an API on this very machine (a local
 * stand-in or tunnel end): nothing crosses a network there.
 */
export function settingsProblems(config: Config, table: AccountTable): string[] {
  const local: Record<string, string> = { WECHAT_API_BASE: config.wechat.apiBase, DIFY_API_BASE: config.dify.apiBase };
  const own = config.problems.filter((problem) => {
    const http = /^(WECHAT_API_BASE|DIFY_API_BASE) uses http:\/\//.exec(problem);
    return http === null || !isLoopback(local[http[1] ?? ""] ?? "");
  });
  const named = config.account !== DEFAULT_ACCOUNT;
  // A named account owns the lines about its entry; the default account hears about ACCOUNTS as a whole.
  const fromTable = table.problems.filter((problem) =>
    named ? problem.startsWith(`ACCOUNTS.${config.account}.`) : !/^ACCOUNTS\.[a-z0-9-]+\./.test(problem),
  );
  return [...own, ...fromTable];
}

/** The check: ok when no setting has a problem; the detail lists them, each starting with the setting's name. */
export function checkSettings(config: Config, table: AccountTable): HealthCheck {
  const problems = settingsProblems(config, table);
  return {
    name: "settings",
    ok: problems.length === 0,
    detail: problems.length === 0 ? "no problems" : problems.join("; "),
  };
}
