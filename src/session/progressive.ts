/**
 * Streaming-first delivery: finished paragraphs go out while the rest is still being written, in both delivery
 * modes, so the follower reads the first part seconds after it is done instead of at the end.
 *
 * Invariants:
 * - Every byte of the answer reaches the follower once, in order: the finished paragraphs taken here are stored as
 *   parts *whole*; those the CS budget cannot carry now stay undecided and are planned with the rest of the answer.
 * - The exact raw text taken is stored with the job (`progressText`), so the finished answer is cut only where it
 *   really continues this text (see {@link remainderAfterProgress}).
 * - Work per streamed event is proportional to what arrived since the last event (a {@link ProgressiveStream} keeps
 *   where it last looked), not to the answer so far.
 */
import type { Config } from "../config";
import { ParagraphScanner, splitParagraphs } from "../text/paragraphs";
import { markdownToWechatText, stripThinking } from "../text/markdown";
import { utf8Length } from "../text/split";
import { answerParts, csBudget, noteReserve, resetCsBudget } from "./delivery-plan";
import type { Job, SessionStore } from "./store";

/** A group of paragraphs this close to a part's size counts as a full part: waiting for one more would overfill it. */
const FULL_ENOUGH = 0.9;

/** Late CS answers: finished paragraphs are sent once they fill at least this share of a part, so the 5-message budget lasts. */
const MIN_SHARE_OF_PART = 0.5;

/** Raw bytes of finished text that make a full part: with less, the answer may still fit in one part. */
function fullPartBytes(config: Config): number {
  return Math.max(64, config.delivery.partMaxBytes - noteReserve(config));
}

/** Finished raw bytes worth looking at for full parts: a group at FULL_ENOUGH of a part counts as full. */
function nearlyFullPartBytes(config: Config): number {
  return Math.floor(fullPartBytes(config) * FULL_ENOUGH);
}

/**
 * The progressive state of one Dify stream, kept in memory for the stream's life: a {@link ParagraphScanner} reads
 * each line once, and a cheap look at the new characters alone decides whether anything can have finished.
 *
 * Finished text is stored as parts of the answer while Dify is still writing:
 * - inside WeChat's window, once a full part's worth is finished (the answer will not fit in one part): undecided,
 *   for the request that is open to take as its passive reply;
 * - after the window in CS mode, once half a part is finished and the budget allows: queued for customer service
 *   (after the first such message, once a full part is);
 * - after the window in pull mode, once a full part is finished: waiting for the follower's "1";
 * - and on demand ({@link takeFinished}): a request about to give up, or a "1", takes whatever has finished.
 */
export class ProgressiveStream {
  private readonly scanner = new ParagraphScanner();
  /** Everything before this index of the stream's text has been looked at for a blank line. */
  private lookedAt = 0;
  /** The characters looked at end in a newline and whitespace: half of a blank line. */
  private openNewline = false;
  /** The stream's text stopped extending what was taken (it was replaced): the rest goes out when it ends. */
  private stopped = false;
  /** Events so far came with deltas (plain answers do); one without means the text was rewritten. */
  private sawDelta = false;
  /** A blank line arrived since finished text was last taken: the scanner may hold finished paragraphs. */
  private mayHaveFinished = false;
  /** The stream's whole text as last seen. */
  private textSoFar = "";

  constructor(private readonly key: string) {}

