/** The shape both sides of the protocol benchmark share, so their figures line up stage by stage. */

/** One stage of the callback path, bound to a prepared input so it can be timed alone. */
export interface BoundStage {
  name: StageName;
  run: () => unknown;
}

/** What a side found in a callback, in the peer-neutral terms the sanity check compares. */
export interface Decoded {
  toUser: string;
  fromUser: string;
  createTime: string;
  msgType: string;
  /** Content for text, Event/EventKey for events. */
  detail: string;
}

/** The stages of one safe-mode callback, in order. */
export const STAGE_NAMES = [
  "verify signature",
  "parse outer XML",
  "verify msg_signature",
  "decrypt",
  "parse inner XML -> message",
  "build reply XML",
  "encrypt + sign reply",
] as const;

/** A stage's name. */
export type StageName = (typeof STAGE_NAMES)[number];

/** The passive reply's timestamp: whole seconds, as both sides must send. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A reply nonce as the worker makes one (a random 32-bit number in decimal). */
export const replyNonce = (): string => String(crypto.getRandomValues(new Uint32Array(1))[0]);
