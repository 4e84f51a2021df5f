/**
 * The follower's durable record, in the Durable Object's SQLite storage.
 *
 * - `jobs`: one row per distinct WeChat message (keyed by its dedupe key), in arrival order (`seq`). A row outlives
 *   every retry and restart, so a retry is recognised however late it comes and however often the object restarts.
 * - `parts`: the pieces of a finished answer and how each one reached (or will reach) the follower. A part's `via`
 *   only ever moves forward, which is what makes delivery exactly-once across alarm re-runs.
 * - `meta`: small per-follower values (conversation id, customer-service budget).
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
  /** Why the answer failed, for logs (never shown). */
  error: string | null;
  finishedAt: number | null;
  /** Dify's time to the first answer text and to the end, for the log. */
  firstTokenMs: number | null;
  totalMs: number | null;
  /** The one summary log line of this message has been written. */
  logged: boolean;
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

type Row = Record<string, SqlStorageValue>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  key TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  work TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  deliveries INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL,
  passive_reply TEXT,
  window_closed INTEGER NOT NULL DEFAULT 0,
  prompts INTEGER NOT NULL DEFAULT 0,
  target TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  progress_offset INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  finished_at INTEGER,
  first_token_ms INTEGER,
  total_ms INTEGER,
  logged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_seq ON jobs (seq);
CREATE TABLE IF NOT EXISTS parts (
  job TEXT NOT NULL,
  idx INTEGER NOT NULL,
  text TEXT NOT NULL,
  via TEXT,
  delivered_at INTEGER,
  media TEXT,
  PRIMARY KEY (job, idx)
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;

function toJob(row: Row): Job {
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
    error: row.error === null ? null : String(row.error),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    firstTokenMs: row.first_token_ms === null ? null : Number(row.first_token_ms),
    totalMs: row.total_ms === null ? null : Number(row.total_ms),
    logged: Number(row.logged) === 1,
  };
}

function toPart(row: Row): Part {
  return {
    job: String(row.job),
    idx: Number(row.idx),
    text: String(row.text),
    via: (row.via === null ? null : String(row.via)) as PartVia,
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
    media: row.media === null || row.media === undefined ? null : String(row.media),
  };
}

