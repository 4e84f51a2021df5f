/**
 * Upgrades in place: a follower's object written by the first release (schema v1, no `schema_migrations` table)
 * opens under this release, is migrated once, and what it held keeps working.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/session/schema";
import { textMessageXml } from "../support/wechat-fixtures";
import { difyAsks, newOpenid } from "../support/dify-calls";
import { postOnce } from "../support/wechat-retries";

/** Drops every table of the object's storage (not the runtime's own), to write an older release's schema instead. */
function dropAllTables(sql: SqlStorage): void {
  const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").toArray();
  for (const { name } of tables) sql.exec(`DROP TABLE ${name}`);
}

/** Replaces the object's tables by the first release's schema and rows as that release wrote them. */
async function becomeFirstRelease(openid: string): Promise<void> {
  await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
    const sql = state.storage.sql;
    dropAllTables(sql);
    const v1 = MIGRATIONS.find((m) => m.version === 1);
    if (v1 === undefined) throw new Error("migration 1 is missing");
    sql.exec(v1.sql);
    const now = Date.now();
    // An answer that waits for "1", a conversation, and the CS budget: the rows of a follower mid-way.
    sql.exec(
      `INSERT INTO jobs (key, seq, kind, work, first_seen, deliveries, status, passive_reply, window_closed, prompts, attempts, progress_offset, logged)
       VALUES (?, 1, 'ask', ?, ?, 3, 'done', '生成答复中，继续等待请回复1（还可等待2次）', 1, 1, 1, 0, 1)`,
      `msg|${openid}|1|old`, JSON.stringify({ do: "ask", query: "旧版本的问题", messageType: "text" }), now - 3600_000,
    );
    sql.exec("INSERT INTO parts (job, idx, text, via, delivered_at, media) VALUES (?, 0, '旧版本写下的回答', 'pull-ready', NULL, NULL)", `msg|${openid}|1|old`);
    sql.exec("INSERT INTO meta (k, v) VALUES ('openid', ?), ('conversation_id', 'conv-from-v1'), ('cs_budget', '5')", openid);
  });
}

describe("an object written by the first release", () => {
  it("is migrated to the current schema once, on first use", async () => {
    const openid = newOpenid("migrate-schema");
    await becomeFirstRelease(openid);
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await evictDurableObject(stub);
    const after = await runInDurableObject(stub, (_instance, state) => ({
      versions: state.storage.sql.exec("SELECT version FROM schema_migrations ORDER BY version").toArray().map((r) => Number(r.version)),
      columns: state.storage.sql.exec("SELECT name FROM pragma_table_info('jobs')").toArray().map((r) => String(r.name)),
      indexes: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite%'").toArray().map((r) => String(r.name)),
      jobs: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs").one().n),
    }));
    expect(after.versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(after.columns).toContain("progress_text");
    expect(after.indexes).toEqual(expect.arrayContaining(["jobs_by_status", "parts_by_via", "jobs_unlogged"]));
    expect(after.jobs).toBe(1);
  });

  it("still hands out the answer it kept for 1, and continues the follower's conversation", async () => {
    const openid = newOpenid("migrate-pull");
    await becomeFirstRelease(openid);
    await evictDurableObject(env.FOLLOWER_SESSION.getByName(openid));
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe("旧版本写下的回答");
    expect((await postOnce(textMessageXml({ openid, content: "新问题" }))).content).toBe("echo: 新问题");
    const [call] = await difyAsks(openid);
    expect(call?.body.conversation_id).toBe("conv-from-v1");
  });
});

/** Replaces the object's tables by the previous release's (schema v1 and v2, recorded) with a follower mid-way. */
async function becomeSecondRelease(openid: string): Promise<void> {
  await runInDurableObject(env.FOLLOWER_SESSION.getByName(openid), (_instance, state) => {
    const sql = state.storage.sql;
    dropAllTables(sql);
    sql.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) {
      sql.exec(migration.sql);
      sql.exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", migration.version, Date.now());
    }
    sql.exec(
      `INSERT INTO jobs (key, seq, kind, work, first_seen, deliveries, status, passive_reply, window_closed, prompts, attempts, progress_offset, progress_text, logged)
       VALUES (?, 1, 'ask', ?, ?, 3, 'done', '生成答复中，继续等待请回复1（还可等待2次）', 1, 1, 1, 0, '', 1)`,
      `msg|${openid}|1|v2`, JSON.stringify({ do: "ask", query: "上一版的问题", messageType: "text" }), Date.now() - 3600_000,
    );
    sql.exec("INSERT INTO parts (job, idx, text, via, delivered_at, media) VALUES (?, 0, '上一版写下的回答', 'pull-ready', NULL, NULL)", `msg|${openid}|1|v2`);
    sql.exec("INSERT INTO meta (k, v) VALUES ('openid', ?), ('cs_budget', '5')", openid);
  });
}

describe("an object written by the previous release (schema v2)", () => {
  it("gains the answer page's columns and table, and still hands out what it kept for 1", async () => {
    const openid = newOpenid("migrate-v2");
    await becomeSecondRelease(openid);
    const stub = env.FOLLOWER_SESSION.getByName(openid);
    await evictDurableObject(stub);
    expect((await postOnce(textMessageXml({ openid, content: "1" }))).content).toBe("上一版写下的回答");
    const after = await runInDurableObject(stub, (_instance, state) => ({
      versions: state.storage.sql.exec("SELECT version FROM schema_migrations ORDER BY version").toArray().map((r) => Number(r.version)),
      columns: state.storage.sql.exec("SELECT name FROM pragma_table_info('jobs')").toArray().map((r) => String(r.name)),
      tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => String(r.name)),
      refs: Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM jobs WHERE page_ref IS NOT NULL").one().n),
    }));
    expect(after.versions).toEqual(MIGRATIONS.map((m) => m.version));
    expect(after.columns).toEqual(expect.arrayContaining(["page_ref", "page_url", "answer_text"]));
    expect(after.tables).toContain("page_images");
    // The old answer has no page (nothing links to one); new answers get one when ANSWER_PAGE is on.
    expect(after.refs).toBe(0);
  });
});
