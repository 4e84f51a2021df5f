/**
 * Builders for callbacks as WeChat sends them (plain, compatible and safe mode) and a reader for the worker's
 * passive replies. Runs inside workerd, so it uses the worker's own protocol code and WebCrypto.
 *
 * Retries: WeChat's retries are byte-identical. Build the XML once and call wechatPost with it repeatedly (same
 * opts): the timestamp is fixed when an XML is first sent, nonce and the safe-mode random prefix are derived from the
 * inputs, so the Requests are identical. Each call of textMessageXml without msgId/createTime is a NEW message (fresh
 * MsgId, current time).
 *
 * Defaults follow the deployment under test: safe mode whenever it has an AES key (the worker then refuses
 * plaintext, as it must), and a current timestamp (the worker refuses any more than 300 s off).
 */
import { env } from "cloudflare:workers";
import { WechatCipher } from "../../src/wechat/crypto.js";
import { isFreshTimestamp } from "../../src/wechat/freshness.js";
import { encryptReplyXml } from "../../src/wechat/reply.js";
import { isValidMsgSignature, wechatSignature } from "../../src/wechat/signature.js";
import { buildWechatXml, parseWechatXml } from "../../src/wechat/xml.js";

/** Equals the WECHAT_TOKEN binding in vitest.config.ts. */
export const TEST_TOKEN = "test-token";
/** Equals the WECHAT_ENCODING_AES_KEY binding in vitest.config.ts. */
export const TEST_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
/** Equals the WECHAT_APP_ID binding in vitest.config.ts. */
export const TEST_APP_ID = "wx5823bf96d3bd56c7";
/** The Official Account id (ToUserName) used when a builder is not told otherwise. */
export const TEST_ACCOUNT = "gh_test_account";

/** Callback transport mode: plain text, compatible (plain fields + Encrypt) or safe (Encrypt only). */
export type WechatMode = "plain" | "compat" | "safe";

let msgIdCounter = 0;

