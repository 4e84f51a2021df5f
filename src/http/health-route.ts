/**
 * `GET /wechat/health` and `GET /wechat/<name>/health`: the account's self-check (src/owner/health.ts) as JSON, for
 * whoever can sign like WeChat's console check does (signature over the account's token, timestamp, nonce, with a
 * timestamp at most 5 minutes off). Anyone else gets 403, and nothing in the answer is a secret.
 */
import { Hono } from "hono";
import { accountTable, type AppEnv } from "../config";
import { configOrResponse, type AppContext } from "./account-config";
import { DEFAULT_ACCOUNT } from "../accounts";
import { log, withLogFields } from "../log";
import { healthReport } from "../owner/health";
import { isFreshTimestamp } from "../wechat/freshness";
import { isValidSignature } from "../wechat/signature";

async function health(c: AppContext, account: string): Promise<Response> {
  const config = configOrResponse(c, account);
  if (config instanceof Response) return config;
  const q = c.req.query();
  if (!(await isValidSignature(config.wechat.token, q)) || !isFreshTimestamp(q.timestamp)) {
    log.warn("health_refused", { reason: "bad signature or stale timestamp" });
    return c.text("forbidden", 403);
  }
  const report = await healthReport(config, accountTable(c.env));
  log.info("health", { ok: report.ok, failing: report.checks.filter((check) => !check.ok).map((check) => check.name) });
  return c.json(report, 200, { "cache-control": "no-store" });
}

/** The health routes, to mount on `/wechat` before the account routes (whose `/:account` would take `/health`). */
export const healthRoutes = new Hono<{ Bindings: AppEnv }>();

healthRoutes.get("/health", (c) => withLogFields({ account: DEFAULT_ACCOUNT }, () => health(c, DEFAULT_ACCOUNT)));
healthRoutes.get("/:account/health", (c) => {
  const account = c.req.param("account");
  return withLogFields({ account }, () => health(c, account));
});
