/**
 * WeChat's callback signatures: sha1 over the sorted concatenation of the token and the request's values. Used both
 * for the plain `signature` (token, timestamp, nonce) and for safe mode's `msg_signature` (plus the Encrypt text).
 */

const encoder = new TextEncoder();

/** sha1 hex of the lexicographically sorted concatenation of `parts` (WeChat's signature scheme). */
export async function wechatSignature(parts: string[]): Promise<string> {
  // Default sort compares UTF-16 code units; every real part (token, digits, base64) is ASCII, where that equals
  // the byte order WeChat uses.
  const joined = [...parts].sort().join("");
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(joined));
  return toHex(new Uint8Array(digest));
}

/**
 * Compares two strings without stopping at the first difference, so the time taken does not tell an attacker how
 * much of a forged signature was right. Unequal lengths return at once: lengths of hex digests are public anyway.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Query values WeChat adds to every callback (GET verification and POST messages). */
export interface SignatureQuery {
  signature?: string | null;
  timestamp?: string | null;
  nonce?: string | null;
}

/** Query values of a safe-mode (or compatible-mode) POST. */
export interface MsgSignatureQuery {
  msg_signature?: string | null;
  timestamp?: string | null;
  nonce?: string | null;
}

/** True when `q.signature` is sha1(sorted [token, timestamp, nonce]). Missing values are simply invalid. */
export async function isValidSignature(token: string, q: SignatureQuery): Promise<boolean> {
  const { signature, timestamp, nonce } = q;
  if (!signature || timestamp == null || nonce == null) return false;
  const expected = await wechatSignature([token, timestamp, nonce]);
  return constantTimeEqual(expected, signature.toLowerCase());
}

/** True when `q.msg_signature` is sha1(sorted [token, timestamp, nonce, encrypt]). Missing values are invalid. */
export async function isValidMsgSignature(token: string, q: MsgSignatureQuery, encrypt: string): Promise<boolean> {
  const { msg_signature: signature, timestamp, nonce } = q;
  if (!signature || timestamp == null || nonce == null) return false;
  const expected = await wechatSignature([token, timestamp, nonce, encrypt]);
  return constantTimeEqual(expected, signature.toLowerCase());
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
