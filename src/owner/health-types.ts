/**
 * The self-check's answer (`GET /wechat/health`): one line per concern, each ok or not with a detail the owner can
 * act on. The doctor (scripts/doctor.ts) prints these as a checklist and adds a fix for each failing one.
 */

/** The names of the checks, in the order they are reported. */
export const CHECK_NAMES = ["settings", "dify", "dify-app", "wechat-api", "delivery", "alerts"] as const;

/** One check's name. */
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check: what was looked at, whether it is fine, and what was found (never a secret). */
export interface HealthCheck {
  name: CheckName;
  ok: boolean;
  detail: string;
}

/** The whole answer: `ok` when every check is. */
export interface HealthReport {
  ok: boolean;
  account: string;
  checks: HealthCheck[];
}
