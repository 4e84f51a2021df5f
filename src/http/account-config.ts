/**
 * The account a /wechat request names, as its Config, or the response that says why it cannot be served: 404 for a
 * name ACCOUNTS does not have, 500 (with one log line naming the setting) for an account nobody can verify.
 */
import type { Context } from "hono";
import { ConfigError, UnknownAccountError, configFor, type AppEnv, type Config } from "../config";
import { log } from "../log";

/** A Hono context of this worker. */
export type AppContext = Context<{ Bindings: AppEnv }>;

/** The account's Config, or the response that says why it cannot be served (404 unknown, 500 unverifiable). */
export function configOrResponse(c: AppContext, account: string): Config | Response {
  try {
    return configFor(c.env, account);
  } catch (error) {
    if (error instanceof UnknownAccountError) return c.text("not found", 404);
    if (error instanceof ConfigError) {
      // No token: nobody can sign for this account, so there is nothing to answer but the log line.
      log.error("config", { problem: error.message });
      return c.text("The worker is not configured: see its log.", 500);
    }
    throw error;
  }
}
