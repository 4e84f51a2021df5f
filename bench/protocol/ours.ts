/**
 * OURS: the worker's own protocol modules, called in the order src/http/inbound.ts and wechat-routes.ts call them for
 * a safe-mode POST (minus the HTTP plumbing, which the peer side skips too).
 */
import { WechatCipher } from "../../src/wechat/crypto.js";
import { toInboundMessage, type InboundMessage } from "../../src/wechat/message.js";
import { encryptReplyXml, textReplyXml } from "../../src/wechat/reply.js";
import { isValidMsgSignature, isValidSignature } from "../../src/wechat/signature.js";
import { parseWechatXml } from "../../src/wechat/xml.js";
import { BENCH_ACCOUNT } from "../account.js";
import type { MixMessage } from "./messages.js";
import { nowSeconds, replyNonce, type BoundStage, type Decoded } from "./stages.js";

/** State kept across callbacks, as the worker keeps it per isolate (the imported AES key). */
export interface OursContext {
  cipher: WechatCipher;
}

/** Imports the AES key once, as `cipherFor` does per isolate. */
export async function oursContext(): Promise<OursContext> {
  return { cipher: await WechatCipher.create(BENCH_ACCOUNT.encodingAesKey, BENCH_ACCOUNT.appId) };
}

/** The full path for one callback: verify, parse, verify, decrypt, parse, type, build reply, encrypt. */
export async function oursCallback(ctx: OursContext, m: MixMessage): Promise<string> {
  const q = m.sealed.query;
  if (!(await isValidSignature(BENCH_ACCOUNT.token, q))) throw new Error("ours: bad signature");
  const encrypt = parseWechatXml(m.sealed.body)["Encrypt"];
  if (encrypt === undefined || encrypt === "") throw new Error("ours: no Encrypt");
  if (!(await isValidMsgSignature(BENCH_ACCOUNT.token, q, encrypt))) throw new Error("ours: bad msg_signature");
  const message = toInboundMessage(parseWechatXml(await ctx.cipher.decrypt(encrypt)));
  const now = nowSeconds();
  const xml = textReplyXml(message, m.replyText, now);
  return encryptReplyXml(ctx.cipher, BENCH_ACCOUNT.token, xml, now, replyNonce());
}

/** What our modules decode from the callback, for the sanity check. */
export async function oursDecode(ctx: OursContext, m: MixMessage): Promise<Decoded> {
  const encrypt = parseWechatXml(m.sealed.body)["Encrypt"] ?? "";
  return describe(toInboundMessage(parseWechatXml(await ctx.cipher.decrypt(encrypt))));
}

function describe(message: InboundMessage): Decoded {
  let detail = "";
  if (message.type === "text") detail = message.content;
  // Our typed message lower-cases Event (one spelling downstream); compare case-insensitively.
  if (message.type === "event") detail = `${message.event.toUpperCase()}/${message.eventKey}`;
  return {
    toUser: message.toUser,
    fromUser: message.fromUser,
    createTime: String(message.createTime),
    msgType: message.type,
    detail,
  };
}

/** Each stage bound to this message's intermediate values, for the per-stage breakdown. */
export async function oursStages(ctx: OursContext, m: MixMessage): Promise<BoundStage[]> {
  const q = m.sealed.query;
  const body = m.sealed.body;
  const encrypt = parseWechatXml(body)["Encrypt"] ?? "";
  const innerXml = await ctx.cipher.decrypt(encrypt);
  const message = toInboundMessage(parseWechatXml(innerXml));
  const now = nowSeconds();
  const replyXml = textReplyXml(message, m.replyText, now);
  const { cipher } = ctx;
  const token = BENCH_ACCOUNT.token;
  return [
    { name: "verify signature", run: () => isValidSignature(token, q) },
    { name: "parse outer XML", run: () => parseWechatXml(body) },
    { name: "verify msg_signature", run: () => isValidMsgSignature(token, q, encrypt) },
    { name: "decrypt", run: () => cipher.decrypt(encrypt) },
    { name: "parse inner XML -> message", run: () => toInboundMessage(parseWechatXml(innerXml)) },
    { name: "build reply XML", run: () => textReplyXml(message, m.replyText, now) },
    { name: "encrypt + sign reply", run: () => encryptReplyXml(cipher, token, replyXml, now, replyNonce()) },
  ];
}
