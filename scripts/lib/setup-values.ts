/**
 * The values `npm run setup` asks for or makes: WeChat's token (3 to 32 letters and digits, as WeChat's console
 * accepts) and EncodingAESKey (43 letters and digits, as the console's own "随机生成" makes), each from
 * node:crypto's randomness, and the checks on what the owner types.
 */
import { randomBytes, randomInt } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A WECHAT_TOKEN: 32 random letters and digits. */
export function generateToken(pick: (n: number) => number = randomInt): string {
  return Array.from({ length: 32 }, () => ALPHANUMERIC[pick(ALPHANUMERIC.length)]).join("");
}

/**
 * An EncodingAESKey: 32 random bytes in base64 without the `=`, drawn again until it is letters and digits only
 * (WeChat's console takes nothing else), so it decodes to exactly those 32 bytes.
 */
export function generateAesKey(bytes: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const key = bytes(32).toString("base64").slice(0, 43);
    if (/^[A-Za-z0-9]{43}$/.test(key)) return key;
  }
}

/** Why a typed value will not do, or undefined when it will. */
export const CHECKS = {
  appId: (v: string) => (/^wx[0-9a-f]{16}$/i.test(v) ? undefined : "an AppID is wx and 16 hex digits (基本配置 → 开发者ID)"),
  difyBase: (v: string) => {
    try {
      const url = new URL(v);
      if (url.protocol !== "https:" && !["127.0.0.1", "localhost"].includes(url.hostname)) return "Dify's API base must be https://";
      return /\/v1\/?$/.test(url.pathname) ? undefined : "Dify's Service API base ends in /v1 (e.g. https://api.dify.ai/v1)";
    } catch {
      return "not a URL";
    }
  },
  difyKey: (v: string) => (/^app-[A-Za-z0-9_-]{4,}$/.test(v) ? undefined : "a Dify app key looks like app-… (the app → API Access → API Key)"),
  aesKey: (v: string) => (/^[A-Za-z0-9+/]{43}$/.test(v) ? undefined : "an EncodingAESKey is 43 letters and digits"),
  publicUrl: (v: string) => {
    try {
      const url = new URL(v);
      const local = url.protocol === "http:" && ["127.0.0.1", "localhost"].includes(url.hostname);
      return url.protocol === "https:" || local ? undefined : "the public URL must be https://";
    } catch {
      return "not a URL";
    }
  },
} as const;
