import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import sqlite3 from "sqlite3";

/**
 * The narrow SQL port analytics and auth need, over both adapters: statements are
 * written once with `$1…` placeholders (PostgreSQL style; SQLite understands `?1…`,
 * which they are rewritten to). Keeps the analytics tables independent of the
 * customer store's own interface.
 */
export interface Sql {
  readonly dialect: "sqlite" | "postgres";
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** several statements, no parameters (migrations) */
  exec(script: string): Promise<void>;
  /** runs `fn` in one transaction; on PostgreSQL on one pooled connection */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const toSqlite = (sql: string) => sql.replace(/\$(\d+)/g, "?$1");

class SqliteSql implements Sql {
  readonly dialect = "sqlite" as const;
  /** SQLite has one writer: transactions queue behind each other on this connection */
  private chain: Promise<unknown> = Promise.resolve();
  private inTransaction = false;

  constructor(private readonly db: sqlite3.Database) {}

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(toSqlite(sql), params as unknown[], (error, rows) =>
        error ? reject(error) : resolve(rows as T[]),
      ),
    );
  }

  run(sql: string, params: readonly unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.run(toSqlite(sql), params as unknown[], (error) => (error ? reject(error) : resolve())),
    );
  }

  exec(script: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.db.exec(script, (error) => (error ? reject(error) : resolve())),
    );
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    // Nested calls (a projection inside the store's own transaction) just run inline.
    if (this.inTransaction) return fn(this);
    const result = this.chain.then(async () => {
      this.inTransaction = true;
      await this.exec("BEGIN IMMEDIATE");
      try {
        const value = await fn(this);
        await this.exec("COMMIT");
        return value;
      } catch (error) {
        await this.exec("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        this.inTransaction = false;
      }
    });
    this.chain = result.catch(() => undefined);
    return result;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

class PgClientSql implements Sql {
  readonly dialect = "postgres" as const;
  constructor(private readonly client: pg.PoolClient | pg.Pool) {}

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.client.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<void> {
    await this.client.query(sql, params as unknown[]);
  }

  async exec(script: string): Promise<void> {
    await this.client.query(script);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!(this.client instanceof pg.Pool)) return fn(this);
    const client = await this.client.connect();
    try {
      await client.query("BEGIN");
      const value = await fn(new PgClientSql(client));
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.client instanceof pg.Pool) await this.client.end();
  }
}

// int8 and numeric as JS numbers: every count and epoch-ms here fits in 2^53.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/** Opens `postgres://…` with a pool, anything else as a SQLite file (WAL). */
export async function openSql(url: string): Promise<Sql> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 8, types: pgTypes as pg.CustomTypesConfig });
    await pool.query("SELECT 1");
    return new PgClientSql(pool);
  }
  const path = url.replace(/^sqlite:(\/\/)?/, "");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(opened)));
  });
  const sql = new SqliteSql(db);
  await sql.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  return sql;
}

/** `($1,$2,…),(…)` for a multi-row VALUES of `rows` rows × `columns` columns. */
export function valuesPlaceholders(rows: number, columns: number, offset = 0): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(`$${offset + r * columns + c + 1}`);
    out.push(`(${cells.join(",")})`);
  }
  return out.join(",");
}
