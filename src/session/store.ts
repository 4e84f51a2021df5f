/**
 * The follower's durable record, in the Durable Object's SQLite storage.
 *
 * - `jobs`: one row per distinct WeChat message (keyed by its dedupe key), in arrival order (`seq`). A row outlives
 *   every retry and restart, so a retry is recognised however late it comes and however often the object restarts.
 * - `parts`: the pieces of a finished answer and how each one reached (or will reach) the follower. A part's `via`
 *   only ever moves forward, which is what makes delivery exactly-once across alarm re-runs.
 * - `meta`: small per-follower values (conversation id, customer-service budget).
 * - `tombstones`: dedupe keys of messages an unsubscribe forgot, only while WeChat may still retry them.
 *
 * The schema and its migrations are in ./schema.ts; the row types and their mapping in ./store-rows.ts; the statement
 * runner that counts rows read and written in ./store-sql.ts.
 */
import { migrate } from "./schema";
import { CountedSql } from "./store-sql";
import {
  COLUMNS, toJob, toPart, type Job, type JobKind, type JobStatus, type NewPart, type Part, type PartVia, type UpdatableField,
} from "./store-rows";

export type { Job, JobKind, JobStatus, NewPart, Part, PartVia } from "./store-rows";

/** Typed access to one follower's tables. All methods are synchronous (SQLite-backed Durable Object storage). */
export class SessionStore extends CountedSql {
  constructor(sql: SqlStorage) {
    super(sql);
    migrate(sql);
  }

  /** The job with this dedupe key, if WeChat has delivered it before. */
  job(key: string): Job | undefined {
    const row = this.run("SELECT * FROM jobs WHERE key = ?", key)[0];
    return row ? toJob(row) : undefined;
  }

