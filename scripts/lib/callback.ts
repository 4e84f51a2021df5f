/**
 * One callback as WeChat sends it (signed query, plain/compatible/safe body) and the judgement WeChat would pass on
 * the worker's passive reply: which text the follower sees, or why WeChat would refuse it.
 */
import { randomBytes, randomInt } from "node:crypto";
import { CallbackCipher, CallbackCryptoError, wechatSignature } from "./callback-crypto";
import { buildFlatXml, FlatXmlError, parseFlatXml } from "./flat-xml";

/** plain: XML in the clear; compat: clear fields plus Encrypt; safe: Encrypt only. */
export type CallbackMode = "plain" | "compat" | "safe";

/** The account's side of the protocol: what WeChat's console holds. */
export interface AccountSettings {
  /** The Token (令牌) shared with WeChat. */
  token: string;
  mode: CallbackMode;
  /** EncodingAESKey (消息加解密密钥); required for compat and safe. */
  encodingAesKey?: string;
  /** AppID (开发者ID), sealed into every encrypted payload. */
  appId: string;
  /** The Official Account's gh_ id (原始ID), used as ToUserName. */
  ghId: string;
}

/** A request ready to send, byte-identical however often it is sent. */
export interface SignedCallback {
  url: string;
  body: string;
}

/** Throws when the settings cannot produce the requested mode. */
export function cipherFor(settings: AccountSettings): CallbackCipher | undefined {
  if (settings.mode === "plain") return undefined;
  if (settings.encodingAesKey === undefined) {
    throw new Error(`mode ${settings.mode} needs the EncodingAESKey (--aes-key or WECHAT_ENCODING_AES_KEY)`);
  }
  return new CallbackCipher(settings.encodingAesKey, settings.appId);
}

/** Signs (and in compat/safe mode encrypts) `xml` for POSTing to `target`, as WeChat would at this moment. */
export function signCallback(target: string, xml: string, openid: string, settings: AccountSettings): SignedCallback {
  const url = new URL(target);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 2_000_000_000));
  url.searchParams.set("signature", wechatSignature([settings.token, timestamp, nonce]));
  url.searchParams.set("timestamp", timestamp);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("openid", openid);
  const cipher = cipherFor(settings);
  if (cipher === undefined) return { url: url.toString(), body: xml };

  const encrypt = cipher.encrypt(xml, randomBytes(16));
  url.searchParams.set("encrypt_type", "aes");
  url.searchParams.set("msg_signature", wechatSignature([settings.token, timestamp, nonce, encrypt]));
  const encryptField = buildFlatXml([["Encrypt", encrypt]]).slice("<xml>".length, -"</xml>".length);
  const body = settings.mode === "safe"
    ? buildFlatXml([["ToUserName", settings.ghId], ["Encrypt", encrypt]])
    : xml.replace(/<\/xml>\s*$/, `${encryptField}</xml>`);
  return { url: url.toString(), body };
}

/** The server-configuration GET WeChat's console sends when you save the callback URL. */
export function verificationUrl(target: string, token: string, echostr: string): string {
  const url = new URL(target);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 2_000_000_000));
  url.searchParams.set("signature", wechatSignature([token, timestamp, nonce]));
  url.searchParams.set("timestamp", timestamp);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("echostr", echostr);
  return url.toString();
}

/** What WeChat makes of a 200 response body. */
export type PassiveReply =
  | { kind: "none"; raw: string }
  | { kind: "text"; text: string; raw: string; xml: string }
  | { kind: "other"; msgType: string; raw: string; xml: string }
  | { kind: "invalid"; problem: string; raw: string };

/**
 * Judges a 200 body as WeChat would: `success` or empty = nothing to show; otherwise reply XML, which in compat/safe
 * mode must be the encrypted envelope with a valid MsgSignature, a TimeStamp in seconds and our AppID inside, and
 * must be addressed back to the follower from the account.
 */
export function readPassiveReply(raw: string, openid: string, settings: AccountSettings): PassiveReply {
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed === "success") return { kind: "none", raw };
  const invalid = (problem: string): PassiveReply => ({ kind: "invalid", problem, raw });
  try {
    let fields = parseFlatXml(trimmed);
    let xml = trimmed;
    const encrypt = fields["Encrypt"];
    if (encrypt !== undefined) {
      const cipher = cipherFor(settings);
      if (cipher === undefined) return invalid("an encrypted reply to a plain-mode request");
      const timestamp = fields["TimeStamp"] ?? "";
      if (!/^\d{10}$/.test(timestamp)) return invalid(`TimeStamp ${JSON.stringify(timestamp)} is not seconds (10 digits)`);
      const expected = wechatSignature([settings.token, timestamp, fields["Nonce"] ?? "", encrypt]);
      if ((fields["MsgSignature"] ?? "").toLowerCase() !== expected) return invalid("MsgSignature does not match (wrong token?)");
      xml = cipher.decrypt(encrypt);
      fields = parseFlatXml(xml);
    } else if (settings.mode === "safe") {
      return invalid("a plaintext XML reply in safe mode (WeChat expects the encrypted envelope)");
    }
    if (fields["ToUserName"] !== openid) return invalid(`reply ToUserName ${JSON.stringify(fields["ToUserName"])} is not the follower`);
    if (fields["FromUserName"] !== settings.ghId) {
      return invalid(`reply FromUserName ${JSON.stringify(fields["FromUserName"])} is not the account ${settings.ghId}`);
    }
    if (!/^\d{1,12}$/.test(fields["CreateTime"] ?? "")) return invalid("reply CreateTime is not a number of seconds");
    const msgType = fields["MsgType"] ?? "";
    if (msgType === "text") return { kind: "text", text: fields["Content"] ?? "", raw, xml };
    if (msgType === "") return invalid("reply has no MsgType");
    return { kind: "other", msgType, raw, xml };
  } catch (error) {
    if (error instanceof CallbackCryptoError || error instanceof FlatXmlError) return invalid(error.message);
    throw error;
  }
}
