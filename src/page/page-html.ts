/**
 * The answer page as served: a whole HTML document that already holds the answer so far, so it reads with scripts
 * off. While the answer is unfinished it loads live.js (which follows the feed at `<ref>/events`) and, for browsers
 * without scripts, refreshes itself every few seconds. Every URL in it is relative to the page, so it works under
 * any base (a custom domain, workers.dev).
 */
import type { AnswerPageSnapshot } from "./contract";
import { LiveAnswer } from "./live-render";
import { PAGE_CSS } from "./page-style";
import { escapeHtml } from "./render";
import { pageWords } from "./words";

/** Seconds between reloads of an unfinished page in a browser without scripts. */
export const NOSCRIPT_REFRESH_SECONDS = 5;

/** The page of answer `ref` at the moment of `snapshot`. */
export function answerPageHtml(snapshot: AnswerPageSnapshot, ref: string): string {
  const words = pageWords(snapshot.language);
  const live = new LiveAnswer(ref);
  const parts = snapshot.done
    ? live.finish(snapshot.markdown, snapshot.images)
    : live.start(snapshot.markdown, snapshot.images);
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(words.title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
  ];
  if (!snapshot.done) {
    head.push(
      `<noscript><meta http-equiv="refresh" content="${NOSCRIPT_REFRESH_SECONDS}"></noscript>`,
      '<script src="live.js" defer></script>',
    );
  }
  const status = snapshot.done
    ? `<p id="status" class="status done">${escapeHtml(words.complete)}</p>`
    : `<p id="status" class="status writing" data-complete="${escapeHtml(words.complete)}">${escapeHtml(words.stillWriting)}</p>`;
  return [
    "<!doctype html>",
    `<html lang="${words.lang}">`,
    `<head>${head.join("")}</head>`,
    "<body><main>",
    `<section class="question"><h2>${escapeHtml(words.question)}</h2><p>${escapeHtml(snapshot.question)}</p></section>`,
    `<article id="answer" data-events="${escapeHtml(ref)}/events" data-done="${String(snapshot.done)}" aria-live="polite">`,
    `<h2 class="answer-head">${escapeHtml(words.answer)}</h2>`,
    `<div id="answer-body">${parts.html ?? ""}</div>`,
    `<div id="answer-tail" class="tail">${escapeHtml(parts.tail ?? "")}</div>`,
    `<div id="answer-gallery">${parts.gallery ?? ""}</div>`,
    "</article>",
    status,
    "</main></body></html>",
  ].join("\n");
}
