/**
 * Which URLs an answer may carry onto the page. Dify's text is untrusted: links may only leave for http(s) and
 * mailto, and images may only come from https or from the page's own `img/<n>` (images the follower's object keeps).
 */
import { isDifySignedUrl } from "../dify/answer-files";

/** Where an answer image may be loaded from. */
export type ImageSource =
  /** Image `n` of this answer, served by the follower's object at `<ref>/img/<n>`. */
  | { kind: "own"; n: number; key: string }
  /** An absolute https URL (serialised by the URL parser). */
  | { kind: "https"; url: string; key: string };

const OWN_IMAGE = /^img\/(\d{1,4})$/;

/** The URL a link may point to (normalised), or undefined when it may not be a link on the page. */
export function linkHref(href: string): string | undefined {
  const url = absoluteUrl(href);
  if (url === undefined) return undefined;
  return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : undefined;
}

/**
 * Where an image of the answer may come from, or undefined: only https (not a Dify-signed file URL, which expires
 * minutes after signing and is shown from the snapshot's `images` instead) and `img/<n>`. `key` tells two mentions
 * of one image apart from two images.
 */
export function imageSource(src: string): ImageSource | undefined {
  const trimmed = src.trim();
  const own = OWN_IMAGE.exec(trimmed);
  if (own) return { kind: "own", n: Number(own[1]), key: `img/${Number(own[1])}` };
  const url = absoluteUrl(trimmed);
  if (url === undefined || url.protocol !== "https:" || url.username !== "" || url.password !== "") return undefined;
  if (isDifySignedUrl(url.href)) return undefined;
  return { kind: "https", url: url.href, key: url.href };
}

/** True for a Dify-signed file URL: the page leaves it out where it stands (the `images` list shows the image). */
export function isExpiringDifyFile(src: string): boolean {
  // Relative too: a Dify without FILES_URL writes its file URLs as paths (`/files/tools/<id>.png?…`).
  return isDifySignedUrl(src.trim());
}

/** The `src` to write into the page at `<base>/a/<ref>`: own images are relative to it. */
export function imageSrcOnPage(source: ImageSource, ref: string): string {
  return source.kind === "own" ? `${ref}/img/${source.n}` : source.url;
}

function absoluteUrl(value: string): URL | undefined {
  try {
    // No base: a relative URL (which would point into this worker) is not accepted.
    return new URL(value.trim());
  } catch {
    return undefined;
  }
}
