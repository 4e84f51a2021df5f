/**
 * WeChat shows text, so HTML that an answer carries (inline tags, raw blocks, entities) is reduced to its text.
 * This is a tolerant stripper for model output, not an HTML parser: it never throws and keeps unknown entities as
 * written.
 */

/** Entities models actually emit; numeric references cover the rest. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ensp: " ",
  emsp: " ",
  thinsp: " ",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  middot: "·",
  bull: "•",
  times: "×",
  divide: "÷",
  plusmn: "±",
  deg: "°",
  le: "≤",
  ge: "≥",
  ne: "≠",
  larr: "←",
  rarr: "→",
  uarr: "↑",
  darr: "↓",
  yen: "¥",
  euro: "€",
  pound: "£",
  cent: "¢",
  sect: "§",
  para: "¶",
};

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

/** Decodes character references (`&amp;`, `&#20320;`, `&#x1F600;`) in one pass; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : "\uFFFD";
  });
}

/** True for `<br>`, `<br/>`, `<br />`: the one inline tag that carries meaning in text (a line break). */
export function isLineBreakTag(tag: string): boolean {
  return /^<br\s*\/?>$/i.test(tag.trim());
}

/**
 * Reduces a block of HTML to readable text: comments, scripts and styles go; line breaks and the ends of block
 * elements become newlines; list items get a bullet; every other tag is dropped and entities are decoded.
 * A tag ends at its `>` or before the next `<` (so "<a" × 10,000 without any `>` stays linear and stays text).
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(?:-->|$)/g, "")
    .replace(/<(script|style)\b[^<>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^<>]*>\s*/gi, "• ")
    .replace(/<\/(?:p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol|section|article|details|summary)\s*>/gi, "\n")
    .replace(/<(?:td|th)\b[^<>]*>/gi, " ")
    .replace(/<\/?[A-Za-z][^<>]*>/g, "");
  // Markup leaves empty lines where tags stood; one blank line is all the structure a chat message needs.
  return decodeEntities(text)
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+/, "")
    .trimEnd();
}
