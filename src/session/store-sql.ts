/**
 * The statement runner under SessionStore (./store.ts): every statement goes through it, so the rows each one reads
 * and writes are counted, which is what `SessionStore.io` reports.
 */
import type { Row } from "./store-rows";

/** Runs statements on a Durable Object's SQLite storage and counts the rows they read and write. */
export class CountedSql {
  #rowsRead = 0;
  #rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Rows read and written by this store since it was made: the cost of a callback, for logs and benchmarks. */
  get io(): { rowsRead: number; rowsWritten: number } {
    return { rowsRead: this.#rowsRead, rowsWritten: this.#rowsWritten };
  }

  /** Every statement goes through here, so rows read and written are counted. */
  protected run<T extends Row = Row>(query: string, ...bindings: SqlStorageValue[]): T[] {
    const cursor = this.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    this.#rowsRead += cursor.rowsRead;
    this.#rowsWritten += cursor.rowsWritten;
    return rows;
  }

  /** Like {@link run}, for statements whose rows are not wanted; returns rows written. */
  protected write(query: string, ...bindings: SqlStorageValue[]): number {
    const cursor = this.sql.exec(query, ...bindings);
    for (const _row of cursor) {
      // Drain: counts are final only once the cursor is consumed.
    }
    this.#rowsRead += cursor.rowsRead;
    this.#rowsWritten += cursor.rowsWritten;
    return cursor.rowsWritten;
  }
}
