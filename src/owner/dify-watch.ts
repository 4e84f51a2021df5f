/**
 * Where the follower's side tells the account's alert ledger how its Dify calls end (src/session/ask-dify.ts wraps
 * every call in {@link watchDify}). Only accounts with ALERT_WEBHOOK_URL pay anything for it, and never in time: the
 * report is a call to the account's AccessTokenStore that nobody awaits.
 *
 * Failures are always reported. Successes only end a streak, so an isolate reports one when it knows a streak is open
 * (its own report said so) and otherwise at most once per {@link SUCCESS_REPORT_EVERY_MS}: a success in one isolate
 * then ends a streak counted from another isolate's failures within a minute, without a call per answer.
 */
import { env } from "cloudflare:workers";
import type { Config } from "../config";
import { tokenStoreName } from "../accounts";
import { describeError, log } from "../log";
import { difyFailure, type DifyOutcome } from "./alert-kinds";

/** Longest an isolate goes without telling the ledger that Dify answered. */
export const SUCCESS_REPORT_EVERY_MS = 60_000;

/** What this isolate knows of each account's streak. */
interface Seen {
  streakOpen: boolean;
  lastReportAt: number;
  /** Reports sent; a reply to an older one must not overwrite what a newer one says. */
  sent: number;
}

const seenByAccount = new Map<string, Seen>();

function report(config: Config, outcome: DifyOutcome): void {
  const seen = seenByAccount.get(config.account) ?? { streakOpen: false, lastReportAt: 0, sent: 0 };
  seenByAccount.set(config.account, seen);
  const now = Date.now();
  if (outcome.ok && !seen.streakOpen && now - seen.lastReportAt < SUCCESS_REPORT_EVERY_MS) return;
  seen.lastReportAt = now;
  const number = ++seen.sent;
  if (!outcome.ok && !outcome.keyRefused) seen.streakOpen = true;
  const store = env.ACCESS_TOKEN_STORE.getByName(tokenStoreName(config.account));
  void store.noteDifyOutcome(config.account, outcome).then(
    (streak) => {
      if (number === seen.sent) seen.streakOpen = streak > 0;
    },
    (error: unknown) => log.warn("alert_ledger_unreachable", describeError(error)),
  );
}

/** Runs one Dify call and reports how it ended (see the module comment); its result or error is passed on unchanged. */
export async function watchDify<T>(config: Config, call: () => Promise<T>): Promise<T> {
  if (config.alerts.webhookUrl === undefined) return call();
  let result: T;
  try {
    result = await call();
  } catch (error) {
    const outcome = difyFailure(error);
    if (outcome !== undefined) report(config, outcome);
    throw error;
  }
  report(config, { ok: true });
  return result;
}
