/**
 * The owner's tools inside the worker: the self-check behind `GET /wechat/health` (./health.ts) and the alerts
 * posted to ALERT_WEBHOOK_URL when the worker meets a problem only the owner can fix (./alert-ledger.ts, kept in the
 * account's AccessTokenStore; ./dify-watch.ts, the follower side's report of each Dify call).
 */
export { healthReport, CHECK_NAMES, type CheckName, type HealthCheck, type HealthReport } from "./health";
export { AlertLedger, ALERT_LEDGER_KEY, type LedgerState } from "./alert-ledger";
export { ALERT_WINDOW_MS, DIFY_FAILURE_STREAK, type Alert, type AlertKind, type DifyOutcome } from "./alert-kinds";
export { watchDify } from "./dify-watch";
export { reportWechatRefusal } from "./wechat-watch";
