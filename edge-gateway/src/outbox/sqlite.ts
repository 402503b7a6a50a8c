import sqlite3 from "sqlite3";

/**
 * A promise face on one sqlite3 connection. The outbox keeps two: a writer (every
 * transaction goes through it, one at a time) and a reader that, under WAL, only ever
 * sees committed rows — so the sync client can never ship an event whose transaction
 * is later rolled back.
 */
export class Connection {
  private constructor(readonly db: sqlite3.Database) {}

  static open(path: string, mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => {
        if (error) reject(error);
        else resolve(new Connection(db));
      });
    });
  }

  run(sql: string, params: unknown[] = []): Promise<{ changes: number; lastID: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
    });
  }

  get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get(sql, params, (error: Error | null, row: T | undefined) =>
        error ? reject(error) : resolve(row),
      );
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.exec(sql, (error) => (error ? reject(error) : resolve())),
    );
  }

  prepare(sql: string): Promise<Statement> {
    return new Promise((resolve, reject) => {
      const statement = this.db.prepare(sql, (error) =>
        error ? reject(error) : resolve(new Statement(statement)),
      );
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

export class Statement {
  constructor(private readonly statement: sqlite3.Statement) {}

  run(params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve(this.changes);
      });
    });
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => this.statement.finalize(() => resolve()));
  }
}

/** SQLITE_FULL: the quota (max_page_count) or the disk itself (SQLite maps ENOSPC to it). */
export function isFull(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "SQLITE_FULL";
}
