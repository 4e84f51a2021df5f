/**
 * The zh_Hans texts tests compare with, as the follower sees them: where a text asks for "1", the "1" is WeChat's
 * tappable link (CONTINUE_LINK, on by default; see src/text/tappable.ts).
 */
import { TAPPABLE_ONE } from "../../src/text/tappable";

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** "1" as the texts show it. */
export const ONE = TAPPABLE_ONE;
/** Pull mode's continue prompt, before its countdown. */
export const PROMPT = `生成答复中，继续等待请回复${ONE}`;
/** Pull mode's text once the prompts are used up. */
export const CONTINUE_LATER = `回答仍在生成中，稍后随时回复${ONE}即可查看。`;
/** The reminder of an earlier answer that waits for "1". */
export const EARLIER_WAITING = `\n\n（之前的回答还有内容未读，回复${ONE}查看）`;
/** The "reply 1 for more (current/total)" note at the end of a part. */
export const MORE = new RegExp(`\\n\\n（内容较长，回复${escape(ONE)}查看后续 \\d+\\/\\d+）$`);
/** The same note anywhere in a text (global, for counting). */
export const MORE_ANYWHERE = new RegExp(`回复${escape(ONE)}查看后续`, "g");
/** The note after a part sent while Dify is still writing the rest (pull mode). */
export const MORE_COMING = `\n\n（回答仍在生成，回复${ONE}查看后续）`;
/** CS mode's holding text. */
export const HOLDING = "内容生成耗时较长，请稍等...";
/** Whether a part says more follows on "1": the "n/total" note, or the one sent while Dify is still writing. */
export function asksForOne(text: string): boolean {
  return MORE.test(text) || text.endsWith(MORE_COMING);
}
/** A part's text without its "reply 1" note. */
export function withoutNote(text: string): string {
  return text.endsWith(MORE_COMING) ? text.slice(0, -MORE_COMING.length) : text.replace(MORE, "");
}
