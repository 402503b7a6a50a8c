import type { Sql } from "./sql.js";
import { storableText } from "./text.js";

/**
 * A column of a bulk statement: its name and the PostgreSQL type its JSON value is cast
 * to; `json` takes any JSON-serialisable value and stores its JSON text (an event body).
 */
export type Column = readonly [name: string, pgType: "text" | "bigint" | "float8" | "int2" | "json"];

/**
 * Inserts many rows in one statement with one parameter: the rows as a JSON array of
 * arrays, unpacked by the database (`jsonb_each` on SQLite, `jsonb_array_elements` on
 * PostgreSQL): as jsonb each row's columns are looked up in place; as JSON text `->>`
 * parsed the row again for every column (on SQLite, 20,000 events went from ~13 µs to
 * ~8 µs an event).
 * Binding one string costs the event loop a copy; binding the same rows as 9 × 500
 * separate values (or PostgreSQL array literals) cost it more than the database spent
 * inserting them. A `json` cell goes into the parameter as the value itself on SQLite
 * (`value->i` gives back its JSON text, so the text is escaped once, not twice: ~2× less
 * stringify work for event rows) and as its JSON text on PostgreSQL (where `->` would
 * return jsonb's normalised form, keys reordered). `tail` is the ON CONFLICT clause;
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
  const postgres = tx.dialect === "postgres";
  const json = columns.some((c) => c[1] === "json");
  const sql = postgres
    ? `INSERT INTO ${table} (${names}) SELECT ${columns.map((c, i) => `(r->>${i})::${c[1] === "json" ? "text" : c[1]}`).join(", ")}
         FROM jsonb_array_elements($1::jsonb) AS t(r) ${tail}${ret}`
    : // WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join
      `INSERT INTO ${table} (${names}) SELECT ${columns.map((c, i) => (c[1] === "json" ? `value->${i}` : `value->>${i}`)).join(", ")}
         FROM jsonb_each($1) WHERE true ${tail}${ret}`;
  const param = jsonParam(
    postgres && json
      ? rows.map((row) => row.map((v, i) => (columns[i]![1] === "json" ? JSON.stringify(v) : v)))
      : rows,
  );
  if (returning) return tx.all<T>(sql, [param]);
  await tx.run(sql, [param]);
  return [];
}

/** how JSON.stringify writes NUL and a lone surrogate (either may also be a body's own escape) */
const UNSTORABLE_ESCAPE = /\\u(?:[dD][89a-fA-F]|0000)/;

/** Strings, in arrays at any depth, made storable; an object (a `json` cell) is kept as it is. */
const storable = (v: unknown): unknown =>
  typeof v === "string" ? storableText(v) : Array.isArray(v) ? v.map(storable) : v;

/**
 * A parameter as JSON text, its strings made storable (`storableText`). Objects are
 * event bodies (`json` cells) and stay as they are, so an event reads back exactly as it
 * was sent: in its JSON text a NUL or a lone surrogate stays an escape.
 */
export function jsonParam(value: unknown): string {
  const text = JSON.stringify(value);
  if (!UNSTORABLE_ESCAPE.test(text)) return text;
  return JSON.stringify(storable(value));
}

/**
 * `(a, b) IN (…tuples…)` for a list of key tuples bound as one JSON parameter
 * (`jsonParam(tuples)` as parameter `param`): one short statement however many keys.
 */
export function tuplesIn(tx: Sql, columns: readonly Column[], param: number): string {
  const names = columns.map((c) => c[0]).join(", ");
  return tx.dialect === "postgres"
    ? `(${names}) IN (SELECT ${columns.map((c, i) => `(r->>${i})::${c[1]}`).join(", ")} FROM jsonb_array_elements($${param}::jsonb) AS t(r))`
    : `(${names}) IN (SELECT ${columns.map((_, i) => `value->>${i}`).join(", ")} FROM jsonb_each($${param}))`;
}

/** `col IN (…list…)` for a list bound as one parameter (JSON on SQLite, an array on PostgreSQL). */
export function inList(tx: Sql, column: string, param: number): string {
  return tx.dialect === "postgres"
    ? `${column} = ANY($${param})`
    : `${column} IN (SELECT value FROM json_each($${param}))`;
}

export function listParam(tx: Sql, values: readonly (string | number)[]): unknown {
  return tx.dialect === "postgres"
    ? values.map((v) => (typeof v === "string" ? storableText(v) : v))
    : jsonParam(values);
}

export const least = (tx: Sql, a: string, b: string) =>
  tx.dialect === "postgres" ? `LEAST(${a}, ${b})` : `MIN(${a}, ${b})`;
export const greatest = (tx: Sql, a: string, b: string) =>
  tx.dialect === "postgres" ? `GREATEST(${a}, ${b})` : `MAX(${a}, ${b})`;
