/**
 * The last word on what of Dify's text reaches the page: marked's HTML (which passes raw HTML in the answer through)
 * is filtered by js-xss against an allowlist of tags and attributes. Everything else is stripped: script, style and
 * frames with their content, other unknown tags keeping their text, every event handler, every style attribute.
 * Links keep only http(s) and mailto targets and open with `rel="noopener noreferrer nofollow"`; images keep only
 * https sources and the page's own `img/<n>`. The page's Content-Security-Policy is the second wall behind this one.
 */
import xss, { type IWhiteList } from "xss";
import { imageSource, imageSrcOnPage, linkHref } from "./urls";

// js-xss is CommonJS: its named exports (typed in its typings) are properties of the module object, which is also
// its default export; bundlers cannot see them as named exports.
const { FilterXSS, escapeAttrValue, friendlyAttrValue } = xss as unknown as typeof import("xss");

/** Tags an answer may use, with the attributes each may keep (values are checked in `attribute` below). */
const ALLOWED: IWhiteList = {
  a: ["href", "title"],
  img: ["src", "alt", "title"],
  p: [], br: [], hr: [], blockquote: [], div: [], span: [],
  h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
  ul: [], ol: ["start"], li: [], dl: [], dt: [], dd: [],
  strong: [], b: [], em: [], i: [], u: [], del: [], s: [], ins: [], mark: [], small: [], sub: [], sup: [], kbd: [],
  abbr: ["title"], code: ["class"], pre: [],
  table: [], caption: [], thead: [], tbody: [], tfoot: [], tr: [], th: ["align"], td: ["align"],
  details: [], summary: [],
};

/** Tags removed together with everything inside them (their content is code, styling or a document of its own). */
const REMOVED_WITH_CONTENT = [
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "noembed", "noframes",
  "template", "svg", "math", "textarea", "select", "title", "head", "xmp", "plaintext", "canvas", "audio", "video",
];

const LINK_REL = 'rel="noopener noreferrer nofollow"';
const CODE_LANGUAGE = /^language-[\w+#.-]{1,40}$/;

/** The sanitised HTML and the images it shows (their keys, see ImageSource), in order. */
export interface SanitizedHtml {
  html: string;
  images: string[];
}

/**
 * Sanitises `html` for the page of answer `ref` (own images are written as `<ref>/img/<n>`, relative to the page).
 */
export function sanitizeAnswerHtml(html: string, ref: string): SanitizedHtml {
  const images: string[] = [];
  const filter = new FilterXSS({
    whiteList: ALLOWED,
    stripIgnoreTag: true,
    stripIgnoreTagBody: REMOVED_WITH_CONTENT,
    allowCommentTag: false,
    css: false,
    onTagAttr: (tag, name, value, isAllowed) => {
      if (!isAllowed) return "";
      return attribute(tag, name, friendlyAttrValue(value), ref, images);
    },
  });
  return { html: filter.process(html), images };
}

/** One allowed attribute as it goes into the page ("" drops it), or undefined for xss's own escaping of plain text. */
function attribute(tag: string, name: string, value: string, ref: string, images: string[]): string | undefined {
  if (tag === "a" && name === "href") {
    const href = linkHref(decodeAmpersands(value));
    return href === undefined ? "" : `${quoted("href", href)} ${LINK_REL}`;
  }
  if (tag === "img" && name === "src") {
    const source = imageSource(decodeAmpersands(value));
    if (source === undefined) return "";
    images.push(source.key);
    return `${quoted("src", imageSrcOnPage(source, ref))} loading="lazy"`;
  }
  if (tag === "code" && name === "class") return CODE_LANGUAGE.test(value) ? quoted("class", value) : "";
  if (name === "align") return /^(left|center|right)$/.test(value) ? quoted("align", value) : "";
  if (name === "start") return /^\d{1,9}$/.test(value) ? quoted("start", value) : "";
  return undefined;
}

/** marked writes a URL's `&` as `&amp;` (xss's decoding leaves named entities): the URL itself has `&`. */
function decodeAmpersands(value: string): string {
  return value.replace(/&amp;/gi, "&");
}

function quoted(name: string, value: string): string {
  return `${name}="${escapeAttrValue(value.replace(/&/g, "&amp;"))}"`;
}
