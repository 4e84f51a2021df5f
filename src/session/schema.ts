/**
 * The follower's SQLite schema as numbered migrations. Owners redeploy over running workers, so a Durable Object
 * created by an earlier release opens here with that release's tables and rows: each migration runs once, in order,
 * and the applied versions are recorded in `schema_migrations`.
 *
 * Version 1 is the schema of the first release, unchanged (its CREATE ... IF NOT EXISTS statements are no-ops on an
 * object that release created, which has no `schema_migrations` table yet). Never edit a released migration: add one.
 */

/** One schema change. */
export interface Migration {
  version: number;
  /** Why the change was made, for whoever reads the history. */
  why: string;
  sql: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    why: "the first release's tables: jobs, parts, meta",
    sql: `
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
`,
  },
  {
    version: 2,
    why:
      "progressive delivery remembers the exact text it sent (an answer that changed is never cut at a stale offset); " +
      "indexes for every query a callback makes, so rows read do not grow with a follower's history; " +
      "tombstones so WeChat's retries of a message sent just before an unsubscribe are not admitted again",
    sql: `
ALTER TABLE jobs ADD COLUMN progress_text TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
CREATE INDEX IF NOT EXISTS jobs_by_open_window ON jobs (window_closed, kind, first_seen);
CREATE INDEX IF NOT EXISTS jobs_by_first_seen ON jobs (first_seen);
CREATE INDEX IF NOT EXISTS parts_by_via ON parts (via, job, idx);
CREATE INDEX IF NOT EXISTS jobs_unlogged ON jobs (seq) WHERE logged = 0 AND kind = 'ask';
CREATE TABLE IF NOT EXISTS tombstones (key TEXT PRIMARY KEY, until INTEGER NOT NULL);
`,
  },
  {
    version: 3,
    why:
      "the live answer page: each answer's page ref and link, the answer's raw Markdown (the parts are shaped for " +
      "WeChat), and its images, fetched while Dify's signed links still work",
    sql: `
ALTER TABLE jobs ADD COLUMN page_ref TEXT;
ALTER TABLE jobs ADD COLUMN page_url TEXT;
ALTER TABLE jobs ADD COLUMN answer_text TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_page_ref ON jobs (page_ref) WHERE page_ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS page_images (
  job TEXT NOT NULL,
  n INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (job, n)
);
`,
  },
];

/** Brings the storage up to the newest schema; returns the versions it applied. */
export function migrate(sql: SqlStorage): number[] {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const done = new Set(sql.exec<{ version: number }>("SELECT version FROM schema_migrations").toArray().map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version)) continue;
    sql.exec(migration.sql);
    sql.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", migration.version, Date.now());
    applied.push(migration.version);
  }
  return applied;
}
