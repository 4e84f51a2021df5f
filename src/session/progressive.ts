/**
 * Progressive delivery (CS mode, answer already late): finished paragraphs go out while the rest is still being
 * written, so the follower reads the first part seconds after it is done instead of at the end.
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
import { ParagraphScanner } from "../text/paragraphs";
import { stripThinking } from "../text/markdown";
import { answerParts, csBudget, resetCsBudget } from "./delivery-plan";
import type { Job, SessionStore } from "./store";

/** Finished paragraphs are sent once they fill at least this share of a part, so the 5-message budget lasts. */
const MIN_SHARE_OF_PART = 0.5;

/**
 * The progressive state of one Dify stream, kept in memory for the stream's life: a {@link ParagraphScanner} reads
 * each line once, and a cheap look at the new characters alone decides whether anything can have finished.
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

  constructor(private readonly key: string) {}

  /**
   * Called after each event with the whole text streamed so far and, when the event only appended, what it
   * appended (`delta`). Queues the finished head for CS, keeping at least one CS message for the rest. Returns how
   * many parts were queued (0 when nothing is ready or allowed yet). With deltas, only the new characters are read:
   * touching the whole growing text on every event would copy all of it each time.
   */
  onText(store: SessionStore, textSoFar: string, config: Config, delta?: string): number {
    if (!config.delivery.customMessages || this.stopped) return 0;
    if (delta === undefined) {
      // The text changed other than by growing at its end (or the caller has no deltas): look at it whole. After
      // deltas, that means it was rewritten: what remains goes out with the finished answer.
      if (this.sawDelta || textSoFar.length < this.lookedAt) {
        this.stopped = true;
        return 0;
      }
      return this.consider(store, textSoFar, config, () => this.blankLineIn(textSoFar, this.lookedAt));
    }
    this.sawDelta = true;
    return this.consider(store, textSoFar, config, () => this.blankLineIn(delta, 0), delta);
  }

  /** Reads what arrived (a delta, or the rest of the whole text) and queues what finished, when allowed. */
  private consider(store: SessionStore, textSoFar: string, config: Config, arrivedBlankLine: () => boolean, delta?: string): number {
    const blank = arrivedBlankLine();
    // Every delta goes through the scanner (without taking), so it never has to see the whole text.
    if (delta !== undefined) this.scanner.append(delta, Infinity);
    if (!blank) return 0;
    const job = store.job(this.key);
    if (!job || !job.windowClosed || job.status !== "running") return 0;
    if (csBudget(store) < 2) return 0;
    const minBytes = Math.floor(config.delivery.partMaxBytes * MIN_SHARE_OF_PART);
    let done: string;
    try {
      done = delta !== undefined ? this.scanner.append("", minBytes) : this.scanner.take(textSoFar, minBytes);
    } catch {
      this.stopped = true;
      return 0;
    }
    if (done === "") return 0;
    if (!textSoFar.startsWith(job.progressText)) {
      // Replaced under the stream (moderation): nothing more goes out early; the end delivers the new text whole.
      this.stopped = true;
      return 0;
    }
    return queueFinished(store, job, done, config);
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

/**
 * Queues `done`, the finished paragraphs that follow what `job` already took. Parts the budget allows now (all but
 * one CS message) are `cs-queued`; the rest of them is stored undecided, in order, for the final plan.
 */
function queueFinished(store: SessionStore, job: Job, done: string, config: Config): number {
  const parts = answerParts(stripThinking(done), config);
  let allowed = Math.max(0, csBudget(store) - 1);
  // Parts an earlier event had no budget for (the follower's next message renewed it) go first, so order holds.
  const earlier = store.parts(job.key).filter((p) => p.via === null).slice(0, allowed);
  for (const part of earlier) store.setPartVia(job.key, part.idx, "cs-queued");
  allowed -= earlier.length;
  const toCs = Math.min(parts.length, allowed);
  store.appendParts(job.key, parts, (i) => (i < toCs ? "cs-queued" : null));
  store.updateJob(job.key, {
    progressOffset: job.progressOffset + done.length,
    progressText: job.progressText + done,
  });
  resetCsBudget(store, csBudget(store) - earlier.length - toCs);
  return earlier.length + toCs;
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
