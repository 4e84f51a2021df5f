/**
 * WeChat's callback crypto as the simulator does it: SHA-1 signatures and AES-256-CBC with WeChat's 32-byte PKCS#7,
 * written against node:crypto from the protocol description alone. It deliberately shares no code with src/wechat
 * (which uses WebCrypto), so a worker that passes the simulator has been checked by a second implementation.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** WeChat pads to multiples of 32 bytes, not AES's 16. */
const WECHAT_BLOCK = 32;

/** Thrown when a ciphertext or key does not follow WeChat's format; `reason` says which rule it broke. */
export class CallbackCryptoError extends Error {
  override readonly name = "CallbackCryptoError";
  constructor(readonly reason: "bad-key" | "bad-base64" | "bad-length" | "bad-padding" | "bad-appid", message: string) {
    super(message);
  }
}

/** sha1 hex of the lexicographically sorted concatenation of `parts` (signature and msg_signature alike). */
export function wechatSignature(parts: readonly string[]): string {
  return createHash("sha1").update([...parts].sort().join("")).digest("hex");
}

/** Seals and opens safe-mode payloads for one account (EncodingAESKey + AppID). */
export class CallbackCipher {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  /** Throws CallbackCryptoError("bad-key") unless `encodingAesKey` is WeChat's 43 base64 characters. */
  constructor(encodingAesKey: string, readonly appId: string) {
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
      throw new CallbackCryptoError("bad-key", "EncodingAESKey must be 43 characters of base64 (A-Z a-z 0-9 + /)");
    }
    this.key = Buffer.from(`${encodingAesKey}=`, "base64");
    this.iv = this.key.subarray(0, 16);
  }

  /** Base64 of AES(random16 | len32be | xml | appId | pad-to-32). `random` is fixed only for test vectors. */
  encrypt(xml: string, random: Uint8Array = randomBytes(16)): string {
    const message = Buffer.from(xml, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(message.length);
    const plain = Buffer.concat([Buffer.from(random), length, message, Buffer.from(this.appId, "utf8")]);
    const pad = WECHAT_BLOCK - (plain.length % WECHAT_BLOCK);
    const cipher = createCipheriv("aes-256-cbc", this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
  }

  /** Opens a payload and checks its padding, length field and AppID; returns the message text. */
  decrypt(encrypted: string): string {
    const { message, appId } = this.open(encrypted);
    if (appId !== this.appId) {
      throw new CallbackCryptoError("bad-appid", `the AppID sealed in the reply is ${JSON.stringify(appId)}, expected ${JSON.stringify(this.appId)}`);
    }
    return message;
  }

  /** Opens a payload without judging its AppID (for diagnostics). */
  open(encrypted: string): { message: string; appId: string; pad: number } {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted.trim())) throw new CallbackCryptoError("bad-base64", "Encrypt is not base64");
    const bytes = Buffer.from(encrypted.trim(), "base64");
    if (bytes.length === 0 || bytes.length % 16 !== 0) {
      throw new CallbackCryptoError("bad-length", `ciphertext of ${bytes.length} bytes is not whole AES blocks`);
    }
    const decipher = createDecipheriv("aes-256-cbc", this.key, this.iv);
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > WECHAT_BLOCK || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
      throw new CallbackCryptoError("bad-padding", "padding is not PKCS#7 to 32 bytes (wrong key, or 16-byte padding)");
    }
    const body = plain.subarray(0, plain.length - pad);
    if (body.length < 20) throw new CallbackCryptoError("bad-length", "plaintext shorter than random + length field");
    const length = body.readUInt32BE(16);
    if (20 + length > body.length) throw new CallbackCryptoError("bad-length", "length field points past the plaintext");
    return {
      message: body.subarray(20, 20 + length).toString("utf8"),
      appId: body.subarray(20 + length).toString("utf8"),
      pad,
    };
  }
}
