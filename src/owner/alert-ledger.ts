/**
 * The account's record of alerts, kept in its AccessTokenStore Durable Object (one per account, so every isolate of
 * the deployment shares it): when each kind was last posted, and how many Dify calls in a row have failed. Deciding
 * and recording happen in one synchronous step of the object, so two followers meeting the same problem at once
 * still make one post. The post itself is never awaited by anyone: it cannot delay or break a reply.
 */
import type { Config } from "../config";
import {
  ALERT_WINDOW_MS, DIFY_FAILURE_STREAK, difyFailingAlert, difyKeyAlert, wechatAlert,
  type Alert, type AlertKind, type DifyOutcome,
} from "./alert-kinds";
import { postAlert, type AlertTarget } from "./alert-post";

/** The storage key of the ledger. */
export const ALERT_LEDGER_KEY = "alerts";

/** What is stored. */
export interface LedgerState {
  /** When each kind was last posted (ms since epoch). */
  posted: Partial<Record<AlertKind, number>>;
  /** Dify calls that failed since the last one that worked (refused keys aside). */
  difyStreak: number;
}

/** The part of a Durable Object's synchronous KV storage the ledger uses. */
export interface LedgerStorage {
  get<T = unknown>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
}

/** What the ledger needs besides storage; the defaults are the real ones. */
export interface LedgerOptions {
  post?: (target: AlertTarget, alert: Alert) => Promise<boolean>;
  /** Keeps the post alive after the call that started it returned (the object's `ctx.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  now?: () => number;
}

/** The webhook of an account, when it has one. */
function targetOf(config: Config): AlertTarget | undefined {
  const url = config.alerts.webhookUrl;
  return url === undefined ? undefined : { url, format: config.alerts.format };
}

/** One account's alert record (see the module comment). */
export class AlertLedger {
  readonly #storage: LedgerStorage;
  readonly #post: (target: AlertTarget, alert: Alert) => Promise<boolean>;
  readonly #waitUntil: (promise: Promise<unknown>) => void;
  readonly #now: () => number;

  constructor(storage: LedgerStorage, options: LedgerOptions = {}) {
    this.#storage = storage;
    this.#post = options.post ?? ((target, alert) => postAlert(target, alert));
    this.#waitUntil = options.waitUntil ?? (() => undefined);
    this.#now = options.now ?? Date.now;
  }

  /** The stored record (a fresh one when nothing is stored). */
  state(): LedgerState {
    return this.#storage.get<LedgerState>(ALERT_LEDGER_KEY) ?? { posted: {}, difyStreak: 0 };
  }

  /**
   * Starts posting `alert` unless the account has no webhook or this kind was posted within ALERT_WINDOW_MS.
   * Returns whether it started a post.
   */
  raise(config: Config, alert: Alert): boolean {
    const target = targetOf(config);
    if (target === undefined) return false;
    const state = this.state();
    const now = this.#now();
    const last = state.posted[alert.kind];
    if (last !== undefined && now - last < ALERT_WINDOW_MS) return false;
    this.#storage.put<LedgerState>(ALERT_LEDGER_KEY, { ...state, posted: { ...state.posted, [alert.kind]: now } });
    // postAlert never rejects; the catch is for a replaced `post`.
    this.#waitUntil(this.#post(target, alert).catch(() => false));
    return true;
  }

  /** A stable_token call failed: raise the alert when it is one the owner must hear of. */
  noteWechatError(config: Config, error: unknown): boolean {
    const alert = wechatAlert(config.account, error);
    return alert !== undefined && this.raise(config, alert);
  }

  /** A Dify call ended: keeps the failure streak and raises what it calls for. Returns the streak. */
  noteDify(config: Config, outcome: DifyOutcome): number {
    const state = this.state();
    if (outcome.ok) {
      if (state.difyStreak !== 0) this.#storage.put<LedgerState>(ALERT_LEDGER_KEY, { ...state, difyStreak: 0 });
      return 0;
    }
    if (outcome.keyRefused) {
      this.raise(config, difyKeyAlert(config.account, outcome.detail));
      return state.difyStreak;
    }
    const streak = state.difyStreak + 1;
    this.#storage.put<LedgerState>(ALERT_LEDGER_KEY, { ...state, difyStreak: streak });
    if (streak >= DIFY_FAILURE_STREAK) this.raise(config, difyFailingAlert(config.account, streak, outcome.detail));
    return streak;
  }
}
