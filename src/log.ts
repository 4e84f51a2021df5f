/**
 * Structured logging: one JSON object per line, which Workers observability indexes field by field.
 * Callers pass facts, never secrets; openids are hashed with {@link hashOpenid} before they are logged.
 */

import { AsyncLocalStorage } from "node:async_hooks";

type Fields = Record<string, unknown>;

/** Fields every line written inside {@link withLogFields} carries (the account, for one). */
const context = new AsyncLocalStorage<Fields>();

/**
 * Runs `fn` so that every log line written during it, and during the work it starts (promises, timers), carries
 * `fields`: e.g. the account a callback or an alarm belongs to. Nested calls add to the outer fields.
 */
export function withLogFields<T>(fields: Fields, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

function emit(level: "info" | "warn" | "error", event: string, fields: Fields): void {
  const line = JSON.stringify({ level, event, ...context.getStore(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** The project's logger: `log.info("message", {...})` writes `{"level":"info","event":"message",...}`. */
export const log = {
  info: (event: string, fields: Fields = {}): void => emit("info", event, fields),
  warn: (event: string, fields: Fields = {}): void => emit("warn", event, fields),
  error: (event: string, fields: Fields = {}): void => emit("error", event, fields),
};

/** A short, stable, non-reversible tag for a follower's openid, so logs can be correlated without holding the id. */
export async function hashOpenid(openid: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`openid:${openid}`));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The safe description of a caught value for a log line: its name, message and selected protocol fields. */
export function describeError(error: unknown): Fields {
  if (error instanceof Error) {
    const fields: Fields = { error: error.name, message: error.message };
    for (const key of ["kind", "status", "code", "errcode", "reason", "action"]) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (value !== undefined) fields[key] = value;
    }
    return fields;
  }
  return { error: String(error) };
}