/** A fresh 19-digit MsgId per call, so messages built in the same second never look like retries of each other. */
function nextMsgId(): string {
  msgIdCounter += 1;
  return `7${String(Date.now()).padStart(13, "0")}${String(msgIdCounter).padStart(5, "0")}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The mode WeChat uses with the deployment under test: safe when it has an AES key (the recommended console setting,
 * and the only one the worker then accepts), plain otherwise.
 */
export function defaultMode(): WechatMode {
  const key: unknown = (env as unknown as Record<string, unknown>)["WECHAT_ENCODING_AES_KEY"];
  return typeof key === "string" && key.trim() !== "" ? "safe" : "plain";
}

/** When each XML was first sent, so retries of it carry the same timestamp as WeChat's do. */
const firstSent = new Map<string, string>();

/**
 * WeChat's timestamp for `xml`: its CreateTime while that is fresh (WeChat sends at once), else the time it was first
 * sent from this test file. Either way fixed per XML, so retries stay byte-identical.
 */
function sendTimestamp(xml: string, createTime: string | undefined): string {
  let timestamp = firstSent.get(xml);
  if (timestamp === undefined) {
    timestamp = createTime !== undefined && isFreshTimestamp(createTime) ? createTime : String(nowSeconds());
    firstSent.set(xml, timestamp);
  }
  return timestamp;
}

/** Text message XML from follower `openid`. Defaults: fresh MsgId, CreateTime = now, ToUserName = TEST_ACCOUNT. */
export function textMessageXml(o: {
  openid: string;
  content: string;
  msgId?: string;
  createTime?: number;
  toUser?: string;
}): string {
  return buildWechatXml([
    ["ToUserName", o.toUser ?? TEST_ACCOUNT],
    ["FromUserName", o.openid],
    ["CreateTime", o.createTime ?? nowSeconds()],
    ["MsgType", "text"],
    ["Content", o.content],
    ["MsgId", o.msgId ?? nextMsgId()],
  ]);
}

/** Event XML (subscribe, CLICK, ...: `event` is sent as given). EventKey only when given. CreateTime defaults to now. */
export function eventXml(o: { openid: string; event: string; eventKey?: string; createTime?: number }): string {
  const fields: Array<[string, string | number]> = [
    ["ToUserName", TEST_ACCOUNT],
    ["FromUserName", o.openid],
    ["CreateTime", o.createTime ?? nowSeconds()],
    ["MsgType", "event"],
    ["Event", o.event],
  ];
  if (o.eventKey !== undefined) fields.push(["EventKey", o.eventKey]);
  return buildWechatXml(fields);
}

/** Any message kind, fields in the given order (strings as CDATA, numbers bare). */
export function messageXml(fields: Record<string, string | number>): string {
  return buildWechatXml(Object.entries(fields));
}

/** Options of {@link wechatPost} and {@link wechatVerifyGet}. */
export interface WechatRequestOptions {
  /** Default {@link defaultMode}: safe when the deployment under test has an AES key, else plain. */
  mode?: WechatMode;
  /**
   * Default: the XML's CreateTime when fresh (WeChat's timestamp is the send time), else the time this XML was first
   * sent. Pass one to test stale or malformed timestamps.
   */
  timestamp?: string;
  /** Default: digits derived from the XML, so the same XML gives the same nonce. */
  nonce?: string;
  /** Signing token. Default TEST_TOKEN; pass another to forge a bad signature. */
  token?: string;
  /** Default "https://wechat.example". */
  baseUrl?: string;
  /** Default "/wechat". */
  path?: string;
  /** Encryption key for compat/safe. Default TEST_AES_KEY. */
  aesKey?: string;
  /** AppID sealed into the ciphertext. Default TEST_APP_ID; pass another to test the appid check. */
  appId?: string;
  /** Replace the query's openid (default: the XML's FromUserName). */
  openid?: string;
}

/**
 * A POST /wechat Request as WeChat would send it. mode "plain" | "compat" | "safe"; signature/timestamp/nonce fixed
 * per call unless given, so calling twice with the same opts produces byte-identical retries.
 */
export async function wechatPost(xml: string, opts: WechatRequestOptions = {}): Promise<Request> {
  const mode = opts.mode ?? defaultMode();
  const token = opts.token ?? TEST_TOKEN;
  const fields = tryParse(xml);
  const timestamp = opts.timestamp ?? sendTimestamp(xml, fields?.["CreateTime"]);
  const nonce = opts.nonce ?? (await digitsOf(`nonce|${xml}`, 10));
  const query = new URLSearchParams({
    signature: await wechatSignature([token, timestamp, nonce]),
    timestamp,
    nonce,
  });
  const openid = opts.openid ?? fields?.["FromUserName"];
  if (openid !== undefined) query.set("openid", openid);

  let body = xml;
  if (mode !== "plain") {
    const cipher = await WechatCipher.create(opts.aesKey ?? TEST_AES_KEY, opts.appId ?? TEST_APP_ID);
    const random = (await sha256(`random|${timestamp}|${nonce}|${xml}`)).subarray(0, 16);
    const encrypt = await cipher.encrypt(xml, random);
    query.set("encrypt_type", "aes");
    query.set("msg_signature", await wechatSignature([token, timestamp, nonce, encrypt]));
    body = mode === "safe" ? safeBody(fields?.["ToUserName"] ?? TEST_ACCOUNT, encrypt) : compatBody(xml, encrypt);
  }
  return new Request(`${opts.baseUrl ?? "https://wechat.example"}${opts.path ?? "/wechat"}?${query}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body,
  });
}

/** The server-configuration GET: signature over token/timestamp/nonce, and the echostr to send back verbatim. */
export async function wechatVerifyGet(
  echostr: string,
  opts: Pick<WechatRequestOptions, "timestamp" | "nonce" | "token" | "baseUrl" | "path"> = {},
): Promise<Request> {
  const timestamp = opts.timestamp ?? String(nowSeconds());
  const nonce = opts.nonce ?? (await digitsOf(`verify|${echostr}`, 10));
  const signature = await wechatSignature([opts.token ?? TEST_TOKEN, timestamp, nonce]);
  const query = new URLSearchParams({ signature, timestamp, nonce, echostr });
  return new Request(`${opts.baseUrl ?? "https://wechat.example"}${opts.path ?? "/wechat"}?${query}`);
}

