/**
 * KEYWORD_REPLIES: the owner's fixed answers, given before (and instead of) asking Dify.
 *
 *   KEYWORD_REPLIES = '[{"match": "exact", "keyword": "营业时间", "reply": "每天 9:00–18:00"},
 *                       {"match": "regex", "keyword": "^(退款|退货)", "reply": "请在订单页申请退款。"}]'
 *
 * `match` is `exact` (the default), `contains` or `regex`; matching ignores ASCII case and the text's surrounding
 * spaces; the first rule that matches wins. A CLICK event's key matches a rule whose keyword equals it. A rule that
 * cannot be used is named in one problem line and skipped; the others stay.
 */
import { utf8Length } from "../text/utf8";
import { REGEX_INPUT_MAX_CHARS, slowPatternReason } from "./regex-guard";

/** How a rule's keyword is compared with the follower's text. */
export type KeywordMatch = "exact" | "contains" | "regex";

/** One usable rule. */
export interface KeywordRule {
  readonly match: KeywordMatch;
  /** As the owner wrote it. */
  readonly keyword: string;
  readonly reply: string;
  /** The keyword with ASCII letters in lower case (exact and contains rules, and CLICK keys). */
  readonly folded: string;
  /** The compiled pattern of a regex rule. */
  readonly pattern?: RegExp;
}

/** A passive text reply above this many UTF-8 bytes is at risk of being refused by WeChat. */
const MAX_REPLY_BYTES = 2048;
const MATCHES: readonly string[] = ["exact", "contains", "regex"];

/** ASCII letters in lower case, everything else as it is (no locale-dependent folding). */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function parseList(value: unknown, problems: string[]): unknown[] {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return [];
  if (Array.isArray(value)) return value; // a TOML array in wrangler.toml arrives as one
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // reported below
    }
  }
  problems.push("KEYWORD_REPLIES is not a JSON list of {match, keyword, reply}: no keyword replies");
  return [];
}

/** One entry as a rule, or the reason it cannot be one. */
function parseRule(entry: unknown): KeywordRule | string {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return "is not an object";
  const { match = "exact", keyword, reply } = entry as Record<string, unknown>;
  if (typeof match !== "string" || !MATCHES.includes(match)) return `has match ${JSON.stringify(match)} (exact, contains or regex)`;
  if (typeof keyword !== "string" || keyword.trim() === "") return "has no keyword";
  if (typeof reply !== "string" || reply.trim() === "") return "has no reply";
  if (utf8Length(reply) > MAX_REPLY_BYTES) return `has a reply over ${MAX_REPLY_BYTES} bytes`;
  const rule = { match: match as KeywordMatch, keyword, reply, folded: foldAscii(keyword.trim()) };
  if (rule.match !== "regex") return rule;
  let pattern: RegExp;
  try {
    pattern = new RegExp(keyword, "iu");
  } catch (error) {
    return `has a regex that does not compile (${error instanceof Error ? error.message : String(error)})`;
  }
  const slow = slowPatternReason(keyword);
  return slow === undefined ? { ...rule, pattern } : `has a regex that could take too long: ${slow}`;
}

/** Reads KEYWORD_REPLIES (a JSON text, or a list already); each unusable rule gives one problem line. */
export function parseKeywordRules(value: unknown, problems: string[]): readonly KeywordRule[] {
  const rules: KeywordRule[] = [];
  parseList(value, problems).forEach((entry, index) => {
    const rule = parseRule(entry);
    if (typeof rule === "string") problems.push(`KEYWORD_REPLIES[${index}] ${rule}: rule skipped`);
    else rules.push(rule);
  });
  return rules;
}

function matches(rule: KeywordRule, text: string, folded: string): boolean {
  switch (rule.match) {
    case "exact":
      return folded === rule.folded;
    case "contains":
      return folded.includes(rule.folded);
    case "regex":
      return text.length <= REGEX_INPUT_MAX_CHARS && rule.pattern !== undefined && rule.pattern.test(text);
  }
}

/** The reply of the first rule that matches a text message, if any. */
export function keywordReply(rules: readonly KeywordRule[], content: string): string | undefined {
  if (rules.length === 0) return undefined;
  const text = content.trim();
  const folded = foldAscii(text);
  return rules.find((rule) => matches(rule, text, folded))?.reply;
}

/** The reply of the first rule whose keyword is this CLICK key (ignoring ASCII case), if any. */
export function menuKeyReply(rules: readonly KeywordRule[], key: string): string | undefined {
  const folded = foldAscii(key.trim());
  return folded === "" ? undefined : rules.find((rule) => rule.folded === folded)?.reply;
}
