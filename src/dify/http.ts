import { truncate } from "./answer.js";
import { DifyError } from "./errors.js";

/** Reads a whole body as text, giving up (and cancelling the body) when `signal` aborts. */
export async function readBodyText(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<string> {
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  const onAbort = () => {
    reader.cancel(signal.reason).catch(() => undefined);
  };
  signal.addEventListener("abort", onAbort);
  let text = "";
  let finished = false;
  try {
    signal.throwIfAborted();
    for (;;) {
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    finished = true;
    return text + decoder.decode();
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Reads a 2xx JSON body; anything that is not a JSON object is a "protocol" error. */
export async function readJsonObject(res: Response, signal: AbortSignal, what: string): Promise<Record<string, unknown>> {
  const text = await readBodyText(res.body, signal);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DifyError("protocol", `${what}: response is not JSON`, { status: res.status, cause: err });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new DifyError("protocol", `${what}: response is not a JSON object`, { status: res.status });
  }
  return parsed as Record<string, unknown>;
}

/**
 * Turns a non-2xx response into a DifyError of kind "http", keeping Dify's {code, message, status} when the body has
 * them. Proxies in front of Dify may answer with HTML instead; then only the status is kept.
 */
export async function httpError(res: Response, signal: AbortSignal, what: string): Promise<DifyError> {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const body: unknown = JSON.parse(await readBodyText(res.body, signal));
    if (typeof body === "object" && body !== null) {
      const fields = body as Record<string, unknown>;
      if (typeof fields.code === "string") code = fields.code;
      if (typeof fields.message === "string") message = fields.message;
    }
  } catch {
    // Not JSON (or cut off): the status alone still decides retryability.
  }
  return new DifyError(
    "http",
    `${what}: HTTP ${res.status}${code ? ` ${code}` : ""}${message ? `: ${truncate(message)}` : ""}`,
    { status: res.status, code, difyMessage: message },
  );
}