/** Typed access to one follower's tables. All methods are synchronous (SQLite-backed Durable Object storage). */
export class SessionStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** The job with this dedupe key, if WeChat has delivered it before. */
  job(key: string): Job | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM jobs WHERE key = ?", key).toArray()[0];
    return row ? toJob(row) : undefined;
  }

  /** Records a new message, last in arrival order; returns its row. */
  insertJob(input: { key: string; kind: JobKind; work: string; firstSeen: number; status: JobStatus; passiveReply?: string | null; target?: string | null }): Job {
    const row = this.sql.exec<Row>(
      `INSERT INTO jobs (key, seq, kind, work, first_seen, status, passive_reply, target)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?, ?) RETURNING *`,
      input.key, input.kind, input.work, input.firstSeen, input.status, input.passiveReply ?? null, input.target ?? null,
    ).one();
    return toJob(row);
  }

  /** Counts one more delivery of a known message by WeChat; returns the updated row. */
  countDelivery(key: string): Job | undefined {
    const row = this.sql.exec<Row>("UPDATE jobs SET deliveries = deliveries + 1 WHERE key = ? RETURNING *", key).toArray()[0];
    return row ? toJob(row) : undefined;
  }

  /** Changes fields of a job. */
  updateJob(
    key: string,
    fields: Partial<Pick<Job, "status" | "passiveReply" | "windowClosed" | "prompts" | "attempts" | "progressOffset" | "error" | "finishedAt" | "firstTokenMs" | "totalMs" | "logged">>,
  ): void {
    const columns: Record<string, string> = {
      status: "status", passiveReply: "passive_reply", windowClosed: "window_closed", prompts: "prompts",
      attempts: "attempts", progressOffset: "progress_offset", error: "error", finishedAt: "finished_at",
      firstTokenMs: "first_token_ms", totalMs: "total_ms", logged: "logged",
    };
    const sets: string[] = [];
    const values: SqlStorageValue[] = [];
    for (const [field, value] of Object.entries(fields)) {
      const column = columns[field];
      if (column === undefined || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(typeof value === "boolean" ? (value ? 1 : 0) : (value as SqlStorageValue));
    }
    if (sets.length > 0) this.sql.exec(`UPDATE jobs SET ${sets.join(", ")} WHERE key = ?`, ...values, key);
  }

  /** The oldest job waiting for its turn with Dify. */
  nextQueued(): Job | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1").toArray()[0];
    return row ? toJob(row) : undefined;
  }

  /** Jobs that are not finished (queued or running), oldest first. */
  unfinished(): Job[] {
    return this.sql.exec<Row>("SELECT * FROM jobs WHERE status != 'done' ORDER BY seq").toArray().map(toJob);
  }

  /**
   * Finished ask jobs whose summary is not logged yet and whose every part has a settled route (none undecided,
   * queued or being sent).
   */
  settledUnlogged(): Job[] {
    return this.sql.exec<Row>(
      `SELECT * FROM jobs j WHERE j.kind = 'ask' AND j.status = 'done' AND j.logged = 0 AND NOT EXISTS (
         SELECT 1 FROM parts p WHERE p.job = j.key AND (p.via IS NULL OR p.via IN ('cs-queued','cs-sending'))
       ) ORDER BY j.seq`,
    ).toArray().map(toJob);
  }

  /** Puts jobs whose Dify stream was lost (the object restarted mid-answer) back in the queue. */
  requeueRunning(): number {
    return this.sql.exec("UPDATE jobs SET status = 'queued' WHERE status = 'running'").rowsWritten;
  }

  /** Ask jobs that finished or are running but whose follower has not got everything, oldest first. */
  undelivered(): Job[] {
    return this.sql.exec<Row>(
      `SELECT * FROM jobs j WHERE j.kind = 'ask' AND (
         (j.status != 'done' AND j.window_closed = 1)
         OR EXISTS (SELECT 1 FROM parts p WHERE p.job = j.key AND (p.via IS NULL OR p.via IN ('cs-queued','cs-sending','pull-ready')))
       ) ORDER BY j.seq`,
    ).toArray().map(toJob);
  }

  /** Jobs whose WeChat window is not closed yet although it should be by `windowEndBefore`. */
  windowsToClose(windowEndBefore: number): Job[] {
    return this.sql.exec<Row>(
      "SELECT * FROM jobs WHERE kind = 'ask' AND window_closed = 0 AND first_seen <= ? ORDER BY seq", windowEndBefore,
    ).toArray().map(toJob);
  }

  /** The earliest first_seen of ask jobs whose window is still open. */
  earliestOpenWindow(): number | undefined {
    const row = this.sql.exec<Row>("SELECT MIN(first_seen) AS t FROM jobs WHERE kind = 'ask' AND window_closed = 0").one();
    return row.t === null ? undefined : Number(row.t);
  }

  /** Stores the parts of an answer, appended after any already stored (progressive parts come first). */
  appendParts(job: string, parts: readonly NewPart[], via: PartVia = null): void {
    const start = Number(this.sql.exec<Row>("SELECT COALESCE(MAX(idx), -1) + 1 AS next FROM parts WHERE job = ?", job).one().next);
    parts.forEach((part, i) => {
      const [text, media] = typeof part === "string" ? [part, null] : [part.text, part.media];
      this.sql.exec("INSERT INTO parts (job, idx, text, via, media) VALUES (?, ?, ?, ?, ?)", job, start + i, text, via, media);
    });
  }

  /** All parts of a job in order. */
  parts(job: string): Part[] {
    return this.sql.exec<Row>("SELECT * FROM parts WHERE job = ? ORDER BY idx", job).toArray().map(toPart);
  }

  /** Parts in one state across all jobs, in answer order then part order. */
  partsWith(via: Exclude<PartVia, null>): Part[] {
    return this.sql.exec<Row>(
      "SELECT p.* FROM parts p JOIN jobs j ON j.key = p.job WHERE p.via = ? ORDER BY j.seq, p.idx", via,
    ).toArray().map(toPart);
  }

  /** Moves a part to a new state. */
  setPartVia(job: string, idx: number, via: PartVia, deliveredAt: number | null = null): void {
    this.sql.exec("UPDATE parts SET via = ?, delivered_at = COALESCE(?, delivered_at) WHERE job = ? AND idx = ?", via, deliveredAt, job, idx);
  }

  /** Changes the text of a stored part (to add a "reply 1 for more" note once the plan is known). */
  setPartText(job: string, idx: number, text: string): void {
    this.sql.exec("UPDATE parts SET text = ? WHERE job = ? AND idx = ?", text, job, idx);
  }

  /** A small per-follower value. */
  meta(key: string): string | undefined {
    const row = this.sql.exec<Row>("SELECT v FROM meta WHERE k = ?", key).toArray()[0];
    return row ? String(row.v) : undefined;
  }

  /** Sets (or, with undefined, deletes) a per-follower value. */
  setMeta(key: string, value: string | undefined): void {
    if (value === undefined) this.sql.exec("DELETE FROM meta WHERE k = ?", key);
    else this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", key, value);
  }

  /** Forgets finished jobs (and their parts) first seen before `before`; returns how many went. */
  deleteOldJobs(before: number): number {
    this.sql.exec("DELETE FROM parts WHERE job IN (SELECT key FROM jobs WHERE first_seen < ? AND status = 'done')", before);
    return this.sql.exec("DELETE FROM jobs WHERE first_seen < ? AND status = 'done'", before).rowsWritten;
  }

  /** The first-seen time of the oldest job, for scheduling clean-up. */
  oldestJob(): number | undefined {
    const row = this.sql.exec<Row>("SELECT MIN(first_seen) AS t FROM jobs").one();
    return row.t === null ? undefined : Number(row.t);
  }

  /** Drops everything known about this follower (unsubscribe). */
  wipe(): void {
    this.sql.exec("DELETE FROM parts; DELETE FROM jobs; DELETE FROM meta;");
  }
}
