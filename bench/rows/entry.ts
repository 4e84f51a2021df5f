/**
 * The worker as deployed, with one change for measuring: its follower object counts the rows every SQL statement
 * reads, by wrapping `exec` of the object's `storage.sql`. Works on any release of src/ (it relies only on
 * `FollowerSession` reading storage through `ctx.storage.sql`), so the same entry measures before and after.
 *
 * `GET /__bench/rows?openid=X` answers `{rowsRead}` so far for that follower's object.
 */
import app from "../../src/index";
import { FollowerSession } from "../../src/session/follower-session";
import type { AppEnv } from "../../src/config";

export { AccessTokenStore } from "../../src/session/access-token-store";

type Cursor = SqlStorageCursor<Record<string, SqlStorageValue>>;

/**
 * Makes the object's own `storage.sql` remember every cursor it returns (cursors keep their rowsRead once consumed,
 * so summing them when asked counts every statement). workerd hands out one SqlStorage per object, so the session
 * reads through the patched one.
 */
function countReads(ctx: DurableObjectState, cursors: Cursor[]): void {
  const sql = ctx.storage.sql;
  const exec = sql.exec.bind(sql);
  Object.defineProperty(sql, "exec", {
    value: (query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = exec(query, ...bindings);
      cursors.push(cursor as Cursor);
      return cursor;
    },
  });
  if (ctx.storage.sql.exec === sql.exec) return;
  throw new Error("storage.sql is not one object per Durable Object: rows read cannot be counted this way");
}

/** FollowerSession whose storage reads are counted. */
export class MeteredFollowerSession extends FollowerSession {
  readonly #cursors: Cursor[];

  constructor(ctx: DurableObjectState, env: AppEnv) {
    const cursors: Cursor[] = [];
    countReads(ctx, cursors);
    super(ctx, env);
    this.#cursors = cursors;
  }

  /** Rows read by every statement so far. */
  benchRowsRead(): number {
    return this.#cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0);
  }
}

type BenchEnv = Omit<AppEnv, "FOLLOWER_SESSION"> & { FOLLOWER_SESSION: DurableObjectNamespace<MeteredFollowerSession> };

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/rows") {
      const stub = env.FOLLOWER_SESSION.getByName(url.searchParams.get("openid") ?? "");
      try {
        return Response.json({ rowsRead: await stub.benchRowsRead() });
      } catch (error) {
        return new Response(String(error instanceof Error ? error.stack ?? error.message : error), { status: 500 });
      }
    }
    return app.fetch(request, env as unknown as AppEnv, ctx);
  },
};