  /**
   * Called after each event with the whole text streamed so far and, when the event only appended, what it
   * appended (`delta`). Stores what finished when the job's state calls for it (see the class). Returns how many
   * parts were stored. With deltas, only the new characters are read: touching the whole growing text on every
   * event would copy all of it each time.
   */
  onText(store: SessionStore, textSoFar: string, config: Config, delta?: string): number {
    if (this.stopped) return 0;
    this.textSoFar = textSoFar;
    let blank: boolean;
    if (delta === undefined) {
      // The text changed other than by growing at its end (or the caller has no deltas): look at it whole. After
      // deltas, that means it was rewritten: what remains goes out with the finished answer.
      if (this.sawDelta || textSoFar.length < this.lookedAt) {
        this.stopped = true;
        return 0;
      }
      blank = this.blankLineIn(textSoFar, this.lookedAt);
    } else {
      this.sawDelta = true;
      blank = this.blankLineIn(delta, 0);
      // Every delta goes through the scanner (without taking), so it never has to see the whole text.
      this.scanner.append(delta, Infinity);
    }
    // Only an event that ends a paragraph can change what is finished: the others cost no storage read.
    if (!blank) return 0;
    this.mayHaveFinished = true;
    const job = store.job(this.key);
    if (!job || job.status !== "running") return 0;
    // STREAMING_FIRST off: only a late CS answer goes out early (the behaviour before the answer page).
    if (!config.delivery.streamingFirst && !(job.windowClosed && config.delivery.customMessages)) return 0;
    // In WeChat's window, and for "1" after it, parts are stored full: each costs the follower a reply or a "1".
    if (!job.windowClosed || !config.delivery.customMessages) return this.take(store, job, config, nearlyFullPartBytes(config), true);
    if (csBudget(store) < 2) return 0;
    // A late CS answer's first message goes once half a part is finished; after it, messages go full, so the
    // 5-message budget carries as much of the answer as it can.
    if (job.progressOffset > 0) return this.take(store, job, config, nearlyFullPartBytes(config), true);
    return this.take(store, job, config, Math.floor(config.delivery.partMaxBytes * MIN_SHARE_OF_PART));
  }

  /**
   * Stores whatever has finished so far (at least `minBytes`), routed by the job's state: for a request that is
   * about to give up, or a "1" that would otherwise wait. Returns how many parts were stored.
   */
  takeFinished(store: SessionStore, config: Config, minBytes = 1): number {
    if (this.stopped || !this.mayHaveFinished || !config.delivery.streamingFirst) return 0;
    const job = store.job(this.key);
    if (!job || job.status !== "running") return 0;
    if (job.windowClosed && config.delivery.customMessages && csBudget(store) < 2) return 0;
    return this.take(store, job, config, minBytes);
  }

  /**
   * Takes the finished paragraphs (at least `minBytes`) and stores them. With `fullParts`, only the paragraphs that
   * fill whole parts are stored; the rest is given back to the scanner, to be stored with what finishes next.
   */
  private take(store: SessionStore, job: Job, config: Config, minBytes: number, fullParts = false): number {
    let done: string;
    try {
      done = this.sawDelta ? this.scanner.append("", minBytes) : this.scanner.take(this.textSoFar, minBytes);
    } catch {
      this.stopped = true;
      return 0;
    }
    if (done === "") return 0;
    if (fullParts) {
      const head = fullPartsHead(done, config);
      this.scanner.giveBack(done.slice(head.length));
      if (head === "") return 0;
      done = head;
    }
    this.mayHaveFinished = false;
    if (!this.textSoFar.startsWith(job.progressText)) {
      // Replaced under the stream (moderation): nothing more goes out early; the end delivers the new text whole.
      this.stopped = true;
      return 0;
    }
    return storeFinished(store, job, done, config);
  }

  /** Scans `text` from `from` on (the characters that arrived since the last call); true when a blank line ends in them. */
  private blankLineIn(text: string, from: number): boolean {
    let found = false;
    for (let i = from; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char === 10) {
        if (this.openNewline) found = true;
        this.openNewline = true;
      } else if (char !== 32 && char !== 9 && char !== 13) {
        this.openNewline = false;
      }
    }
    this.lookedAt += text.length - from;
    return found;
  }
}

/** The size of `raw` as the follower reads it (reasoning removed, Markdown shaped). */
function shapedBytes(raw: string): number {
  return utf8Length(markdownToWechatText(stripThinking(raw)).trim());
}

/**
 * The head of `done` (finished paragraphs) that fills whole parts: paragraphs are grouped greedily into parts of at
 * most a part's size, a group being full once it reaches 90% of it (or the next paragraph would overfill it); the
 * last group, not yet full, is left out. "" when nothing fills a part yet. Each paragraph is shaped at most twice, so
 * the work stays proportional to `done`.
 */
