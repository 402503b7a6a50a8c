import pg from "pg";

/** The local server CI and every session start: trust auth on 127.0.0.1:5432, database `test`. */
export const ADMIN_URL = process.env.PROXIMA_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TempDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${(cause as Error).message}). Start it (.ci/run does) or set PROXIMA_TEST_POSTGRES.`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a throwaway database for one test file; `drop()` removes it (and its connections). */
export async function createTempDatabase(prefix = "proxima_test"): Promise<TempDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
