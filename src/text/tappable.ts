/**
 * WeChat turns a `weixin://bizmsgmenu` link in a text message into a tappable option: tapping it sends its
 * `msgmenucontent` as the follower's own message (WeChat's customer-service menu messages; the message arrives with a
 * `bizmsgmenuid`, otherwise like a typed one). Where a text asks the follower to reply "1", the "1" becomes such a
 * link, so the text still reads "回复1…" where links are not rendered.
 */

/** The link that sends "1" when tapped. */
export const TAPPABLE_ONE = '<a href="weixin://bizmsgmenu?msgmenucontent=1&msgmenuid=1">1</a>';

/** The first "1" standing alone: no ASCII letter, digit or placeholder brace next to it (CJK text may touch it). */
const LONE_ONE = /(?<![0-9A-Za-z{}])1(?![0-9}])/;

/**
 * `text` with its first lone "1" made tappable; unchanged when it has none. Run it on templates before their
 * `{placeholders}` are filled, so a filled-in number is never taken for the "1".
 */
export function withTappableOne(text: string): string {
  if (text.includes("weixin://bizmsgmenu")) return text;
  return text.replace(LONE_ONE, TAPPABLE_ONE);
}
