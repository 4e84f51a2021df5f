/**
 * Reads a request body with a size cap, so an oversized or endless body is refused (413) without being buffered.
 */
import { BodyTooLargeError, readCappedBytes } from "../bytes";

export { BodyTooLargeError };

/** Reads the whole body as UTF-8 text, refusing more than `maxBytes` (by Content-Length or by counting). */
export async function readBoundedText(request: Request, maxBytes: number): Promise<string> {
  const bytes = await readCappedBytes(request.body, request.headers, maxBytes);
  // Invalid UTF-8 becomes U+FFFD here; the XML parser and signature checks then refuse it as they would any junk.
  return new TextDecoder("utf-8").decode(bytes);
}
