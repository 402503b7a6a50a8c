import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import sqlite3 from "sqlite3";

/**
 * The narrow SQL port every store module and projection writes against, over both
 * adapters. Statements use `$1…` placeholders (PostgreSQL style); on SQLite they are
 * rewritten to `?1…`, which SQLite understands natively. Same shape as the analytics
 * module's own `Sql`, so a projection written against either works with both.
 */
export interface Sql {
  readonly dialect: "sqlite" | "postgres";
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** several statements, no parameters (migrations) */
  exec(script: string): Promise<void>;
  /** runs `fn` in one transaction; nested calls run inline in the outer one */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const toSqlite = (sql: string) => sql.replace(/\$(\d+)/g, "?$1");
/** prepared statements kept per SQLite connection */
const STATEMENT_CACHE = 128;

export class SqliteSql implements Sql {
  readonly dialect = "sqlite" as const;
  /**
   * SQLite has one connection here, so any statement sent while a transaction is open
   * becomes part of it. Everything outside a transaction's own async flow (tracked with
   * AsyncLocalStorage, not a connection-wide flag) therefore queues behind it: an
   * unrelated caller's write must never be committed or rolled back with someone else's
   * transaction, nor read its uncommitted rows.
   */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly inTransaction = new AsyncLocalStorage<true>();

  constructor(readonly db: sqlite3.Database) {}

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return op();
    const result = this.chain.then(op);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /**
   * Prepared statements by text, least recently used first: every ingest group runs the
   * same few dozen statements, and preparing one again each time cost a parse (for the
   * rollups' multi-row VALUES, thousands of placeholders) before any row was written.
   */
  private readonly statements = new Map<string, sqlite3.Statement>();

  /** The prepared statement for `sql`; a statement that fails to prepare rejects and is not kept. */
  private async statement(sql: string): Promise<sqlite3.Statement> {
    const cached = this.statements.get(sql);
    if (cached) {
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    // With a callback, a preparation error comes back here instead of being emitted as
    // an 'error' event on the statement, which nothing listens to (the process would die).
    const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const prepared = this.db.prepare(toSqlite(sql), (error) => (error ? reject(error) : resolve(prepared)));
    });
    if (this.statements.size >= STATEMENT_CACHE) {
      const [oldest, evicted] = this.statements.entries().next().value!;
      this.statements.delete(oldest);
      evicted.finalize();
    }
    this.statements.set(sql, statement);
    return statement;
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serialized(async () => {
      const statement = await this.statement(sql);
      return new Promise<T[]>((resolve, reject) =>
        statement.all(params as unknown[], (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
      );
    });
  }

  run(sql: string, params: readonly unknown[] = []): Promise<void> {
    return this.serialized(async () => {
      const statement = await this.statement(sql);
      return new Promise<void>((resolve, reject) =>
        statement.run(params as unknown[], (error) => (error ? reject(error) : resolve())),
      );
    });
  }

  exec(script: string): Promise<void> {
    return this.serialized(
      () =>
        new Promise<void>((resolve, reject) =>
          this.db.exec(script, (error) => (error ? reject(error) : resolve())),
        ),
    );
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    // nested: called from inside a transaction's own flow, it runs inline in that one
    if (this.inTransaction.getStore()) return fn(this);
    return this.serialized(() =>
      this.inTransaction.run(true, async () => {
        await this.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(this);
          await this.exec("COMMIT");
          return value;
        } catch (error) {
          await this.exec("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  close(): Promise<void> {
    return this.serialized(async () => {
      for (const statement of this.statements.values())
        await new Promise<void>((resolve) => statement.finalize(() => resolve()));
      this.statements.clear();
      await new Promise<void>((resolve, reject) =>
        this.db.close((error) => (error ? reject(error) : resolve())),
      );
    });
  }
}

export class PgSql implements Sql {
  readonly dialect = "postgres" as const;
  constructor(readonly client: pg.PoolClient | pg.Pool) {}

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
      const value = await fn(new PgSql(client));
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

// int8 and numeric as JS numbers: every count, sequence and epoch-ms here fits in 2^53.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/** Opens `postgres://…` with a pool, anything else (a path, `sqlite:path`) as a SQLite file in WAL mode. */
export async function openSql(url: string, options: { poolSize?: number } = {}): Promise<Sql> {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 8,
      types: pgTypes as pg.CustomTypesConfig,
    });
    // An idle pooled connection can be closed under us (server restart, failover,
    // DROP DATABASE … WITH (FORCE)); pg then emits 'error' on the pool, which would
    // crash the process if unhandled. The next query simply opens a new connection.
    pool.on("error", () => undefined);
    try {
      await pool.query("SELECT 1");
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new Error(`cannot reach PostgreSQL at ${redact(url)}: ${(cause as Error).message}`);
    }
    return new PgSql(pool);
  }
  const path = url.replace(/^sqlite:(\/\/)?/, "");
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(opened)));
  });
  const sql = new SqliteSql(db);
  // NORMAL under WAL is durable against process crashes (the WAL is on disk before
  // COMMIT returns); only an OS crash can lose the last transactions. temp_store in
  // memory: every multi-row insert inside a transaction keeps a statement journal (to
  // undo just that statement), and as a temporary file it cost a write() per page it
  // touched, ~30 % of an ingest group's insert time.
  await sql.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384;",
  );
  return sql;
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/** `($1,$2,…),(…)` for a multi-row VALUES of `rows` rows × `columns` columns. */
export function valuesPlaceholders(rows: number, columns: number, offset = 0): string {
  const key = `${rows}x${columns}+${offset}`;
  let text = placeholderCache.get(key);
  if (text === undefined) {
    text = buildPlaceholders(rows, columns, offset);
    if (placeholderCache.size >= 256) placeholderCache.clear();
    placeholderCache.set(key, text);
  }
  return text;
}

const placeholderCache = new Map<string, string>();

function buildPlaceholders(rows: number, columns: number, offset: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c++) cells.push(`$${offset + r * columns + c + 1}`);
    out.push(`(${cells.join(",")})`);
  }
  return out.join(",");
}
