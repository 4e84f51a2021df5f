/**
 * Structured logging: one JSON object per line, which Workers observability indexes field by field.
 * Callers pass facts, never secrets; openids are hashed with {@link hashOpenid} before they are logged.
 */

type Fields = Record<string, unknown>;

function emit(level: "info" | "warn" | "error", event: string, fields: Fields): void {
  const line = JSON.stringify({ level, event, ...fields });
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
