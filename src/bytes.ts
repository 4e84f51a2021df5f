/**
 * Reading a body with a size cap, shared by the callback route (requests) and the WeChat API client (responses):
 * an oversized or endless body is refused without being buffered.
 */

/** Thrown by {@link readCappedBytes} when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
}

/**
 * Reads a whole body, refusing more than `maxBytes` — early by the declared Content-Length, else while counting.
 * Other read failures (a broken connection, an abort) are thrown as they come.
 */
export async function readCappedBytes(body: ReadableStream<Uint8Array> | null, headers: Headers, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(`body of ${declared} bytes`);
  }
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(`body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
