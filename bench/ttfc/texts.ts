/**
 * How the follower reads a text: which notes ask for "1", and what is left of it once every note and holding text is
 * taken out (the answer text). The notes come from the worker's own zh_Hans texts (src/texts.ts), matched with the
 * "1" either plain or as WeChat's tappable link (CONTINUE_LINK), so a change of wording cannot make the bench miscount.
 */
import { buildTexts } from "../../src/texts.js";
import { TAPPABLE_ONE } from "../../src/text/tappable.js";

const TEXTS = buildTexts("zh_Hans", {});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** "1" plain or tappable. */
const ONE = `(?:${escape(TAPPABLE_ONE)}|1)`;

/** A template as a regex source: `{placeholders}` as numbers, the lone "1" plain or tappable. */
function pattern(template: string): string {
  return template
    .split(/(\{\w+\})/)
    .map((piece) => (/^\{\w+\}$/.test(piece) ? "\\d+" : escape(piece).replace(/(?<![0-9A-Za-z{}])1(?![0-9}])/, ONE)))
    .join("");
}

/** Notes that ask the follower to send "1". */
const ASKS_FOR_ONE: readonly RegExp[] = [
  new RegExp(`${pattern(TEXTS.continuePrompt)}(?:${pattern(TEXTS.continueCountdown)})?`),
  new RegExp(pattern(TEXTS.continueLater)),
  new RegExp(pattern(TEXTS.moreParts)),
  new RegExp(pattern(TEXTS.moreComing)),
  new RegExp(pattern(TEXTS.earlierWaiting)),
];

/** Every text that is not answer text: the notes above, CS mode's holding text, any link (the answer page's). */
const NOT_ANSWER: readonly RegExp[] = [
  ...ASKS_FOR_ONE.map((r) => new RegExp(r.source, "g")),
  new RegExp(escape(TEXTS.holding), "g"),
  /<a [^>]*>[^<]*<\/a>/g,
];

/** Whether the text asks the follower to reply "1". */
export function asksForOne(text: string): boolean {
  return ASKS_FOR_ONE.some((r) => r.test(text));
}

/** The answer text inside a reply or CS message: notes, holding text and links removed, then all whitespace. */
export function answerText(text: string): string {
  let rest = text;
  for (const r of NOT_ANSWER) rest = rest.replace(r, "");
  return rest.replace(/\s/g, "");
}

/** The "n/m" of a "reply 1 for more" note, when the text carries one. */
export function partNumber(text: string): { current: number; total: number } | undefined {
  const match = new RegExp(pattern(TEXTS.moreParts).replace(/\\d\+/g, "(\\d+)")).exec(text);
  if (!match) return undefined;
  return { current: Number(match[1]), total: Number(match[2]) };
}
