/**
 * The owner's tools: fixed keyword replies, handing a follower to human staff, and limits on who may ask how much.
 * Pure modules (parsing and matching); the follower's object applies them (src/session/intake.ts and
 * follower-session.ts `admit`), the callback route applies the blocklist.
 */
import type { KeywordRule } from "./keyword-rules";
import { parseKeywordRules } from "./keyword-rules";
import { parseHandoffKeywords, type HandoffSettings } from "./handoff";
import { parseBlockedOpenids } from "./blocklist";

export { keywordReply, menuKeyReply, parseKeywordRules, type KeywordRule, type KeywordMatch } from "./keyword-rules";
export {
  BOT_COMMAND, DEFAULT_HANDOFF_KEYWORDS, HANDOFF_META_KEY, endHandoff, isBotCommand, isHandedOff, isHandoffKeyword,
  startHandoff, type HandoffSettings, type HandoffStore, type MetaStore,
} from "./handoff";
export { RATE_WINDOW_MS, overRateLimit } from "./rate-limit";
export { parseBlockedOpenids } from "./blocklist";
export { MAX_REPEATS, REGEX_INPUT_MAX_CHARS, slowPatternReason } from "./regex-guard";

/** One account's owner rules, validated. */
export interface OwnerRules {
  readonly keywordReplies: readonly KeywordRule[];
  readonly handoff: HandoffSettings;
  /** Questions per follower per rolling hour; 0: no limit. */
  readonly rateLimitPerHour: number;
  readonly blockedOpenids: ReadonlySet<string>;
}

/** No rules at all: what a message meets when the account sets none (and handoffs are off). */
export const NO_OWNER_RULES: OwnerRules = {
  keywordReplies: [],
  handoff: { keywords: [], minutes: 30 },
  rateLimitPerHour: 0,
  blockedOpenids: new Set(),
};

/**
 * Reads the settings whose parsing is the owner rules' own (KEYWORD_REPLIES, HANDOFF_KEYWORDS, BLOCKED_OPENIDS);
 * the numbers come validated from src/config.ts. Problems are appended to `problems`, one line each.
 */
export function readOwnerRules(
  raw: Readonly<Record<string, unknown>>,
  numbers: { handoffMinutes: number; rateLimitPerHour: number },
  problems: string[],
): OwnerRules {
  return {
    keywordReplies: parseKeywordRules(raw["KEYWORD_REPLIES"], problems),
    handoff: { keywords: parseHandoffKeywords(raw["HANDOFF_KEYWORDS"]), minutes: numbers.handoffMinutes },
    rateLimitPerHour: numbers.rateLimitPerHour,
    blockedOpenids: parseBlockedOpenids(raw["BLOCKED_OPENIDS"]),
  };
}
