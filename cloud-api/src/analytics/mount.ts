import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Clock } from "@proxima/shared";
import type { Hono } from "hono";
import type { Logger } from "pino";
import { mountAuthRoutes } from "../auth/routes.js";
import { UserStore } from "../auth/users.js";
import { DEFAULT_STORE_URL } from "../store/create-store.js";
import type { Store } from "../store/port.js";
import { analyticsProjection } from "./projection.js";
import { mountAnalyticsRoutes } from "./routes.js";
import { Analytics } from "./service.js";
import { openSql, type Sql } from "./sql.js";

export interface DashboardBackend {
  sql: Sql;
  analytics: Analytics;
  users: UserStore;
  clock: Clock;
  logger?: Logger;
  /** the dashboard's production build (index.html + assets); not served when missing */
  dashboardDir?: string;
}

/** Where `pnpm --filter @proxima/dashboard build` puts the app, seen from this package. */
export const DEFAULT_DASHBOARD_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../dashboard/dist",
);

/**
 * Everything the dashboard's API needs (analytics, users, venues) on the store's
 * database; analytics registers as the store's projection so every accepted event
 * reaches the rollups. Without a store (tools), opens `databaseUrl` itself.
 */
export async function openDashboardBackend(options: {
  store?: Store;
  databaseUrl?: string;
  clock: Clock;
  logger?: Logger;
  dashboardDir?: string;
}): Promise<DashboardBackend> {
  const sql = options.store?.sql ?? (await openSql(options.databaseUrl ?? DEFAULT_STORE_URL));
  const analytics = await Analytics.open({ sql, clock: options.clock, logger: options.logger });
  options.store?.registerProjection(analyticsProjection(analytics));
  options.store?.useCalendar(analytics.venues.timeZoneOf);
  const users = new UserStore(sql);
  await users.migrate();
  return {
    sql,
    analytics,
    users,
    clock: options.clock,
    logger: options.logger,
    dashboardDir: options.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
  };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
  ".ico": "image/x-icon",
};

/** Sign-in, analytics and venue routes, then the dashboard's files (index.html for app routes). */
export function mountDashboard(app: Hono, backend: DashboardBackend): void {
  const auth = { users: backend.users, clock: backend.clock, logger: backend.logger };
  mountAuthRoutes(app, auth);
  mountAnalyticsRoutes(app, backend.analytics, auth);
  const dir = backend.dashboardDir;
  if (!dir || !existsSync(join(dir, "index.html"))) {
    backend.logger?.warn(
      { dashboardDir: dir },
      "dashboard build not found; build it with: pnpm --filter @proxima/dashboard build",
    );
    return;
  }
  const root = resolve(dir);
  app.get("*", async (c, next) => {
    const path = c.req.path;
    if (path.startsWith("/v1/") || path === "/health" || path === "/metrics" || path === "/openapi.json")
      return next();
    const file = normalize(join(root, decodeURIComponent(path)));
    const inside = file.startsWith(root + sep);
    const asset = inside && extname(file) !== "" ? await readFile(file).catch(() => null) : null;
    if (asset) {
      // Vite fingerprints everything under /assets: cache for a year; the rest revalidates.
      c.header(
        "cache-control",
        path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
      c.header("content-type", TYPES[extname(file)] ?? "application/octet-stream");
      return c.body(asset);
    }
    if (extname(path) !== "") return next();
    c.header("cache-control", "no-cache");
    return c.html(await readFile(join(root, "index.html"), "utf8"));
  });
}
