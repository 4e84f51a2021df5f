/**
 * Why a request was not accepted as a WeChat callback. Every value is a fixed, log-safe word: it never carries the
 * token, the AES key, or any part of the message.
 */
export type WechatProtocolReason =
  | "bad-aes-key"
  | "bad-base64"
  | "bad-length"
  | "bad-padding"
  | "bad-appid"
  | "bad-utf8"
  | "malformed-xml"
  | "missing-field"
  | "bad-field";

/** Thrown for input that is not a valid WeChat callback; `reason` is safe to log; never contains secrets. */
export class WechatProtocolError extends Error {
  /** A fixed, log-safe word naming what was wrong (see {@link WechatProtocolReason}). */
  readonly reason: WechatProtocolReason;

  /**
   * @param reason - the log-safe reason; it is also the whole message, so nothing secret can leak through `message`.
   */
  constructor(reason: WechatProtocolReason) {
    super(`invalid WeChat callback: ${reason}`);
    this.name = "WechatProtocolError";
    this.reason = reason;
  }
}
