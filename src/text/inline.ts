import type { MarkedToken, Token, Tokens } from "marked";
import { decodeEntities, htmlToText, isLineBreakTag } from "./html.js";

/**
 * Renders Markdown inline tokens (emphasis, code spans, links, images, inline HTML) as plain text for WeChat.
 * Markers disappear and their text stays; links keep their address because a chat has nothing to click on.
 */
export function renderInline(tokens: readonly Token[] | undefined): string {
  if (tokens === undefined) return "";
  // Pieces are joined once: only the last character rendered so far is ever looked at, and reading a growing
  // string after every token would copy it each time.
  const pieces: string[] = [];
  let lastChar = "";
  tokens.forEach((token, index) => {
    const piece = looksLikeArithmetic(token, lastChar, tokens[index + 1]) ? token.raw : renderInlineToken(token);
    if (piece === "") return;
    pieces.push(piece);
    lastChar = piece.charAt(piece.length - 1);
  });
  return pieces.join("");
}

/**
 * Models write `2*3*4` and `a*b*c` as arithmetic; CommonMark reads the middle as emphasis and the asterisks would
 * vanish. A single-asterisk emphasis wedged between ASCII letters or digits on both sides is kept as written
 * (CJK text, which has no spaces, still gets its emphasis removed).
 */
function looksLikeArithmetic(token: Token, charBefore: string, next: Token | undefined): boolean {
  if (token.type !== "em" || !token.raw.startsWith("*") || token.raw.startsWith("**")) return false;
  return /^[A-Za-z0-9]$/.test(charBefore) && next !== undefined && /^[A-Za-z0-9]/.test(next.raw);
}

function renderInlineToken(token: Token): string {
  const known = token as MarkedToken;
  switch (known.type) {
    case "text":
      return known.tokens !== undefined ? renderInline(known.tokens) : plainText(known.text);
    case "escape":
      return known.text;
    case "strong":
    case "em":
      return renderInline(known.tokens);
    case "del":
      // GFM also strikes through with single tildes, but in Chinese answers "10~20元" is a range: keep those.
      return known.raw.startsWith("~~") ? renderInline(known.tokens) : `~${renderInline(known.tokens)}~`;
    case "codespan":
      return known.text;
    case "br":
      return "\n";
    case "link":
      return renderLink(known);
    case "image":
      return known.href !== "" ? known.href : plainText(known.text);
    case "html":
      return isLineBreakTag(known.text) ? "\n" : htmlToText(known.text);
    case "checkbox":
      // The list renderer shows the task state itself.
      return "";
    default:
      return renderUnknown(token);
  }
}

/** "text (url)", or only one of them when the other adds nothing or cannot be followed in a chat. */
function renderLink(link: Tokens.Link): string {
  const text = renderInline(link.tokens).trim();
  const href = link.href.trim();
  if (href === "" || href.startsWith("#") || /^javascript:/i.test(href)) return text;
  const shownHref = href.replace(/^mailto:/i, "");
  if (text === "" || link.autolink === true) return text === "" ? shownHref : text;
  if (text.includes(shownHref) || sameAddress(text, href)) return text;
  return `${text} (${shownHref})`;
}

/** "example.com/a" and "https://example.com/a/" name the same place for a reader. */
function sameAddress(text: string, href: string): boolean {
  const bare = (value: string): string => trimTrailingSlashes(value.replace(/^[a-z][a-z0-9+.-]*:(?:\/\/)?/i, ""));
  return bare(text).toLowerCase() === bare(href).toLowerCase();
}

/** `value` without the slashes at its end (a loop: /\/+$/ retries from every slash of a long run). */
function trimTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value.charAt(end - 1) === "/") end -= 1;
  return value.slice(0, end);
}

/**
 * Text outside code: entities decoded, and `**bold**` that CommonMark left unparsed removed. Models write
 * `**注意：**这样` a lot; the closing `**` follows CJK punctuation and precedes a letter, so CommonMark does not see
 * it as a closer and the asterisks would show.
 */
export function plainText(text: string): string {
  return decodeEntities(text.replace(/\*\*([^\s*](?:[^*\n]*[^\s*])?)\*\*/g, "$1"));
}

/** Extension tokens (none are registered today) still show their text rather than vanish. */
function renderUnknown(token: Token): string {
  const generic = token as Tokens.Generic;
  if (Array.isArray(generic.tokens)) return renderInline(generic.tokens);
  const text: unknown = generic.text;
  return typeof text === "string" ? plainText(text) : "";
}
