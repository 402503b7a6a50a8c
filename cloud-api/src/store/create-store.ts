import { SqlStore, type StoreOptions } from "./sql-store.js";

export type { StoreOptions } from "./sql-store.js";

/** The embedded default: one SQLite file under the working directory's `.proxima/`. */
export const DEFAULT_STORE_URL = ".proxima/cloud.sqlite";

/**
 * Opens (and migrates) the store behind `url`: `postgres://…` → PostgreSQL, a file
 * path or `sqlite:path` → SQLite (`:memory:` for a throwaway one).
 */
export function createStore(url: string = DEFAULT_STORE_URL, options: StoreOptions = {}): Promise<SqlStore> {
  return SqlStore.open(url, options);
}
