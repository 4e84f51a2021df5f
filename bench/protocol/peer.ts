/**
 * PEER: node-webot's stack for the same safe-mode callback, through the installed packages' public API:
 * wechat-crypto (WXBizMsgCrypt: getSignature, decrypt, encrypt) and xml2js.parseString with `trim: true`, as the
 * `wechat` middleware uses it; the reply is a template string, as the middleware's templates produce it.
 */
import WXBizMsgCrypt from "wechat-crypto";
import { parseString } from "xml2js";
import { BENCH_ACCOUNT, sha1Signature } from "../wechat-side.js";
import type { MixMessage } from "./messages.js";
import { nowSeconds, replyNonce, type BoundStage, type Decoded } from "./stages.js";

/** The peer's per-process state: one WXBizMsgCrypt for the account. */
export interface PeerContext {
  cryptor: WXBizMsgCrypt;
}

/** Builds the cryptor once, as the middleware does when it is configured. */
export function peerContext(): PeerContext {
  return { cryptor: new WXBizMsgCrypt(BENCH_ACCOUNT.token, BENCH_ACCOUNT.encodingAesKey, BENCH_ACCOUNT.appId) };
}

type Fields = Record<string, string>;

/** xml2js parse, then the flat field map the middleware hands to handlers (first text of each child). */
function parseXml(xml: string): Promise<Fields> {
  return new Promise((resolve, reject) => {
    parseString(xml, { trim: true }, (error, result) => {
      if (error) return reject(error);
      resolve(flatten(result));
    });
  });
}

function flatten(result: unknown): Fields {
  const root = (result as { xml?: Record<string, unknown> } | null)?.xml;
  const fields: Fields = {};
  if (root === undefined || root === null || typeof root !== "object") return fields;
  for (const [name, value] of Object.entries(root)) {
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    fields[name] = typeof first === "string" ? first : "";
  }
  return fields;
}

function replyXml(incoming: Fields, content: string, now: number): string {
  return (
    `<xml><ToUserName><![CDATA[${incoming["FromUserName"] ?? ""}]]></ToUserName>` +
    `<FromUserName><![CDATA[${incoming["ToUserName"] ?? ""}]]></FromUserName>` +
    `<CreateTime>${now}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content></xml>`
  );
}

function sealReply(cryptor: WXBizMsgCrypt, xml: string, now: number, nonce: string): string {
  const encrypt = cryptor.encrypt(xml);
  const signature = cryptor.getSignature(String(now), nonce, encrypt);
  return (
    `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${now}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`
  );
}

function decrypt(cryptor: WXBizMsgCrypt, encrypt: string): string {
  const { message, id } = cryptor.decrypt(encrypt);
  // The middleware does not check the appid; checking it keeps the work equal to ours (a string compare).
  if (id !== BENCH_ACCOUNT.appId) throw new Error("peer: wrong appid");
  return message;
}

/** The full path for one callback: verify, parse, verify, decrypt, parse, build reply, encrypt. */
export async function peerCallback(ctx: PeerContext, m: MixMessage): Promise<string> {
  const q = m.sealed.query;
  if (sha1Signature([BENCH_ACCOUNT.token, q.timestamp, q.nonce]) !== q.signature) throw new Error("peer: bad signature");
  const encrypt = (await parseXml(m.sealed.body))["Encrypt"] ?? "";
  if (ctx.cryptor.getSignature(q.timestamp, q.nonce, encrypt) !== q.msg_signature) throw new Error("peer: bad msg_signature");
  const message = await parseXml(decrypt(ctx.cryptor, encrypt));
  const now = nowSeconds();
  return sealReply(ctx.cryptor, replyXml(message, m.replyText, now), now, replyNonce());
}

/** What the peer decodes from the callback, for the sanity check. */
export async function peerDecode(ctx: PeerContext, m: MixMessage): Promise<Decoded> {
  const encrypt = (await parseXml(m.sealed.body))["Encrypt"] ?? "";
  const f = await parseXml(decrypt(ctx.cryptor, encrypt));
  const msgType = f["MsgType"] ?? "";
  return {
    toUser: f["ToUserName"] ?? "",
    fromUser: f["FromUserName"] ?? "",
    createTime: f["CreateTime"] ?? "",
    msgType,
    detail: msgType === "event" ? `${(f["Event"] ?? "").toUpperCase()}/${f["EventKey"] ?? ""}` : (f["Content"] ?? ""),
  };
}

/** Each stage bound to this message's intermediate values, for the per-stage breakdown. */
export async function peerStages(ctx: PeerContext, m: MixMessage): Promise<BoundStage[]> {
  const q = m.sealed.query;
  const body = m.sealed.body;
  const encrypt = (await parseXml(body))["Encrypt"] ?? "";
  const innerXml = decrypt(ctx.cryptor, encrypt);
  const message = await parseXml(innerXml);
  const now = nowSeconds();
  const xml = replyXml(message, m.replyText, now);
  const { cryptor } = ctx;
  const token = BENCH_ACCOUNT.token;
  return [
    { name: "verify signature", run: () => sha1Signature([token, q.timestamp, q.nonce]) === q.signature },
    { name: "parse outer XML", run: () => parseXml(body) },
    { name: "verify msg_signature", run: () => cryptor.getSignature(q.timestamp, q.nonce, encrypt) === q.msg_signature },
    { name: "decrypt", run: () => decrypt(cryptor, encrypt) },
    { name: "parse inner XML -> message", run: () => parseXml(innerXml) },
    { name: "build reply XML", run: () => replyXml(message, m.replyText, now) },
    { name: "encrypt + sign reply", run: () => sealReply(cryptor, xml, now, replyNonce()) },
  ];
}
