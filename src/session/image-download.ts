/**
 * Fetching an image by URL — one the follower sent that Dify could not fetch, or one the app produced that goes out
 * as a WeChat image — with a deadline over the whole body and WeChat's 10 MB image limit.
 */
import { readCappedBytes } from "../bytes";

/** WeChat's limit for image media (and a sane one for anything we download). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 15_000;

/**
 * Downloads an image; throws on an HTTP error, a timeout, or more than 10 MB. `fetcher` is the caller's counted
 * fetch (the global one by default).
 */
export async function downloadImage(
  url: string,
  fallbackType: string,
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): Promise<{ bytes: Uint8Array; contentType: string }> {
  const res = await fetcher(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`image download answered HTTP ${res.status}`);
  }
  const bytes = await readCappedBytes(res.body, res.headers, MAX_IMAGE_BYTES);
  return { bytes, contentType: res.headers.get("content-type") ?? fallbackType };
}

/** A file name extension WeChat and Dify accept for an image content type. */
export function imageExtension(contentType: string): "png" | "gif" | "jpg" {
  return contentType.includes("png") ? "png" : contentType.includes("gif") ? "gif" : "jpg";
}
