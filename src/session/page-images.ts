/**
 * An answer's images kept for its page: Dify's signed links die minutes after the answer (see answer-media.ts),
 * while the page is read later. Each image is fetched once at answer time and kept in the follower's storage, at
 * most PAGE_IMAGE_MAX_BYTES each (a SQLite row holds 2 MB).
 */
import { log } from "../log";
import { downloadImage } from "./image-download";
import type { SessionStore } from "./store";

/** Largest image kept for a page. */
export const PAGE_IMAGE_MAX_BYTES = 1024 * 1024;

/**
 * Fetches `urls` (absolute, in order) and keeps each image that is an image and small enough as image n of the
 * job's page. Returns the page's image sources ("img/<n>"). Never rejects; failures are logged without the URL.
 */
export async function keepPageImages(store: SessionStore, jobKey: string, urls: readonly string[], fetcher?: typeof fetch): Promise<string[]> {
  const fetched = await Promise.all(urls.map(async (url) => {
    try {
      const { bytes, contentType } = await downloadImage(url, "application/octet-stream", fetcher);
      const type = contentType.split(";")[0]!.trim().toLowerCase();
      if (!/^image\/(png|jpeg|gif|webp)$/.test(type) || bytes.byteLength > PAGE_IMAGE_MAX_BYTES) return undefined;
      return { type, body: bytes.slice().buffer };
    } catch (error) {
      log.warn("page_image_not_kept", { message: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }));
  // Numbered in the answer's order, without gaps for the images that could not be kept.
  const kept = fetched.filter((image) => image !== undefined);
  kept.forEach((image, n) => store.putPageImage(jobKey, n, image.type, image.body));
  return kept.map((_, n) => `img/${n}`);
}