export function fullPartsHead(done: string, config: Config): string {
  const limit = fullPartBytes(config);
  let committed = 0;
  let groupStart = 0;
  let groupEnd = 0;
  for (const paragraph of splitParagraphs(done)) {
    const end = groupEnd + paragraph.length;
    let size = shapedBytes(done.slice(groupStart, end));
    if (groupEnd > groupStart && size > limit) {
      committed = groupEnd;
      groupStart = groupEnd;
      size = shapedBytes(paragraph);
    }
    groupEnd = end;
    if (size >= limit * FULL_ENOUGH) {
      committed = groupEnd;
      groupStart = groupEnd;
    }
  }
  return done.slice(0, committed);
}

/**
 * Stores `done`, the finished paragraphs that follow what `job` already took, as parts routed by the job's state:
 * undecided while WeChat's window is open; waiting for "1" after it in pull mode; in CS mode queued as far as the
 * budget allows (all but one CS message, kept for the rest), the rest undecided, in order, for the final plan.
 */
function storeFinished(store: SessionStore, job: Job, done: string, config: Config): number {
  const parts = answerParts(stripThinking(done), config);
  let stored = parts.length;
  if (!job.windowClosed) {
    store.appendParts(job.key, parts);
  } else if (!config.delivery.customMessages) {
    store.appendParts(job.key, parts, "pull-ready");
  } else {
    stored = queueForCs(store, job, parts);
  }
  store.updateJob(job.key, {
    progressOffset: job.progressOffset + done.length,
    progressText: job.progressText + done,
  });
  return stored;
}

/**
 * Queues parts for CS within the budget (keeping one message for the rest); returns how many were queued. Once a
 * part of the answer waits for "1" (WeChat refused CS), every later part waits for "1" too, so none overtakes it.
 */
function queueForCs(store: SessionStore, job: Job, parts: readonly string[]): number {
  const existing = store.parts(job.key);
  if (existing.some((p) => p.via === "pull-ready")) {
    for (const part of existing) if (part.via === null) store.setPartVia(job.key, part.idx, "pull-ready");
    store.appendParts(job.key, parts, "pull-ready");
    return 0;
  }
  let allowed = Math.max(0, csBudget(store) - 1);
  // Parts an earlier event had no budget for (the follower's next message renewed it) go first, so order holds.
  const earlier = existing.filter((p) => p.via === null).slice(0, allowed);
  for (const part of earlier) store.setPartVia(job.key, part.idx, "cs-queued");
  allowed -= earlier.length;
  const toCs = Math.min(parts.length, allowed);
  store.appendParts(job.key, parts, (i) => (i < toCs ? "cs-queued" : null));
  resetCsBudget(store, csBudget(store) - earlier.length - toCs);
  return earlier.length + toCs;
}

/**
 * Routes the undecided parts of a job that is still being written, once its passive reply has gone: in CS mode
 * queued within the budget (one message kept for the rest), in pull mode waiting for "1".
 */
export function routeEarlyParts(store: SessionStore, job: Job, config: Config): void {
  if (!config.delivery.customMessages) {
    for (const part of store.parts(job.key)) if (part.via === null) store.setPartVia(job.key, part.idx, "pull-ready");
    return;
  }
  queueForCs(store, job, []);
}

/**
 * What of the finished answer `raw` is still to be delivered after progressive delivery took `job.progressText`:
 * the rest of it when `raw` continues exactly that text, else all of `raw` (the answer changed under the stream:
 * moderation replaced it, a workflow's final outputs differ, or a re-ask after a restart wrote another one). Never a
 * slice of a different text at a stale offset.
 */
export function remainderAfterProgress(job: Pick<Job, "progressOffset" | "progressText">, raw: string): { rest: string; changed: boolean } {
  if (job.progressOffset === 0) return { rest: raw, changed: false };
  const continues = job.progressText.length === job.progressOffset && raw.startsWith(job.progressText);
  return continues ? { rest: raw.slice(job.progressOffset), changed: false } : { rest: raw, changed: true };
}
