/**
 * Reads what the local Dify stand-in received, from inside workerd tests.
 */
import { inject } from "vitest";

/** One call the Dify stand-in received. */
export interface DifyCall {
  path: string;
  method: string;
  auth: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

/** The calls the Dify stand-in received for this user (openid), oldest first. */
export async function difyCalls(user: string): Promise<DifyCall[]> {
  const base = inject("difyUrl").replace(/\/v1$/, "");
  const res = await fetch(`${base}/__calls?user=${encodeURIComponent(user)}`);
  return (await res.json()) as DifyCall[];
}

/** Only the answer-producing calls (chat, completion, workflow). */
export async function difyAsks(user: string): Promise<DifyCall[]> {
  return (await difyCalls(user)).filter((c) => /chat-messages|completion-messages|workflows\/run/.test(c.path));
}

/** A fresh openid per test, so parallel tests never share a Durable Object or the stand-ins' records. */
export function newOpenid(label: string): string {
  return `o_${label}_${crypto.randomUUID().slice(0, 8)}`;
}
