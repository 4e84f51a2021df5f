/**
 * The small parts of the peer packages' public API the benchmark uses. Neither ships its own types, and
 * @types/xml2js is not installed; these declarations cover only the calls made here.
 */
declare module "wechat-crypto" {
  /** node-webot's WXBizMsgCrypt: WeChat's safe-mode signatures and AES on node:crypto. */
  class WXBizMsgCrypt {
    constructor(token: string, encodingAESKey: string, id: string);
    /** sha1 of sorted [token, timestamp, nonce, encrypt], hex. */
    getSignature(timestamp: string, nonce: string, encrypt: string): string;
    /** base64 ciphertext -> the inner message and the appid sealed with it. */
    decrypt(text: string): { message: string; id: string };
    /** text -> base64 ciphertext (random prefix from node:crypto). */
    encrypt(text: string): string;
  }
  export = WXBizMsgCrypt;
}

declare module "xml2js" {
  /** Options of parseString used here. */
  export interface ParserOptions {
    trim?: boolean;
    explicitArray?: boolean;
    async?: boolean;
  }
  /** Parses XML; the callback gets the result tree (element name -> array of children or text). */
  export function parseString(
    xml: string,
    options: ParserOptions,
    callback: (error: Error | null, result: unknown) => void,
  ): void;
}