  /** Records a new message, last in arrival order; returns its row. */
  insertJob(input: {
    key: string; kind: JobKind; work: string; firstSeen: number; status: JobStatus; passiveReply?: string | null;
    target?: string | null; pageRef?: string | null; pageUrl?: string | null;
  }): Job {
    const row = this.run(
      `INSERT INTO jobs (key, seq, kind, work, first_seen, status, passive_reply, target, page_ref, page_url)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      input.key, input.kind, input.work, input.firstSeen, input.status, input.passiveReply ?? null, input.target ?? null,
      input.pageRef ?? null, input.pageUrl ?? null,
    )[0];
    if (row === undefined) throw new Error("INSERT ... RETURNING gave no row");
    return toJob(row);
  }

  /** Counts one more delivery of a known message by WeChat; returns the updated row. */
  countDelivery(key: string): Job | undefined {
    const row = this.run("UPDATE jobs SET deliveries = deliveries + 1 WHERE key = ? RETURNING *", key)[0];
    return row ? toJob(row) : undefined;
  }

  /** Changes fields of a job. */
  updateJob(key: string, fields: Partial<Pick<Job, UpdatableField>>): void {
    const sets: string[] = [];
    const values: SqlStorageValue[] = [];
    for (const [field, value] of Object.entries(fields)) {
      const column = COLUMNS[field as UpdatableField];
      if (column === undefined || value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(typeof value === "boolean" ? (value ? 1 : 0) : (value as SqlStorageValue));
    }
    if (sets.length > 0) this.write(`UPDATE jobs SET ${sets.join(", ")} WHERE key = ?`, ...values, key);
  }

  /** The job whose answer page has this ref. */
  jobByPageRef(ref: string): Job | undefined {
    const row = this.run("SELECT * FROM jobs WHERE page_ref = ?", ref)[0];
    return row ? toJob(row) : undefined;
  }

  /** The oldest job waiting for its turn with Dify. */
  nextQueued(): Job | undefined {
    const row = this.run("SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1")[0];
    return row ? toJob(row) : undefined;
  }

  /** Jobs that are not finished (queued or running), oldest first. */
  unfinished(): Job[] {
    return this.run("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY seq").map(toJob);
  }

  /**
   * Finished ask jobs whose summary is not logged yet and whose every part has a settled route (none undecided,
   * queued or being sent).
   */
  settledUnlogged(): Job[] {
    return this.run(
      `SELECT * FROM jobs j INDEXED BY jobs_unlogged WHERE j.logged = 0 AND j.kind = 'ask' AND j.status = 'done' AND NOT EXISTS (
         SELECT 1 FROM parts p WHERE p.job = j.key AND (p.via IS NULL OR p.via IN ('cs-queued','cs-sending'))
       ) ORDER BY j.seq`,
    ).map(toJob);
  }

  /**
   * Puts jobs whose Dify stream was lost (the object restarted mid-answer) back in the queue. What this attempt had
   * streamed is forgotten (its parts already delivered stay): the next attempt is a new answer, never cut at the old
   * attempt's offset.
   */
  requeueRunning(): number {
    return this.run("UPDATE jobs SET status = 'queued', progress_offset = 0, progress_text = '' WHERE status = 'running' RETURNING key").length;
  }

  /** Ask jobs that finished or are running but whose follower has not got everything, oldest first. */
  undelivered(): Job[] {
    return this.run(
      `SELECT * FROM jobs WHERE kind = 'ask' AND key IN (
         SELECT key FROM jobs INDEXED BY jobs_by_status WHERE status IN ('queued', 'running') AND window_closed = 1
         UNION SELECT job FROM parts WHERE via IS NULL OR via IN ('cs-queued','cs-sending','pull-ready')
       ) ORDER BY seq`,
    ).map(toJob);
  }

  /** Jobs whose WeChat window is not closed yet although it should be by `windowEndBefore`. */
  windowsToClose(windowEndBefore: number): Job[] {
    return this.run(
      "SELECT * FROM jobs WHERE window_closed = 0 AND kind = 'ask' AND first_seen <= ? ORDER BY seq", windowEndBefore,
    ).map(toJob);
  }

  /** The earliest first_seen of ask jobs whose window is still open. */
  earliestOpenWindow(): number | undefined {
    const row = this.run("SELECT MIN(first_seen) AS t FROM jobs WHERE window_closed = 0 AND kind = 'ask'")[0];
    return row === undefined || row.t === null ? undefined : Number(row.t);
  }

  /** Stores the parts of an answer, appended after any already stored (progressive parts come first). */
  appendParts(job: string, parts: readonly NewPart[], via: PartVia | ((index: number) => PartVia) = null): void {
    const next = this.run("SELECT COALESCE(MAX(idx), -1) + 1 AS next FROM parts WHERE job = ?", job)[0]?.next;
    const start = Number(next ?? 0);
    parts.forEach((part, i) => {
      const [text, media] = typeof part === "string" ? [part, null] : [part.text, part.media];
      const route = typeof via === "function" ? via(i) : via;
      this.write("INSERT INTO parts (job, idx, text, via, media) VALUES (?, ?, ?, ?, ?)", job, start + i, text, route, media);
    });
  }

  /** All parts of a job in order. */
  parts(job: string): Part[] {
    return this.run("SELECT * FROM parts WHERE job = ? ORDER BY idx", job).map(toPart);
  }

  /** Parts in one state across all jobs, in answer order then part order. */
  partsWith(via: Exclude<PartVia, null>): Part[] {
    return this.run(
      "SELECT p.* FROM parts p JOIN jobs j ON j.key = p.job WHERE p.via = ? ORDER BY j.seq, p.idx", via,
    ).map(toPart);
  }

  /** Whether any part is in this state (cheaper than {@link partsWith} when only that is wanted). */
  hasPartsWith(via: Exclude<PartVia, null>): boolean {
    return this.run("SELECT 1 AS x FROM parts WHERE via = ? LIMIT 1", via).length > 0;
  }

  /** Moves a part to a new state. */
  setPartVia(job: string, idx: number, via: PartVia, deliveredAt: number | null = null): void {
    this.write("UPDATE parts SET via = ?, delivered_at = COALESCE(?, delivered_at) WHERE job = ? AND idx = ?", via, deliveredAt, job, idx);
  }

  /** Changes the text of a stored part (to add a "reply 1 for more" note once the plan is known). */
  setPartText(job: string, idx: number, text: string): void {
    this.write("UPDATE parts SET text = ? WHERE job = ? AND idx = ?", text, job, idx);
  }

  /** Keeps image `n` of a job's answer for its page. */
  putPageImage(job: string, n: number, contentType: string, body: ArrayBuffer): void {
    this.write(
      "INSERT INTO page_images (job, n, content_type, body) VALUES (?, ?, ?, ?) ON CONFLICT(job, n) DO NOTHING",
      job, n, contentType, body,
    );
  }

  /** Image `n` of a job's answer, as kept for its page. */
  pageImage(job: string, n: number): { contentType: string; body: ArrayBuffer } | undefined {
    const row = this.run("SELECT content_type, body FROM page_images WHERE job = ? AND n = ?", job, n)[0];
    if (row === undefined || !(row.body instanceof ArrayBuffer)) return undefined;
    return { contentType: String(row.content_type), body: row.body };
  }

  /** How many images are kept for a job's page (they are numbered 0..n-1). */
  pageImageCount(job: string): number {
    return Number(this.run("SELECT COUNT(*) AS n FROM page_images WHERE job = ?", job)[0]?.n ?? 0);
  }

  /** A small per-follower value. */
  meta(key: string): string | undefined {
    const row = this.run("SELECT v FROM meta WHERE k = ?", key)[0];
    return row ? String(row.v) : undefined;
  }

  /** Sets (or, with undefined, deletes) a per-follower value. */
  setMeta(key: string, value: string | undefined): void {
    if (value === undefined) this.write("DELETE FROM meta WHERE k = ?", key);
    else this.write("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", key, value);
  }

  /**
   * Forgets finished jobs (and their parts): those first seen before `before`, except answers that still wait for
   * the follower's "1", which are kept until `unreadBefore` (a longer period). Returns how many jobs went.
   */
  deleteOldJobs(before: number, unreadBefore: number = before): number {
    const doomed = `SELECT key FROM jobs WHERE status = 'done' AND (first_seen < ? AND (first_seen < ? OR key NOT IN (
        SELECT job FROM parts WHERE via = 'pull-ready')))`;
    this.write(`DELETE FROM parts WHERE job IN (${doomed})`, before, unreadBefore);
    this.write(`DELETE FROM page_images WHERE job IN (${doomed})`, before, unreadBefore);
    return this.run(`DELETE FROM jobs WHERE key IN (${doomed}) RETURNING key`, before, unreadBefore).length;
  }

  /** The first-seen time of the oldest job, for scheduling clean-up. */
  oldestJob(): number | undefined {
    const row = this.run("SELECT MIN(first_seen) AS t FROM jobs")[0];
    return row === undefined || row.t === null ? undefined : Number(row.t);
  }

  /** The first-seen time of the oldest job that no longer waits for "1" (the next one the short retention removes). */
  oldestReadJob(): number | undefined {
    const row = this.run(
      "SELECT MIN(first_seen) AS t FROM jobs WHERE key NOT IN (SELECT job FROM parts WHERE via = 'pull-ready')",
    )[0];
    return row === undefined || row.t === null ? undefined : Number(row.t);
  }

  /**
   * Drops everything known about this follower (unsubscribe), leaving only tombstones of the given dedupe keys until
   * `until` (and those of an earlier unsubscribe), so WeChat's retries of a message sent just before are not asked again.
   */
  wipe(tombstoneKeys: readonly string[] = [], until = 0): void {
    this.write("DELETE FROM parts");
    this.write("DELETE FROM page_images");
    this.write("DELETE FROM jobs");
    this.write("DELETE FROM meta");
    // Tombstones of an earlier unsubscribe stay until they expire: those messages' retries may still come.
    for (const key of tombstoneKeys) {
      this.write(
        "INSERT INTO tombstones (key, until) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET until = MAX(until, excluded.until)",
        key, until,
      );
    }
  }

  /** Whether this dedupe key belongs to a message forgotten by an unsubscribe (and its retries are still possible). */
  isTombstoned(key: string, now: number): boolean {
    return this.run("SELECT 1 AS x FROM tombstones WHERE key = ? AND until > ?", key, now).length > 0;
  }

  /** Removes tombstones whose retries are over; returns when the next one expires, if any remain. */
  expireTombstones(now: number): number | undefined {
    this.write("DELETE FROM tombstones WHERE until <= ?", now);
    const row = this.run("SELECT MIN(until) AS t FROM tombstones")[0];
    return row === undefined || row.t === null ? undefined : Number(row.t);
  }

  /** Dedupe keys of jobs first seen at or after `since` (messages whose WeChat retries may still come). */
  recentKeys(since: number): string[] {
    return this.run("SELECT key FROM jobs WHERE first_seen >= ?", since).map((row) => String(row.key));
  }

  /** How many questions (ask jobs) arrived at or after `since`: what the follower's rate limit counts. */
  questionsSince(since: number): number {
    const row = this.run("SELECT COUNT(*) AS n FROM jobs INDEXED BY jobs_by_first_seen WHERE first_seen >= ? AND kind = 'ask'", since)[0];
    return Number(row?.n ?? 0);
  }

  /**
   * Gives up every answer the follower has not received (human staff took over): questions still queued or being
   * answered end without (another) Dify call, and parts not delivered yet are dropped; a part being sent right now
   * is left to its send. Returns how many questions were ended.
   */
  dropUndelivered(now: number): number {
    this.write("DELETE FROM parts WHERE via IS NULL OR via IN ('cs-queued', 'pull-ready')");
    return this.run(
      "UPDATE jobs SET status = 'done', finished_at = ?, error = ? WHERE status IN ('queued', 'running') RETURNING key",
      now, JSON.stringify({ error: "handed_off" }),
    ).length;
  }
}
