/**
 * The follower object's side of the answer page (src/page/contract.ts): each answer's ref registered in the
 * ANSWER_REFS index, and what a page reads — the answer so far (live while Dify writes), its feed, its images.
 */
import type { AppEnv } from "../config";
import { followerObjectName } from "../accounts";
import { describeError, log } from "../log";
import type { AnswerPageImage, AnswerPageSnapshot } from "../page/contract";
import type { Work } from "./intake";
import type { LiveAnswers } from "./live-answers";
import { registerPage } from "./page-link";
import type { Job, SessionStore } from "./store";

/** How long a page's index entry outlives the longest an answer is kept (the page itself checks the answer). */
const PAGE_REF_GRACE_MS = 24 * 60 * 60_000;

/** What the pages need from the follower's object. */
export interface AnswerPagesDeps {
  env: AppEnv;
  store: SessionStore;
  live: LiveAnswers;
  /** The deployment's LANGUAGE for this account. */
  language(): string;
}

/** The answer pages of one follower's object. */
export class AnswerPages {
  constructor(private readonly deps: AnswerPagesDeps) {}

  /**
   * Records in the ANSWER_REFS index where the job's page is, kept until `keepUntil` plus a day. On failure the job
   * loses its page, so no reply links to a page nobody can find.
   */
  async register(job: Job, account: string, openid: string, keepUntil: number, logFields: Record<string, unknown>): Promise<void> {
    if (job.pageRef === null) return;
    const failed = await registerPage(this.deps.env, job.pageRef, followerObjectName(account, openid), keepUntil + PAGE_REF_GRACE_MS);
    if (failed === undefined) return;
    log.warn("answer_page_unregistered", { ...logFields, ...describeError(failed) });
    this.deps.store.updateJob(job.key, { pageRef: null, pageUrl: null });
  }

  /** The answer page of `ref` as it stands, or null when no answer here has that ref. */
  snapshot(ref: string): AnswerPageSnapshot | null {
    const job = this.deps.store.jobByPageRef(ref);
    return job === undefined ? null : this.snapshotOf(job);
  }

  /** The live feed of `ref`'s page, or null as for {@link snapshot}. */
  feed(ref: string): ReadableStream<Uint8Array> | null {
    const job = this.deps.store.jobByPageRef(ref);
    return job === undefined ? null : this.deps.live.feed(job.key, this.snapshotOf(job));
  }

  /** Image `n` of `ref`'s answer, as kept for its page, or null. */
  image(ref: string, n: number): AnswerPageImage | null {
    const job = this.deps.store.jobByPageRef(ref);
    if (job === undefined || !Number.isInteger(n) || n < 0) return null;
    return this.deps.store.pageImage(job.key, n) ?? null;
  }

  private snapshotOf(job: Job): AnswerPageSnapshot {
    const work = JSON.parse(job.work) as Partial<Extract<Work, { do: "ask" }>>;
    const done = job.status === "done";
    const images = done ? this.deps.store.pageImageCount(job.key) : 0;
    return {
      question: work.query ?? "",
      markdown: done ? job.answerText ?? "" : this.deps.live.text(job.key) ?? "",
      done,
      images: Array.from({ length: images }, (_, n) => `img/${n}`),
      language: this.deps.language(),
    };
  }
}
