/**
 * The row types of the follower's tables (see ./store.ts) and their mapping from SQLite rows to typed objects.
 */

/** What a job does. `ask` calls Dify; `continue` hands out parts of an earlier answer; `instant` has its reply at once. */
export type JobKind = "ask" | "continue" | "instant";
/** Where a job is: waiting its turn, talking to Dify, or finished (its parts are known). */
export type JobStatus = "queued" | "running" | "done";
/**
 * How a part reaches the follower:
 * null = not decided yet (a passive reply may still take it); `passive` = in the reply to WeChat's request;
 * `cs-queued` / `cs-sending` / `cs` = customer-service message planned / under way / sent;
 * `pull-ready` = waits for the follower's "1"; `pull` = handed out on a "1".
 */
export type PartVia = null | "passive" | "cs-queued" | "cs-sending" | "cs" | "pull-ready" | "pull";

/** A job row, typed. */
export interface Job {
  key: string;
  seq: number;
  kind: JobKind;
  /** JSON of the work to do (see session/work.ts). */
  work: string;
  firstSeen: number;
  deliveries: number;
  status: JobStatus;
  /** The exact text given to WeChat for this message ("" = no text); null until decided. Retries get it again. */
  passiveReply: string | null;
  /** WeChat's request window is over: what the follower has not got goes by customer service or "1". */
  windowClosed: boolean;
  /** How many continue prompts the follower has seen for this answer. */
  prompts: number;
  /** `continue` jobs: the job whose parts they hand out. */
  target: string | null;
  /** How many times Dify was asked (more than one only after a restart lost the stream). */
  attempts: number;
  /** Raw answer characters already sent progressively, before the answer finished. */
  progressOffset: number;
  /**
   * Those characters themselves (this attempt's stream up to `progressOffset`). The finished answer is cut at the
   * offset only when it starts with exactly this text; an answer that changed (a re-ask after a restart, moderation's
   * `message_replace`, a workflow's final outputs) is delivered whole instead of being spliced.
   */
  progressText: string;
  /** Why the answer failed, for logs (never shown). */
  error: string | null;
  finishedAt: number | null;
  /** Dify's time to the first answer text and to the end, for the log. */
  firstTokenMs: number | null;
  totalMs: number | null;
  /** The one summary log line of this message has been written. */
  logged: boolean;
  /** The answer page's ref (128 random bits) and full link, when ANSWER_PAGE is on; null otherwise. */
  pageRef: string | null;
  pageUrl: string | null;
  /** The finished answer's raw Markdown as Dify wrote it, for the page (the parts are shaped for WeChat). */
  answerText: string | null;
}

/** A part row, typed. */
export interface Part {
  job: string;
  idx: number;
  text: string;
  via: PartVia;
  deliveredAt: number | null;
  /** An image the app produced, by URL: sent as a WeChat image where the account can, else `text` (its link). */
  media: string | null;
}

/** A part to store: text, or an image with its link as the text. */
export type NewPart = string | { text: string; media: string };

/** One row as SQLite storage returns it, by column name. */
export type Row = Record<string, SqlStorageValue>;

/** A `jobs` row as a {@link Job}. */
export function toJob(row: Row): Job {
  return {
    key: String(row.key),
    seq: Number(row.seq),
    kind: String(row.kind) as JobKind,
    work: String(row.work),
    firstSeen: Number(row.first_seen),
    deliveries: Number(row.deliveries),
    status: String(row.status) as JobStatus,
    passiveReply: row.passive_reply === null ? null : String(row.passive_reply),
    windowClosed: Number(row.window_closed) === 1,
    prompts: Number(row.prompts),
    target: row.target === null ? null : String(row.target),
    attempts: Number(row.attempts),
    progressOffset: Number(row.progress_offset),
    progressText: row.progress_text === undefined || row.progress_text === null ? "" : String(row.progress_text),
    error: row.error === null ? null : String(row.error),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    firstTokenMs: row.first_token_ms === null ? null : Number(row.first_token_ms),
    totalMs: row.total_ms === null ? null : Number(row.total_ms),
    logged: Number(row.logged) === 1,
    pageRef: nullableText(row.page_ref),
    pageUrl: nullableText(row.page_url),
    answerText: nullableText(row.answer_text),
  };
}

function nullableText(value: SqlStorageValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A `parts` row as a {@link Part}. */
export function toPart(row: Row): Part {
  return {
    job: String(row.job),
    idx: Number(row.idx),
    text: String(row.text),
    via: (row.via === null ? null : String(row.via)) as PartVia,
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
    media: row.media === null || row.media === undefined ? null : String(row.media),
  };
}

/** The fields of a {@link Job} that SessionStore.updateJob may change. */
export type UpdatableField =
  | "status" | "passiveReply" | "windowClosed" | "prompts" | "attempts" | "progressOffset" | "progressText" | "error"
  | "finishedAt" | "firstTokenMs" | "totalMs" | "logged" | "answerText" | "pageRef" | "pageUrl";

/** The `jobs` column of each updatable field. */
export const COLUMNS: Record<UpdatableField, string> = {
  status: "status", passiveReply: "passive_reply", windowClosed: "window_closed", prompts: "prompts",
  attempts: "attempts", progressOffset: "progress_offset", progressText: "progress_text", error: "error",
  finishedAt: "finished_at", firstTokenMs: "first_token_ms", totalMs: "total_ms", logged: "logged",
  answerText: "answer_text", pageRef: "page_ref", pageUrl: "page_url",
};
