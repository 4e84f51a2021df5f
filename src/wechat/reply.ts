/** Passive replies: the XML answered in the body of WeChat's callback request, plain or in safe mode's envelope. */
import type { WechatCipher } from "./crypto.js";
import { wechatSignature } from "./signature.js";
import { buildWechatXml } from "./xml.js";

/** Largest 10-digit number: anything above it is almost surely milliseconds, which WeChat rejects in safe mode. */
const MAX_SECONDS = 9_999_999_999;

/** Passive text reply XML (To/From swapped from the incoming message). */
export function textReplyXml(incoming: { toUser: string; fromUser: string }, content: string, nowSeconds: number): string {
  return buildWechatXml([
    ["ToUserName", incoming.fromUser],
    ["FromUserName", incoming.toUser],
    ["CreateTime", assertSeconds(nowSeconds)],
    ["MsgType", "text"],
    ["Content", content],
  ]);
}

/**
 * The passive reply that hands the message to the account's customer-service staff instead of answering it. It is
 * carried as a reply text (stored like any other, so WeChat's retries get it again) and turned into
 * {@link transferReplyXml} when the response is built. It cannot be mistaken for a text meant to be shown: it opens
 * with U+FFFF, which XML does not allow and {@link buildWechatXml} removes from every text it writes.
 */
export const TRANSFER_REPLY = "\uFFFFtransfer_customer_service";

/** WeChat's "hand this message to the staff" reply (To/From swapped from the incoming message). */
export function transferReplyXml(incoming: { toUser: string; fromUser: string }, nowSeconds: number): string {
  return buildWechatXml([
    ["ToUserName", incoming.fromUser],
    ["FromUserName", incoming.toUser],
    ["CreateTime", assertSeconds(nowSeconds)],
    ["MsgType", "transfer_customer_service"],
  ]);
}

/** The passive reply XML for a reply text: a text message, or the transfer when the text is {@link TRANSFER_REPLY}. */
export function passiveReplyXml(incoming: { toUser: string; fromUser: string }, reply: string, nowSeconds: number): string {
  return reply === TRANSFER_REPLY ? transferReplyXml(incoming, nowSeconds) : textReplyXml(incoming, reply, nowSeconds);
}

/**
 * Safe-mode envelope: <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>, TimeStamp in SECONDS.
 * MsgSignature = sha1(sorted [token, TimeStamp, Nonce, Encrypt]). `random` is only for fixed test vectors.
 */
export async function encryptReplyXml(
  cipher: WechatCipher,
  token: string,
  plainXml: string,
  timestampSeconds: number,
  nonce: string,
  random?: Uint8Array,
): Promise<string> {
  const timestamp = assertSeconds(timestampSeconds);
  const encrypt = await cipher.encrypt(plainXml, random);
  const signature = await wechatSignature([token, String(timestamp), nonce, encrypt]);
  return buildWechatXml([
    ["Encrypt", encrypt],
    ["MsgSignature", signature],
    ["TimeStamp", timestamp],
    ["Nonce", nonce],
  ]);
}

/** Millisecond timestamps are a known cause of "safe mode fails": refuse them loudly instead. */
function assertSeconds(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_SECONDS) {
    throw new RangeError("timestamps in WeChat replies are whole seconds since the epoch");
  }
  return value;
}
