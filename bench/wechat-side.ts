/**
 * WeChat's side of a safe-mode callback, written on node:crypto alone so the inputs and the reply checks depend on
 * neither implementation being measured: builds message XML, seals it as WeChat does (AES-256-CBC with 32-byte
 * PKCS#7 padding, msg_signature over the Encrypt text) and opens the encrypted passive reply.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

import { BENCH_ACCOUNT } from "./account.js";

export { BENCH_ACCOUNT };

const PAD_BLOCK = 32;

/** One account's side of the protocol; every function below plays BENCH_ACCOUNT unless given another (bench/load). */
export interface WechatAccount {
  token: string;
  encodingAesKey: string;
  appId: string;
  ghId: string;
}

const keys = new Map<string, Buffer>();
/** The AES key of an EncodingAESKey, decoded once; WeChat's IV is its first 16 bytes. */
function keyOf(account: WechatAccount): Buffer {
  let key = keys.get(account.encodingAesKey);
  if (key === undefined) {
    key = Buffer.from(`${account.encodingAesKey}=`, "base64");
    keys.set(account.encodingAesKey, key);
  }
  return key;
}

/** What WeChat sends for one callback: the query values and the POST body. */
export interface SealedCallback {
  query: { signature: string; timestamp: string; nonce: string; openid: string; encrypt_type: "aes"; msg_signature: string };
  body: string;
  /** The plaintext XML inside the Encrypt field. */
  innerXml: string;
  /** WeChat's pad length (1..32) used for this ciphertext. */
  pad: number;
}

/** sha1 hex of the sorted concatenation of parts: WeChat's signature scheme. */
export function sha1Signature(parts: string[]): string {
  return createHash("sha1").update([...parts].sort().join("")).digest("hex");
}

const cdata = (text: string): string => `<![CDATA[${text}]]>`;

/** A text message as WeChat sends it. */
export function textXml(o: { openid: string; content: string; msgId: string; createTime: number; toUser?: string }): string {
  return (
    `<xml><ToUserName>${cdata(o.toUser ?? BENCH_ACCOUNT.ghId)}</ToUserName><FromUserName>${cdata(o.openid)}</FromUserName>` +
    `<CreateTime>${o.createTime}</CreateTime><MsgType>${cdata("text")}</MsgType><Content>${cdata(o.content)}</Content>` +
    `<MsgId>${o.msgId}</MsgId></xml>`
  );
}

/** An event as WeChat sends it (no MsgId). */
export function eventXml(o: { openid: string; event: string; eventKey: string; createTime: number }): string {
  return (
    `<xml><ToUserName>${cdata(BENCH_ACCOUNT.ghId)}</ToUserName><FromUserName>${cdata(o.openid)}</FromUserName>` +
    `<CreateTime>${o.createTime}</CreateTime><MsgType>${cdata("event")}</MsgType><Event>${cdata(o.event)}</Event>` +
    `<EventKey>${cdata(o.eventKey)}</EventKey></xml>`
  );
}

/** The pad length WeChat uses for an inner XML of this many UTF-8 bytes (random 16 + length 4 + xml + appid). */
export function padFor(xmlBytes: number): number {
  return PAD_BLOCK - ((20 + xmlBytes + Buffer.byteLength(BENCH_ACCOUNT.appId)) % PAD_BLOCK);
}

/** AES-256-CBC of random | length | xml | appid with WeChat's 32-byte padding, as base64. */
export function sealXml(xml: string, account: WechatAccount = BENCH_ACCOUNT): { encrypt: string; pad: number } {
  const msg = Buffer.from(xml, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const unpadded = Buffer.concat([randomBytes(16), length, msg, Buffer.from(account.appId)]);
  const pad = PAD_BLOCK - (unpadded.length % PAD_BLOCK);
  const key = keyOf(account);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(Buffer.concat([unpadded, Buffer.alloc(pad, pad)])), cipher.final()]);
  return { encrypt: encrypted.toString("base64"), pad };
}

/** Seals `innerXml` as one safe-mode callback from `openid`, signed with a fresh nonce and the given timestamp. */
export function sealCallback(innerXml: string, openid: string, timestamp: number, account: WechatAccount = BENCH_ACCOUNT): SealedCallback {
  const { encrypt, pad } = sealXml(innerXml, account);
  const ts = String(timestamp);
  const nonce = String(randomBytes(4).readUInt32BE(0));
  return {
    query: {
      signature: sha1Signature([account.token, ts, nonce]),
      timestamp: ts,
      nonce,
      openid,
      encrypt_type: "aes",
      msg_signature: sha1Signature([account.token, ts, nonce, encrypt]),
    },
    body: `<xml><ToUserName>${cdata(account.ghId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
    innerXml,
    pad,
  };
}

/** The query string of a sealed callback, for a POST URL. */
export function callbackQuery(sealed: SealedCallback): string {
  return new URLSearchParams(sealed.query).toString();
}

/** Reads one field of a flat WeChat XML document (CDATA or bare text); undefined when absent. */
export function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  if (!match) return undefined;
  return match[1] ?? match[2] ?? "";
}

/** What a passive reply said, once WeChat has checked and opened it. */
export interface OpenedReply {
  ok: boolean;
  /** Why the reply would be rejected, when it would. */
  problem?: string;
  /** The reply's text Content ("" for `success`/empty). */
  content: string;
  /** The decrypted reply XML ("" for `success`/empty). */
  xml: string;
}

/**
 * Checks and opens a passive reply as WeChat would: `success` or empty is a valid "no reply"; an encrypted envelope
 * must carry a correct MsgSignature, a 10-digit TimeStamp and our appid inside.
 */
export function openReply(body: string, account: WechatAccount = BENCH_ACCOUNT): OpenedReply {
  const trimmed = body.trim();
  if (trimmed === "" || trimmed === "success") return { ok: true, content: "", xml: "" };
  const encrypt = xmlField(trimmed, "Encrypt");
  const signature = xmlField(trimmed, "MsgSignature");
  const timestamp = xmlField(trimmed, "TimeStamp") ?? "";
  const nonce = xmlField(trimmed, "Nonce") ?? "";
  if (encrypt === undefined || signature === undefined) return { ok: false, problem: "not an encrypted envelope", content: "", xml: "" };
  if (!/^\d{10}$/.test(timestamp)) return { ok: false, problem: "TimeStamp is not 10-digit seconds", content: "", xml: "" };
  if (sha1Signature([account.token, timestamp, nonce, encrypt]) !== signature) {
    return { ok: false, problem: "MsgSignature does not verify", content: "", xml: "" };
  }
  const key = keyOf(account);
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(encrypt, "base64"), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK) return { ok: false, problem: "bad padding", content: "", xml: "" };
  const body2 = plain.subarray(0, plain.length - pad);
  const length = body2.readUInt32BE(16);
  const xml = body2.subarray(20, 20 + length).toString("utf8");
  const appId = body2.subarray(20 + length).toString("utf8");
  if (appId !== account.appId) return { ok: false, problem: "wrong appid inside", content: "", xml };
  return { ok: true, content: xmlField(xml, "Content") ?? "", xml };
}
