/**
 * Keeps an answer's images deliverable after Dify's links die. Dify signs every file URL it sends and refuses it
 * FILES_ACCESS_TIMEOUT (300 s by default) later with 403 (core/file/helpers.py, core/tools/signature.py,
 * controllers/files/tool_files.py), while a follower may collect the answer much later (pull mode, a late "1").
 * So each image is fetched at answer time, while its URL still works, and stored as WeChat temporary media, which
 * WeChat keeps for 3 days. With an empty FILES_URL (the docker default) Dify's URLs are relative, and images a model
 * drew end in `.bin`: what they are is read from the Content-Type (or, failing that, the bytes).
 */
import { isDifySignedUrl } from "../dify";
import { log } from "../log";
import type { WechatApiClient } from "../wechat/api-client";
import { downloadImage, imageExtension } from "./image-download";

/** One image of an answer, as the follower can be given it. */
export interface AnswerMedia {
  /** The image's absolute URL, as Dify gave it. */
  url: string;
  /** WeChat temporary media id (valid 3 days), when the image could be stored with WeChat. */
  mediaId?: string;
  /**
   * True when `url` is a Dify signed URL (sign / timestamp / nonce query, or a /files/ path): it stops working minutes
   * after the answer, so it must never be handed to a follower later. Only set when there is no `mediaId`.
   */
  expiring?: true;
}

/** What storing needs. */
export interface AnswerMediaOptions {
  /** DIFY_API_BASE: relative file URLs resolve against its origin. */
  difyApiBase: string;
  /** WeChat's API, when the account has an app secret; without it nothing can be stored. */
  wechatApi?: WechatApiClient;
  /** The invocation's counted fetch, for the downloads (the global fetch by default). */
  fetcher?: typeof fetch;
}

/** Magic bytes of the image formats WeChat takes, for a file served as application/octet-stream. */
function sniffImageType(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  return undefined;
}

/** Where the image's path leaves no query (file ids and signatures are not for logs). */
function forLog(url: string): string {
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}

async function storeOne(url: string, wechatApi: WechatApiClient, fetcher?: typeof fetch): Promise<string> {
  const { bytes, contentType } = await downloadImage(url, "application/octet-stream", fetcher);
  const type = contentType.startsWith("image/") ? contentType.split(";")[0]!.trim() : sniffImageType(bytes);
  if (type === undefined) throw new Error(`not an image (${contentType})`);
  return wechatApi.uploadImage(bytes, `answer-image.${imageExtension(type)}`, type);
}

/**
 * Fetches each of an answer's image URLs now, while Dify's signature is valid, and stores it as WeChat temporary
 * media. Relative URLs are resolved against DIFY_API_BASE's origin. Resolves with one entry per URL that is a URL at
 * all, in order: `{url, mediaId}` when stored; otherwise (no app secret, download or upload failed) `{url}`, flagged
 * `expiring` when the link will die soon. Never rejects; each failure is logged without the URL's query.
 */
export async function storeAnswerMedia(urls: readonly string[], options: AnswerMediaOptions): Promise<AnswerMedia[]> {
  const origin = new URL(options.difyApiBase).origin;
  const absolute = urls.flatMap((raw) => {
    try {
      return [new URL(raw, `${origin}/`).toString()];
    } catch {
      return [];
    }
  });
  return Promise.all(
    absolute.map(async (url): Promise<AnswerMedia> => {
      const unstored: AnswerMedia = isDifySignedUrl(url) ? { url, expiring: true } : { url };
      if (options.wechatApi === undefined) return unstored;
      try {
        return { url, mediaId: await storeOne(url, options.wechatApi, options.fetcher) };
      } catch (error) {
        log.warn("answer_media_not_stored", {
          image: forLog(url),
          message: error instanceof Error ? error.message : String(error),
        });
        return unstored;
      }
    }),
  );
}
