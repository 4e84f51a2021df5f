/**
 * Dify's Markdown to the page's HTML: reasoning removed (stripThinking), GFM rendered by marked (headings, lists,
 * tables, fenced code, links, images), then sanitised (sanitize.ts). One function for a whole answer and for one
 * finished stretch of paragraphs of a streaming one (live-render.ts). Time is linear in the text, as for WeChat's
 * text (src/text/markdown.ts): pathological Markdown is defused before marked sees it and long text is rendered in
 * bounded segments.
 */
import { Marked, type Tokens } from "marked";
import { defuseMarkdown, restoreDefused } from "../text/defuse";
import { segmentMarkdown } from "../text/segments";
import { stripThinking } from "../text/think";
import { sanitizeAnswerHtml, type SanitizedHtml } from "./sanitize";
import { imageSource, imageSrcOnPage, isExpiringDifyFile } from "./urls";

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // A task list's box is a character, not a form control (the page has no forms).
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? "☑ " : "☐ ";
    },
    // An image the page may not load shows its alt text; a Dify file URL (expiring) shows nothing where it stands:
    // the snapshot's `images` brings that image to the page's gallery.
    image({ href, text }: Tokens.Image): string | false {
      if (imageSource(href) !== undefined) return false;
      return isExpiringDifyFile(href) ? "" : escapeHtml(text);
    },
  },
});

/** Renders (part of) an answer for the page of `ref`: safe HTML, and the keys of the images it shows. */
export function renderMarkdown(markdown: string, ref: string): SanitizedHtml {
  const visible = stripThinking(markdown);
  if (visible.trim() === "") return { html: "", images: [] };
  const html = segmentMarkdown(defuseMarkdown(visible))
    .map((segment) => marked.parse(segment.text, { async: false }))
    .join("\n");
  return sanitizeAnswerHtml(restoreDefusedHtml(html), ref);
}

/** Puts back what defuseMarkdown replaced, as HTML: its `<` and `>` stand for text, never for markup. */
function restoreDefusedHtml(html: string): string {
  return restoreDefused(html.replace(/\uFDDA/g, "&lt;").replace(/\uFDD3/g, "&gt;"));
}

/**
 * The answer's images not shown in its text (e.g. a picture a Dify tool drew), as a gallery: `shown` are the keys of
 * those the text already shows. Empty when there are none.
 */
export function renderGallery(images: readonly string[], shown: readonly string[], ref: string): string {
  const seen = new Set(shown);
  const parts: string[] = [];
  for (const image of images) {
    const source = imageSource(image);
    if (source === undefined || seen.has(source.key)) continue;
    seen.add(source.key);
    parts.push(`<img src="${escapeHtml(imageSrcOnPage(source, ref))}" alt="" loading="lazy">`);
  }
  return parts.length === 0 ? "" : `<div class="gallery">${parts.join("")}</div>`;
}

/** Text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
