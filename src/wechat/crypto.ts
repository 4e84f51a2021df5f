/**
 * WeChat safe-mode message encryption (AES-256-CBC, IV = first 16 key bytes, PKCS#7 padding to 32-byte blocks) on
 * WebCrypto.
 *
 * WebCrypto's AES-CBC insists on its own 16-byte PKCS#7 padding: it throws for WeChat's pad values 17..32 (about
 * half of all messages) and would add a block WeChat does not expect. So both directions go around it:
 * - decrypt: append one crafted block that decrypts to a full 16-byte padding block, so WebCrypto strips exactly
 *   that block and hands back the raw CBC plaintext; WeChat's 1..32 padding is then checked and removed by hand.
 * - encrypt: pad to 32 by hand, let WebCrypto append its 16-byte padding block, and drop that final block (CBC
 *   output blocks never depend on later plaintext, so the rest is exactly the raw CBC ciphertext).
 *
 * The scheme has no MAC: integrity comes from checking msg_signature over the Encrypt text before decrypting.
 */
import { WechatProtocolError } from "./errors.js";

const BLOCK = 16;
const WECHAT_PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER_BYTES = RANDOM_BYTES + LENGTH_BYTES;
/** 16 x 0x10: the plaintext of a block WebCrypto recognises as a complete PKCS#7 padding block. */
const FULL_PAD_BLOCK = new Uint8Array(BLOCK).fill(BLOCK);

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Encrypts and decrypts the Encrypt field of safe-mode callbacks and replies for one Official Account. */
export class WechatCipher {
  readonly #key: CryptoKey;
  readonly #iv: Uint8Array<ArrayBuffer>;
  readonly #appId: string;

  private constructor(key: CryptoKey, iv: Uint8Array<ArrayBuffer>, appId: string) {
    this.#key = key;
    this.#iv = iv;
    this.#appId = appId;
  }

  /** Throws WechatProtocolError("bad-aes-key") unless encodingAesKey is 43 chars of base64 decoding to 32 bytes. */
  static async create(encodingAesKey: string, appId: string): Promise<WechatCipher> {
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new WechatProtocolError("bad-aes-key");
    const raw = base64ToBytes(`${encodingAesKey}=`);
    if (raw === null || raw.length !== 32) throw new WechatProtocolError("bad-aes-key");
    const key = await crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]);
    return new WechatCipher(key, raw.slice(0, BLOCK), appId);
  }

  /**
   * base64 ciphertext -> inner XML. Throws WechatProtocolError (bad-base64 / bad-length / bad-padding / bad-appid /
   * bad-utf8) — never returns garbage.
   */
  async decrypt(encrypted: string): Promise<string> {
    const data = base64ToBytes(encrypted);
    if (data === null) throw new WechatProtocolError("bad-base64");
    // Random + length + at least the padding: never shorter than two blocks, always whole blocks.
    if (data.length < 2 * BLOCK || data.length % BLOCK !== 0) throw new WechatProtocolError("bad-length");

    const plain = await this.#decryptRaw(data);
    const body = plain.subarray(0, plain.length - padLength(plain));
    if (body.length < HEADER_BYTES) throw new WechatProtocolError("bad-length");
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const msgLength = view.getUint32(RANDOM_BYTES);
    if (msgLength > body.length - HEADER_BYTES) throw new WechatProtocolError("bad-length");

    const appIdBytes = body.subarray(HEADER_BYTES + msgLength);
    if (!bytesEqual(appIdBytes, utf8.encode(this.#appId))) throw new WechatProtocolError("bad-appid");
    try {
      return strictUtf8.decode(body.subarray(HEADER_BYTES, HEADER_BYTES + msgLength));
    } catch {
      throw new WechatProtocolError("bad-utf8");
    }
  }

  /** XML -> base64 ciphertext. `random` (16 bytes) injectable for fixed test vectors; default crypto.getRandomValues. */
  async encrypt(xml: string, random?: Uint8Array): Promise<string> {
    if (random !== undefined && random.length !== RANDOM_BYTES) {
      throw new RangeError(`random must be ${RANDOM_BYTES} bytes`);
    }
    const prefix = random ?? crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
    const msg = utf8.encode(xml);
    const appId = utf8.encode(this.#appId);
    const unpadded = HEADER_BYTES + msg.length + appId.length;
    const pad = WECHAT_PAD_BLOCK - (unpadded % WECHAT_PAD_BLOCK);

    const plain = new Uint8Array(unpadded + pad);
    plain.set(prefix, 0);
    new DataView(plain.buffer).setUint32(RANDOM_BYTES, msg.length);
    plain.set(msg, HEADER_BYTES);
    plain.set(appId, HEADER_BYTES + msg.length);
    plain.fill(pad, unpadded);

    const withWebCryptoPad = await this.#encryptCbc(this.#iv, plain);
    return bytesToBase64(withWebCryptoPad.subarray(0, plain.length));
  }

  /** Raw CBC decryption (no padding removed) of whole blocks. */
  async #decryptRaw(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    const lastBlock = data.slice(data.length - BLOCK);
    // E(lastBlock XOR 0x10..) decrypts, chained after lastBlock, to 16 x 0x10: the padding WebCrypto will strip.
    const crafted = (await this.#encryptCbc(lastBlock, FULL_PAD_BLOCK)).subarray(0, BLOCK);
    const extended = new Uint8Array(data.length + BLOCK);
    extended.set(data, 0);
    extended.set(crafted, data.length);
    const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: this.#iv }, this.#key, extended);
    return new Uint8Array(plain);
  }

  async #encryptCbc(iv: Uint8Array<ArrayBuffer>, plain: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, this.#key, plain));
  }
}

/** WeChat's PKCS#7 pad length (1..32); every pad byte must carry it, or the ciphertext was not WeChat's. */
function padLength(plain: Uint8Array): number {
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > WECHAT_PAD_BLOCK || pad > plain.length) throw new WechatProtocolError("bad-padding");
  let diff = 0;
  for (let i = plain.length - pad; i < plain.length; i++) diff |= (plain[i] ?? 0) ^ pad;
  if (diff !== 0) throw new WechatProtocolError("bad-padding");
  return pad;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Strict standard base64 (with padding) to bytes; null for anything else, so atob's leniency is not inherited. */
function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  // Chunked so long messages never hit the engine's argument-count limit.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
