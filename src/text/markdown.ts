import { Lexer } from "marked";
import { renderBlocks } from "./blocks.js";
import { defuseMarkdown, restoreDefused } from "./defuse.js";
import { imageUrls } from "./images.js";
import { segmentMarkdown } from "./segments.js";
import { stripThinking } from "./think.js";

export { stripThinking };

/** GitHub-flavoured Markdown (tables, strikethrough, task lists, bare URLs) is what models write. */
const LEXER_OPTIONS = { gfm: true, breaks: false } as const;

/**
 * At most this many UTF-16 code units (64 Ki, about 32 WeChat messages of Chinese text) of an answer are shaped as
 * Markdown. The rest is still delivered, after a blank line, as written (only line ends tidied): a follower who
 * reads that far wants the text, and no answer may cost unbounded CPU. The cut falls at the last line break before
 * the limit (at the limit itself when the last 4 Ki hold none), never inside a surrogate pair.
 */
export const MAX_SHAPED_CHARS = 65_536;
const CUT_SEARCH = 4_096;

/** An answer shaped for WeChat: its text, and the image URLs its Markdown carries. */
export interface ShapedAnswer {
  /** See markdownToWechatText. */
  text: string;
  /** See markdownImageUrls. */
  imageUrls: string[];
}

/** The last answer shaped: the text and the image URLs of one answer are asked for from two places. */
let last: { markdown: string; shaped: ShapedAnswer } | undefined;

/**
 * Shapes an answer for WeChat with one pass of the Markdown lexer: the text (see markdownToWechatText) and the image
 * URLs (see markdownImageUrls). Linear in the length of `markdown`: thinking is removed in one pass, pathological
 * Markdown is defused before lexing (see defuse.ts), a long answer is lexed in segments of bounded size (see
 * segments.ts), and only the first MAX_SHAPED_CHARS are lexed at all. The last
 * result is remembered, so asking for the text and then the images of the same answer lexes it once. Never throws.
 */
export function shapeMarkdown(markdown: string): ShapedAnswer {
  if (typeof markdown !== "string") return { text: "", imageUrls: [] };
  if (last?.markdown === markdown) return { text: last.shaped.text, imageUrls: [...last.shaped.imageUrls] };
  const shaped = shape(markdown);
  last = { markdown, shaped };
  return { text: shaped.text, imageUrls: [...shaped.imageUrls] };
}

function shape(markdown: string): ShapedAnswer {
  let source = markdown;
  try {
    source = stripThinking(markdown);
    const cut = shapedLength(source);
    // Every image token comes from a "![" in the source: without one there is nothing to look for.
    const withImages = source.includes("![");
    let head = "";
    const images: string[] = [];
    for (const segment of segmentMarkdown(defuseMarkdown(source.slice(0, cut)))) {
      const tokens = Lexer.lex(segment.text, LEXER_OPTIONS);
      const text = tidy(renderBlocks(tokens, 0).join("\n\n"));
      if (text !== "") head = head === "" ? text : head + segment.joiner + text;
      if (withImages) images.push(...imageUrls(tokens));
    }
    const tail = tidy(source.slice(cut));
    return {
      text: [restoreDefused(head), tail].filter((t) => t !== "").join("\n\n"),
      imageUrls: [...new Set(images.map(restoreDefused))],
    };
  } catch {
    // A parser failure means no images we can trust; the text itself is still delivered.
    return { text: tidy(source), imageUrls: [] };
  }
}

/** How much of `text` is shaped: all of it, or up to the last line break before MAX_SHAPED_CHARS. */
function shapedLength(text: string): number {
  if (text.length <= MAX_SHAPED_CHARS) return text.length;
  const newline = text.lastIndexOf("\n", MAX_SHAPED_CHARS - 1);
  if (newline >= MAX_SHAPED_CHARS - CUT_SEARCH) return newline + 1;
  const code = text.charCodeAt(MAX_SHAPED_CHARS);
  return code >= 0xdc00 && code <= 0xdfff ? MAX_SHAPED_CHARS - 1 : MAX_SHAPED_CHARS;
}

/**
 * Turns an AI answer written in Markdown into text that reads well in WeChat (which shows plain text):
 * <think>…</think> reasoning removed (also an unterminated one); headings as 【text】 on their own line (levels 1–3,
 * deeper ones as plain lines); **bold**, *em*, ~~del~~ and `code` as their text; lists as "• item" / "1. item" with
 * nested items indented (◦ and ▪ bullets below the first level) and tasks as ☑/☐; block quotes as "> " lines;
 * fenced and indented code blocks verbatim; table rows as "a | b" lines, header first; links as "text (url)" (just
 * the url when text and url match, just the text for in-page anchors); images as their URL; horizontal rules as a
 * line; HTML tags dropped and entities decoded; paragraphs separated by one blank line; no trailing spaces.
 * Pathological parts (hundreds of emphasis markers in one paragraph, markers nested more than 6 deep on a line)
 * are kept as written, and text past MAX_SHAPED_CHARS is delivered as written: see shapeMarkdown.
 * Never throws: on a failure inside the Markdown parser the input comes back with only thinking removed.
 */
export function markdownToWechatText(markdown: string): string {
  return shapeMarkdown(markdown).text;
}

/**
 * Image URLs found in the Markdown (![alt](url)) in order — for sending them as images later. Images inside
 * thinking are left out, and a URL that appears twice is listed once (at its first place); images past
 * MAX_SHAPED_CHARS are not looked for (their Markdown stays in the text). Never throws.
 */
export function markdownImageUrls(markdown: string): string[] {
  return shapeMarkdown(markdown).imageUrls;
}

/**
 * No trailing spaces and no blank lines at either end. Runs of blank lines are left alone: only code blocks can
 * hold them here (HTML leftovers are tidied where they arise), and code stays as written.
 */
function tidy(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n").map((line) => line.trimEnd());
  let first = 0;
  let end = lines.length;
  while (first < end && lines[first] === "") first += 1;
  while (end > first && lines[end - 1] === "") end -= 1;
  return lines.slice(first, end).join("\n");
}
