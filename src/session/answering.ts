/**
 * The queue's one step: answer one `ask` job with one Dify call, streaming finished paragraphs out early, and
 * always settle the job (done, with parts) however the call or the storage fails. Re-asks after a lost stream are
 * capped, so no failure can make the follower's object ask Dify forever.
 */
import type { Config } from "../config";
import type { DifyClient } from "../dify";
import type { WechatApiClient } from "../wechat/api-client";
import { describeError, log } from "../log";
import { answerFileLinks, answerImages, askDify, VoiceNotUnderstoodError, type AskWork } from "./ask-dify";
import { answerParts, planUndecidedParts } from "./delivery-plan";
import { remainderAfterProgress, type ProgressiveStream } from "./progressive";
import { storeAnswerMedia, type AnswerMedia } from "./answer-media";
import { WECHAT_MEDIA_PREFIX } from "./cs-sender";
import type { Job, NewPart, SessionStore } from "./store";
import { isDifySignedUrl } from "../dify";
import type { LiveAnswers } from "./live-answers";
import { keepPageImages } from "./page-images";

/** Dify calls one message may cost: the first, plus this many re-asks after restarts lost the stream. */
export const MAX_REASKS = 2;
/** Images of one answer stored and sent as images; more would cost more outbound calls than an invocation has. */
export const MAX_ANSWER_IMAGES = 4;

const CONVERSATION_KEY = "conversation_id";
const EPOCH_KEY = "conversation_epoch";

/** What answering a job needs from the follower's object. */
export interface AnswerDeps {
  store: SessionStore;
  config: Config;
  dify: DifyClient;
  wechatApi?: WechatApiClient;
  /** The invocation's counted fetch (src/session/subrequests.ts), for downloads made outside the two clients. */
  fetcher?: typeof fetch;
  openid: string;
  /** Hashed openid and a key-to-loggable function: logs never hold the raw openid. */
  userTag: string;
  logKey(key: string): string;
  /** Aborted (with the reason as a string) when the follower unsubscribes or is handed to staff mid-answer: nothing of it is stored. */
  signal: AbortSignal;
  /** Something changed that held requests or the alarm may be waiting for. */
  notify(): void;
  /** The answer finished after WeChat's window: its parts were planned and must be sent. */
  onLateAnswer(): void;
  /** The stream's progressive state: the object's requests take finished text from it on demand. */
  progress: ProgressiveStream;
  /** Where the answer page follows the text as Dify writes it. */
  live?: LiveAnswers;
}

/** The follower's Dify conversation id, and the epoch `/clear` bumps so a running answer cannot restore a cleared id. */
export function conversationEpoch(store: SessionStore): number {
  return Number(store.meta(EPOCH_KEY) ?? 0);
}

/** Starts a new Dify conversation for the follower (`/clear`). */
export function clearConversation(store: SessionStore): void {
  store.setMeta(CONVERSATION_KEY, undefined);
  store.setMeta(EPOCH_KEY, String(conversationEpoch(store) + 1));
}

/** Answers one job. Never throws: every failure becomes the polite failure text, and the job is always settled. */
export async function answerJob(job: Job, deps: AnswerDeps): Promise<void> {
  const { store, config } = deps;
  const attempt = job.attempts + 1;
  store.updateJob(job.key, { status: "running", attempts: attempt });
  deps.notify();
  const started = Date.now();
  try {
    if (attempt > 1 + MAX_REASKS) {
      log.error("dify_reasks_exhausted", { user: deps.userTag, key: deps.logKey(job.key), attempts: job.attempts });
      settle(job, [deps.config.texts.failure], { error: JSON.stringify({ error: "reasks_exhausted" }), started }, deps);
      return;
    }
    const outcome = await ask(job, deps);
    if (store.job(job.key) === undefined || deps.signal.aborted) {
      const reason = typeof deps.signal.reason === "string" ? deps.signal.reason : "follower forgotten";
      log.info("answer_discarded", { user: deps.userTag, key: deps.logKey(job.key), reason });
      return;
    }
    settle(job, outcome.parts, { ...outcome, started }, deps);
  } catch (unexpected) {
    // Storage or shaping failed after the stream: the job must still end, or the queue would stall behind it.
    log.error("answer_failed", { user: deps.userTag, key: deps.logKey(job.key), ...describeError(unexpected) });
    try {
      if (store.job(job.key) !== undefined) {
        settle(job, [config.texts.failure], { error: JSON.stringify(describeError(unexpected)), started }, deps);
      }
    } catch (again) {
      log.error("answer_unsettled", { user: deps.userTag, key: deps.logKey(job.key), ...describeError(again) });
    }
  } finally {
    deps.notify();
  }
}

