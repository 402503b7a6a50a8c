import type { Sql } from "./sql.js";
import { valuesPlaceholders } from "./sql.js";

/** A column of a bulk statement: its name and the PostgreSQL array type `unnest` reads it as. */
export type Column = readonly [name: string, pgType: "text" | "bigint" | "float8" | "int2"];

/** SQLite binds at most 32,766 parameters per statement; a few hundred rows per statement is the sweet spot. */
const SQLITE_ROWS_PER_STATEMENT = 500;
const SQLITE_MAX_PARAMS = 32_000;

/**
 * Inserts many rows in few statements: multi-row `VALUES` on SQLite (~300k rows/s
 * where single-row inserts manage ~22k), `INSERT … SELECT FROM unnest(…)` on
 * PostgreSQL (one round trip for the whole batch). `tail` is the ON CONFLICT clause;
 * `returning` the RETURNING list.
 */
export async function bulkInsert<T = unknown>(
  tx: Sql,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
  tail = "",
  returning?: string,
): Promise<T[]> {
  if (rows.length === 0) return [];
  const names = columns.map((c) => c[0]).join(", ");
  const ret = returning ? ` RETURNING ${returning}` : "";
  if (tx.dialect === "postgres") {
    const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
    const unnest = columns.map((c, i) => `$${i + 1}::${c[1]}[]`).join(", ");
    return tx.all<T>(`INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${tail}${ret}`, arrays);
  }
  const perStatement = Math.max(
    1,
    Math.min(SQLITE_ROWS_PER_STATEMENT, Math.floor(SQLITE_MAX_PARAMS / columns.length)),
  );
  const out: T[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    for (const row of chunk) for (let i = 0; i < columns.length; i++) params.push(row[i] ?? null);
    const sql = `INSERT INTO ${table} (${names}) VALUES ${valuesPlaceholders(chunk.length, columns.length)} ${tail}${ret}`;
    if (returning) out.push(...(await tx.all<T>(sql, params)));
    else await tx.run(sql, params);
  }
  return out;
}

/** `col IN (…list…)` for a list bound as one parameter (JSON on SQLite, an array on PostgreSQL). */
export function inList(tx: Sql, column: string, param: number): string {
  return tx.dialect === "postgres"
    ? `${column} = ANY($${param})`
    : `${column} IN (SELECT value FROM json_each($${param}))`;
}

export function listParam(tx: Sql, values: readonly (string | number)[]): unknown {
  return tx.dialect === "postgres" ? values : JSON.stringify(values);
}

export const least = (tx: Sql, a: string, b: string) =>
  tx.dialect === "postgres" ? `LEAST(${a}, ${b})` : `MIN(${a}, ${b})`;
export const greatest = (tx: Sql, a: string, b: string) =>
  tx.dialect === "postgres" ? `GREATEST(${a}, ${b})` : `MAX(${a}, ${b})`;