/** What the worker answered, with the reply XML decrypted and checked when it came in safe mode's envelope. */
export interface ReadReply {
  status: number;
  /** The response body exactly as sent. */
  raw: string;
  /** The (decrypted) reply XML, when the body was XML. */
  xml?: string;
  /** Content of a text reply. */
  content?: string;
  /** MsgType of the reply. */
  msgType?: string;
  /** All reply fields. */
  fields?: Record<string, string>;
}

/**
 * Reads a passive reply Response (decrypting in safe mode) -> { status, content?: string (text reply Content), raw }.
 * Encrypted envelopes are decrypted in any mode; their MsgSignature and 10-digit TimeStamp are verified (throws if
 * wrong). In "safe" mode a plaintext XML reply throws: WeChat would not accept it. `account` gives another account's
 * token, key and AppID (default: the test deployment's).
 */
export async function readReply(
  res: Response,
  mode: WechatMode = "plain",
  account: { token?: string; aesKey?: string; appId?: string } = {},
): Promise<ReadReply> {
  const raw = await res.text();
  const result: ReadReply = { status: res.status, raw };
  if (!raw.trimStart().startsWith("<")) return result; // "success", "" or an echostr

  let fields = parseWechatXml(raw);
  let xml = raw;
  const encrypt = fields["Encrypt"];
  if (encrypt !== undefined) {
    const timestamp = fields["TimeStamp"] ?? "";
    if (!/^\d{10}$/.test(timestamp)) throw new Error(`reply TimeStamp is not 10-digit seconds: ${timestamp}`);
    const q = { msg_signature: fields["MsgSignature"], timestamp, nonce: fields["Nonce"] };
    if (!(await isValidMsgSignature(account.token ?? TEST_TOKEN, q, encrypt))) throw new Error("reply MsgSignature does not verify");
    const cipher = await WechatCipher.create(account.aesKey ?? TEST_AES_KEY, account.appId ?? TEST_APP_ID);
    xml = await cipher.decrypt(encrypt);
    fields = parseWechatXml(xml);
  } else if (mode === "safe") {
    throw new Error("safe-mode reply is plaintext XML; WeChat expects the encrypted envelope");
  }
  result.xml = xml;
  result.fields = fields;
  if (fields["MsgType"] !== undefined) result.msgType = fields["MsgType"];
  if (fields["Content"] !== undefined) result.content = fields["Content"];
  return result;
}

/** Builds the encrypted envelope a safe-mode reply should look like (for tests of reply readers). */
export async function encryptedReplyFixture(plainXml: string, timestampSeconds = 1700000000, nonce = "123456"): Promise<string> {
  const cipher = await WechatCipher.create(TEST_AES_KEY, TEST_APP_ID);
  return encryptReplyXml(cipher, TEST_TOKEN, plainXml, timestampSeconds, nonce);
}

function safeBody(toUser: string, encrypt: string): string {
  return buildWechatXml([
    ["ToUserName", toUser],
    ["Encrypt", encrypt],
  ]);
}

/** Compatible mode: the plain fields with Encrypt added before the closing tag. */
function compatBody(xml: string, encrypt: string): string {
  const found = xml.lastIndexOf("</xml>");
  const close = found < 0 ? xml.length : found;
  const encryptField = buildWechatXml([["Encrypt", encrypt]]).slice("<xml>".length, -"</xml>".length);
  return `${xml.slice(0, close)}${encryptField}${xml.slice(close)}`;
}

function tryParse(xml: string): Record<string, string> | undefined {
  try {
    return parseWechatXml(xml);
  } catch {
    return undefined; // tests may post deliberately broken XML
  }
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

async function digitsOf(text: string, count: number): Promise<string> {
  const hash = await sha256(text);
  let out = "";
  for (let i = 0; out.length < count; i++) out += String((hash[i] ?? 0) % 10);
  return out.replace(/^0/, "1");
}
