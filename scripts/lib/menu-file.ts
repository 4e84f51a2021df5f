/**
 * A menu file as `npm run menu -- push` reads it, and a menu as the owner reads it back: each button with what the
 * worker does when a follower taps it (CLEAR_CONTEXT clears the conversation; a key KEYWORD_REPLIES has gets that
 * reply; any other CLICK key is asked of Dify as a question).
 */
import { readFileSync } from "node:fs";
import type { Menu, MenuButton } from "./wechat-menu";

/** The menu key the worker treats as /clear (src/session/intake.ts). */
export const CLEAR_MENU_KEY = "CLEAR_CONTEXT";

/** Reads and roughly checks a menu file (WeChat checks the rest and names what it refuses). */
export function readMenuFile(path: string): Menu {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const button = (parsed as { button?: unknown } | null)?.button;
  if (!Array.isArray(button) || button.length === 0) throw new Error(`${path}: expected {"button": [...]} with 1 to 3 buttons`);
  return parsed as Menu;
}

/** The keywords of a KEYWORD_REPLIES value (ASCII case folded, as the worker compares CLICK keys), or none. */
export function keywordsOf(value: string | undefined): Set<string> {
  const out = new Set<string>();
  if (value === undefined) return out;
  try {
    const rules: unknown = JSON.parse(value);
    if (!Array.isArray(rules)) return out;
    for (const rule of rules) {
      const keyword = (rule as { keyword?: unknown } | null)?.keyword;
      if (typeof keyword === "string") out.add(keyword.trim().replace(/[A-Z]/g, (c) => c.toLowerCase()));
    }
  } catch {
    // Not JSON: the worker uses no rule either.
  }
  return out;
}

/** What tapping a CLICK button does. */
function clickEffect(key: string, keywords: Set<string>): string {
  if (key === CLEAR_MENU_KEY) return "clears the follower's conversation (as /clear)";
  if (keywords.has(key.trim().replace(/[A-Z]/g, (c) => c.toLowerCase()))) return "the KEYWORD_REPLIES reply for it";
  return "asked of Dify as a question";
}

function describe(button: MenuButton, keywords: Set<string>, indent: string): string[] {
  if (Array.isArray(button.sub_button) && button.sub_button.length > 0 && button.type === undefined) {
    return [`${indent}${button.name}`, ...button.sub_button.flatMap((sub) => describe(sub, keywords, `${indent}  `))];
  }
  const type = button.type ?? "?";
  if (type === "click") return [`${indent}[click] ${button.name}: key ${button.key ?? ""} → ${clickEffect(button.key ?? "", keywords)}`];
  if (type === "view") return [`${indent}[view] ${button.name}: opens ${button.url ?? ""}`];
  return [`${indent}[${type}] ${button.name}`];
}

/** The menu, one line per button. */
export function describeMenu(menu: Menu, keywords: Set<string>): string[] {
  return menu.button.flatMap((button) => describe(button, keywords, "  "));
}