interface AskOutcome {
  parts: NewPart[];
  error: string | null;
  firstEventMs?: number;
  /** The answer for its page (raw Markdown), and the page's own image sources. */
  markdown?: string;
  pageImages?: string[];
}

/** Calls Dify and turns what it said (or how it failed) into the parts still to deliver. */
async function ask(job: Job, deps: AnswerDeps): Promise<AskOutcome> {
  const { store, config } = deps;
  const work = JSON.parse(job.work) as AskWork;
  // CS mode implies an app secret (Config turns it off without one), so images can go as WeChat images.
  const pushImages = config.delivery.customMessages;
  const progressive = deps.progress;
  const epoch = conversationEpoch(store);
  try {
    const answer = await askDify(work, {
      config,
      dify: deps.dify,
      wechatApi: deps.wechatApi,
      openid: deps.openid,
      signal: deps.signal,
      conversation: {
        get: () => store.meta(CONVERSATION_KEY),
        set: (id, sinceEpoch) => {
          // Not after /clear, and not into the record of a follower who unsubscribed meanwhile.
          if (conversationEpoch(store) === sinceEpoch && store.job(job.key) !== undefined) store.setMeta(CONVERSATION_KEY, id);
        },
        epoch: () => epoch,
      },
      onText: (text, delta) => {
        deps.live?.update(job.key, text, delta);
        const queued = progressive.onText(store, text, config, delta);
        if (queued === 0) return;
        log.info("progressive", { user: deps.userTag, key: deps.logKey(job.key), parts: queued });
        deps.notify();
      },
    });
    const imageUrls = answerImages(answer, config);
    const images = await deliverableImages(imageUrls, deps, pushImages);
    const pageImages = job.pageRef === null ? [] : await keepPageImages(
      // Images whose links last are in the page's Markdown already; only Dify's signed ones must be kept.
      store, job.key, imageUrls.filter((url) => isDifySignedUrl(url)).slice(0, MAX_ANSWER_IMAGES), deps.fetcher,
    );
    // Images that go as WeChat images are parts of their own; other files are links at the end of the text.
    const asImages = pushImages ? images.filter((m) => m.mediaId !== undefined) : [];
    const sentAsImages = new Set(asImages.map((m) => m.url));
    const links = answerFileLinks(answer, config).filter((url) => !sentAsImages.has(url));
    // Read again: progressive delivery moved the offset while the stream ran.
    const current = store.job(job.key) ?? job;
    const raw = textWithLinks(answer.text, links, current, config);
    const { rest, changed } = remainderAfterProgress(current, raw);
    if (changed) log.warn("answer_changed_mid_stream", { user: deps.userTag, key: deps.logKey(job.key), sent: current.progressOffset });
    let parts: NewPart[] = answerParts(rest, config);
    if (parts.length === 0 && current.progressOffset === 0 && asImages.length === 0) parts = [config.texts.emptyAnswer];
    parts = [...parts, ...asImages.map((m) => ({ text: m.expiring ? "" : m.url, media: `${WECHAT_MEDIA_PREFIX}${m.mediaId}` }))];
    return { parts, error: null, firstEventMs: answer.firstEventMs, markdown: pageMarkdown(answer.text, links), pageImages };
  } catch (caught) {
    if (deps.signal.aborted) return { parts: [], error: null };
    log.error("dify_failed", { user: deps.userTag, key: deps.logKey(job.key), ...describeError(caught) });
    // A failure text is always whole, after whatever was already sent.
    const text = caught instanceof VoiceNotUnderstoodError ? config.texts.voiceNotUnderstood : config.texts.failure;
    return { parts: [text], error: JSON.stringify(describeError(caught)), markdown: text };
  }
}

/** The answer as its page shows it once finished: Dify's text without signed image links (they die), then file links. */
function pageMarkdown(text: string, links: readonly string[]): string {
  return [withoutSignedImages(text), ...links.filter((url) => !isDifySignedUrl(url))].filter((s) => s.trim() !== "").join("\n\n");
}

