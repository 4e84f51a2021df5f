/**
 * The contract between the follower's Durable Object (which holds the answer) and the answer page (which shows it at
 * `<base>/a/<ref>`). The object speaks in raw Dify text; the page does all rendering, reasoning removal and
 * sanitising. A ref is 128 random bits, base64url (22 characters), and carries no openid: the ANSWER_REFS index
 * (one tiny Durable Object per ref) says which follower's object holds it.
 */

/** What a page shows of one answer at one moment. */
export interface AnswerPageSnapshot {
  /** The follower's question as they sent it (text), or a short description of what they sent. */
  question: string;
  /** The answer so far exactly as Dify wrote it: Markdown, possibly with `<think>` reasoning the page must hide. */
  markdown: string;
  /** Dify has finished (or failed: then `markdown` is the polite failure text). */
  done: boolean;
  /** Images of the answer the page may show: absolute https URLs that last, or "img/<n>" served by the object. */
  images: string[];
  /** The deployment's LANGUAGE, for the page's own words (zh_Hans, en_US, ja_JP, pt_BR). */
  language: string;
}

/**
 * One line of the live feed (newline-delimited JSON) the object streams for a page while Dify writes: first a
 * `snapshot`, then `append`s of raw text as it arrives, a `replace` when the answer was rewritten (moderation, a
 * workflow's final outputs, a re-ask), and a last `done` with the whole final text; then the stream closes.
 */
export type AnswerPageEvent =
  | ({ type: "snapshot" } & AnswerPageSnapshot)
  | { type: "append"; text: string }
  | { type: "replace"; markdown: string }
  | { type: "done"; markdown: string; images: string[] };

/** An image of an answer as the object keeps it for the page. */
export interface AnswerPageImage {
  contentType: string;
  body: ArrayBuffer;
}

/** The follower object's page methods (FollowerSession implements them). */
export interface AnswerPageSource {
  /** The answer behind `ref`, or null when no answer of this object has that ref (wrong, expired, forgotten). */
  answerPage(ref: string): Promise<AnswerPageSnapshot | null>;
  /** The live feed of `ref` (see AnswerPageEvent), or null as above. Ends at once after `done` when finished. */
  answerPageFeed(ref: string): Promise<ReadableStream<Uint8Array> | null>;
  /** Image `n` (0-based) of the answer behind `ref`, or null. */
  answerPageImage(ref: string, n: number): Promise<AnswerPageImage | null>;
}

/** The ANSWER_REFS index entry methods (one Durable Object per ref, named by the ref). */
export interface AnswerRefIndex {
  /** Records which follower object holds the ref, kept until `keepUntil` (ms since epoch), then deleted. */
  register(objectName: string, keepUntil: number): Promise<void>;
  /** The follower object's name, or null when unknown or past its keepUntil. Never creates anything. */
  lookup(): Promise<string | null>;
}

/** A fresh ref: 128 random bits, base64url without padding (22 characters). */
export function newAnswerRef(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Whether `ref` has the shape of one (checked before any Durable Object is touched). */
export function isAnswerRef(ref: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(ref);
}
