/**
 * Turns a WeChat POST callback into a typed message, or an HTTP status saying why not. Every check that can refuse
 * runs before anything is stored, so a bad request changes nothing.
 *
 * The plain `signature` covers only token, timestamp and nonce, never the body: anyone holding one captured callback
 * URL can attach any plaintext body to it. So once an AES key is configured, only encrypted callbacks (whose
 * msg_signature covers the ciphertext) are accepted, unless WECHAT_ACCEPT_PLAINTEXT says otherwise; and every
 * signature expires {@link MAX_TIMESTAMP_SKEW_SECONDS} after it was made.
 */
import type { Config } from "../config";
import { log } from "../log";
import { WechatCipher } from "../wechat/crypto";
import { WechatProtocolError } from "../wechat/errors";
import { MAX_TIMESTAMP_SKEW_SECONDS, isFreshTimestamp } from "../wechat/freshness";
import { toInboundMessage, type InboundMessage } from "../wechat/message";
import { isValidMsgSignature, isValidSignature } from "../wechat/signature";
import { parseWechatXml } from "../wechat/xml";
import { BodyTooLargeError, readBoundedText } from "./bounded-body";

/** WeChat's callbacks are a few KB; anything near this is not from WeChat. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A callback that passed every check. `cipher` is set when the request was encrypted and the reply must be too. */
export interface AcceptedCallback {
  ok: true;
  message: InboundMessage;
  cipher?: WechatCipher;
}

/** A refused callback: the status to answer and a reason for the log (never containing secrets). */
export interface RefusedCallback {
  ok: false;
  status: 400 | 403 | 413 | 500;
  reason: string;
}

/** One cipher per (key, AppID), built once per isolate: several accounts each have their own. */
const ciphers = new Map<string, Promise<WechatCipher>>();

/** The cipher for the account's configured key, built once per isolate. */
export function cipherFor(config: Config): Promise<WechatCipher> | undefined {
  const key = config.wechat.encodingAesKey;
  if (key === undefined) return undefined;
  const id = `${key}\n${config.wechat.appId}`;
  let cipher = ciphers.get(id);
  if (cipher === undefined) {
    cipher = WechatCipher.create(key, config.wechat.appId);
    cipher.catch(() => undefined);
    ciphers.set(id, cipher);
  }
  return cipher;
}

function refuse(status: RefusedCallback["status"], reason: string): RefusedCallback {
  return { ok: false, status, reason };
}

/**
 * Checks a POST callback's signature, timestamp, size, mode (plaintext only where allowed), msg_signature and XML,
 * in that order. `nowMs` is the clock the timestamp is judged by (tests pass their own).
 */
export async function acceptCallback(
  request: Request,
  config: Config,
  nowMs: number = Date.now(),
): Promise<AcceptedCallback | RefusedCallback> {
  const query = new URL(request.url).searchParams;
  const signed = {
    signature: query.get("signature"),
    timestamp: query.get("timestamp"),
    nonce: query.get("nonce"),
    msg_signature: query.get("msg_signature"),
  };
  if (!(await isValidSignature(config.wechat.token, signed))) return refuse(403, "bad signature");
  if (!isFreshTimestamp(signed.timestamp, nowMs)) return refuse(403, "stale or malformed timestamp");

  let body: string;
  try {
    body = await readBoundedText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return refuse(413, error.message);
    return refuse(400, "unreadable body");
  }

  const plaintext = query.get("encrypt_type")?.toLowerCase() !== "aes";
  const safeModeConfigured = config.wechat.encodingAesKey !== undefined;
  // Refused before the body is parsed: an unsigned body is a forgery whatever it holds.
  if (plaintext && safeModeConfigured && !config.wechat.acceptPlaintext) {
    return refuse(403, "plaintext callback while safe mode is configured");
  }

  try {
    const outer = parseWechatXml(body);
    if (plaintext) {
      if (outer.MsgType === undefined && outer.Encrypt !== undefined) return refuse(400, "encrypted body without encrypt_type=aes");
      const message = toInboundMessage(outer);
      if (safeModeConfigured) log.warn("plaintext_accepted", { reason: "WECHAT_ACCEPT_PLAINTEXT is true", msgType: message.type });
      return { ok: true, message };
    }
    const cipherPromise = cipherFor(config);
    if (cipherPromise === undefined) return refuse(500, "encrypted callback but WECHAT_ENCODING_AES_KEY is not set or invalid");
    const encrypt = outer.Encrypt;
    if (encrypt === undefined || encrypt === "") return refuse(400, "encrypt_type=aes without an Encrypt field");
    if (!(await isValidMsgSignature(config.wechat.token, signed, encrypt))) return refuse(403, "bad msg_signature");
    const cipher = await cipherPromise;
    const inner = parseWechatXml(await cipher.decrypt(encrypt));
    return { ok: true, message: toInboundMessage(inner), cipher };
  } catch (error) {
    if (error instanceof WechatProtocolError) return refuse(error.reason === "bad-aes-key" ? 500 : 400, error.reason);
    throw error;
  }
}
