/**
 * A human takes over: a text equal to one of HANDOFF_KEYWORDS hands the follower to the account's customer-service
 * staff (WeChat's `transfer_customer_service` reply) for HANDOFF_MINUTES; meanwhile every message is handed over the
 * same way and Dify is not asked. `/bot` gives the follower back to the bot early.
 *
 * The handoff's start is the follower's own data (in their `meta`), so an unsubscribe forgets it like the rest.
 */
import { foldAscii } from "./keyword-rules";

/** The handoff settings of one account. */
export interface HandoffSettings {
  /** Texts that start a handoff, ASCII letters in lower case; empty: the feature is off. */
  readonly keywords: readonly string[];
  readonly minutes: number;
}

/** What the follower sends to end a handoff early. */
export const BOT_COMMAND = "/bot";
/** HANDOFF_KEYWORDS when it is not set. */
export const DEFAULT_HANDOFF_KEYWORDS = "人工,转人工,人工客服";
/** The `meta` key of when the follower's handoff started (epoch ms). */
export const HANDOFF_META_KEY = "handoff_since";

/** The follower's per-object values, as the session store keeps them. */
export interface MetaStore {
  meta(key: string): string | undefined;
  setMeta(key: string, value: string | undefined): void;
}

/** Reads HANDOFF_KEYWORDS: unset gives the default list, an empty value turns the feature off. */
export function parseHandoffKeywords(value: unknown): readonly string[] {
  const text = typeof value === "string" ? value : DEFAULT_HANDOFF_KEYWORDS;
  // Chinese keyboards type the full-width comma.
  return text.split(/[,，]/).map((k) => foldAscii(k.trim())).filter((k) => k !== "");
}

/** Whether this text starts a handoff. */
export function isHandoffKeyword(settings: HandoffSettings, content: string): boolean {
  return settings.keywords.includes(foldAscii(content.trim()));
}

/** Whether this text ends one (only where handoffs exist at all). */
export function isBotCommand(settings: HandoffSettings, content: string): boolean {
  return settings.keywords.length > 0 && foldAscii(content.trim()) === BOT_COMMAND;
}

/** Whether the follower is with the staff at `now`. */
export function isHandedOff(store: MetaStore, settings: HandoffSettings, now: number): boolean {
  if (settings.keywords.length === 0) return false;
  const since = Number(store.meta(HANDOFF_META_KEY));
  return Number.isFinite(since) && since <= now && now < since + settings.minutes * 60_000;
}

/** What starting a handoff needs of the session store. */
export interface HandoffStore extends MetaStore {
  /** Ends the questions not answered yet and drops the parts not delivered; returns how many questions ended. */
  dropUndelivered(now: number): number;
}

/**
 * Records that the follower's handoff starts at `now` (a keyword during a handoff starts it again) and gives up what
 * the bot had not delivered yet: the staff answer from here on. Returns how many questions were given up; the caller
 * stops the answer being written, if any.
 */
export function startHandoff(store: HandoffStore, now: number): number {
  store.setMeta(HANDOFF_META_KEY, String(now));
  return store.dropUndelivered(now);
}

/** Ends the follower's handoff, if any. */
export function endHandoff(store: MetaStore): void {
  if (store.meta(HANDOFF_META_KEY) !== undefined) store.setMeta(HANDOFF_META_KEY, undefined);
}
