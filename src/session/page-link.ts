/**
 * The answer page's link as it goes into replies that leave part of an answer for later, and the page refs'
 * registration in the ANSWER_REFS index (src/page/contract.ts). The link is WeChat's own `<a href>` in a text
 * message; where a client shows no links, the words still say what it is.
 */
import type { AppEnv, Config } from "../config";
import { registerAnswerRef } from "../page/answer-ref-index";
import { newAnswerRef } from "../page/contract";
import { utf8Length } from "../text/split";
import type { Job } from "./store";

/** Longest base URL a link is made for: longer ones would eat too much of a part (the page still works). */
const MAX_BASE_LENGTH = 160;

/** The bytes a link can take in a part: kept free like the "reply 1" note's. */
export function linkReserve(config: Config): number {
  if (!config.page.enabled) return 0;
  return utf8Length(linkHtml("x".repeat(MAX_BASE_LENGTH + 26), config.texts.answerLink));
}

function linkHtml(url: string, words: string): string {
  return `\n\n<a href="${url}">${words}</a>`;
}

/** The link to a job's page, to append to a reply ("" when the job has no page). */
export function pageLink(job: Pick<Job, "pageUrl"> | undefined, config: Config): string {
  if (job?.pageUrl == null || !config.page.enabled) return "";
  return linkHtml(job.pageUrl, config.texts.answerLink);
}

/**
 * A new page for an answer: its ref and link, when ANSWER_PAGE is on and a base URL is known (PUBLIC_BASE_URL, else
 * the origin of the callback request). The base must be a plain http(s) origin (and path): it goes into an href.
 */
export function newPage(config: Config, requestOrigin: string | undefined): { pageRef: string; pageUrl: string } | undefined {
  if (!config.page.enabled) return undefined;
  const base = config.page.publicBaseUrl ?? requestOrigin;
  if (base === undefined || base.length > MAX_BASE_LENGTH || !/^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~\/-]*)?$/.test(base)) return undefined;
  const pageRef = newAnswerRef();
  return { pageRef, pageUrl: `${base.replace(/\/+$/, "")}/a/${pageRef}` };
}

/**
 * Records in the ANSWER_REFS index which follower object holds `ref`, until `keepUntil`. Resolves with undefined,
 * or with the error (never rejects) when the call failed: the reply then goes without a link.
 */
export async function registerPage(env: AppEnv, ref: string, objectName: string, keepUntil: number): Promise<unknown> {
  try {
    await registerAnswerRef(env, ref, objectName, keepUntil);
    return undefined;
  } catch (error) {
    return error ?? new Error("unknown failure");
  }
}