/** A Markdown image `![alt](url "title")`; bounded character classes keep the match linear. */
const MARKDOWN_IMAGE = /!\[([^\]\n]{0,200})\]\(\s*<?([^)\s>]{1,2048})>?(?:\s+"[^"\n]{0,200}")?\s*\)/g;

/**
 * The answer's text without Markdown images whose URL Dify signed: such a link dies 5 minutes after the answer (the
 * image itself goes out as an image, where the account can send one); the image's alt text stays.
 */
export function withoutSignedImages(text: string): string {
  if (!text.includes("![")) return text;
  // A generated image's alt text is often just its file name, which reads as noise without the image.
  const keep = (alt: string): string => (/^[\w.-]+\.[A-Za-z0-9]{2,4}$/.test(alt.trim()) ? "" : alt);
  return text.replace(MARKDOWN_IMAGE, (whole, alt: string, url: string) => (isDifySignedUrl(url) ? keep(alt) : whole));
}

/**
 * The answer's text and its file links, as the follower will read them. Dify's signed file URLs die 5 minutes after
 * the answer, so they are kept only in an answer read at once: one part, still inside WeChat's window, nothing sent
 * early. Otherwise signed links and signed Markdown images are left out (links that last are kept).
 */
function textWithLinks(text: string, links: readonly string[], job: Job, config: Config): string {
  const join = (body: string, urls: readonly string[]): string => [body, ...urls].filter((s) => s.trim() !== "").join("\n\n");
  const lasting = join(withoutSignedImages(text), links.filter((url) => !isDifySignedUrl(url)));
  if (job.windowClosed || job.progressOffset > 0) return lasting;
  const fresh = join(text, links);
  return fresh !== lasting && answerParts(fresh, config).length === 1 ? fresh : lasting;
}

/**
 * The answer's images as the follower can get them later: when they go out as images (CS mode), stored as WeChat
 * media now, while Dify's signed URLs work; flagged when their link will soon be dead. Only the first
 * MAX_ANSWER_IMAGES are stored; a dropped expiring link is logged.
 */
async function deliverableImages(urls: string[], deps: AnswerDeps, asImages: boolean): Promise<AnswerMedia[]> {
  if (urls.length === 0) return [];
  const stored = await storeAnswerMedia(urls.slice(0, MAX_ANSWER_IMAGES), {
    difyApiBase: deps.config.dify.apiBase,
    // Only images that go out as images are worth storing: a passive reply or a "1" carries text alone.
    wechatApi: asImages ? deps.wechatApi : undefined,
    fetcher: deps.fetcher,
  });
  const rest = await storeAnswerMedia(urls.slice(MAX_ANSWER_IMAGES), { difyApiBase: deps.config.dify.apiBase });
  const all = [...stored, ...rest];
  const dropped = all.filter((m) => m.mediaId === undefined && m.expiring === true).length;
  if (dropped > 0) log.warn("answer_image_links_dropped", { user: deps.userTag, count: dropped, reason: "signed URL expires" });
  return all;
}

/** Stores the parts, marks the job done and, when WeChat's window is over, plans how the parts go out. */
function settle(
  job: Job, parts: NewPart[], facts: { error: string | null; firstEventMs?: number; started: number; markdown?: string; pageImages?: string[] },
  deps: AnswerDeps,
): void {
  const { store, config } = deps;
  store.appendParts(job.key, parts);
  const now = Date.now();
  const markdown = facts.markdown ?? (typeof parts[0] === "string" ? parts[0] : "");
  store.updateJob(job.key, {
    status: "done", finishedAt: now, error: facts.error, firstTokenMs: facts.firstEventMs ?? null, totalMs: now - facts.started,
    answerText: job.pageRef === null ? null : markdown,
  });
  deps.live?.end(job.key, markdown, facts.pageImages ?? []);
  if (store.job(job.key)?.windowClosed) {
    planUndecidedParts(store, job.key, config);
    deps.onLateAnswer();
  }
  log.info("answered", {
    user: deps.userTag, key: deps.logKey(job.key), parts: parts.length, attempt: job.attempts + 1,
    firstTokenMs: facts.firstEventMs, totalMs: now - facts.started, failed: facts.error !== null,
  });
}
