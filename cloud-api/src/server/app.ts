import { type ErrorCode, HTTP_STATUS, isProximaError } from "@proxima/shared";
import { Hono } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import { Gauge } from "prom-client";
import { type DashboardBackend, mountDashboard } from "../analytics/mount.js";
import { requireUser } from "../auth/routes.js";
import { type CustomerRoutesOptions, customerRoutes } from "../customers/routes.js";
import { type EventRoutesOptions, mountEventRoutes } from "../ingest/mount.js";
import { openApiRoutes } from "../openapi/route.js";
import { privacyRoutes } from "../privacy/routes.js";
import type { Store } from "../store/port.js";
import { type CloudMetrics, createMetrics } from "./metrics.js";

export interface AppOptions {
  version?: string;
  logger?: Logger;
  metrics?: CloudMetrics;
  /** extra health checks (storage, …), each answering ok or not */
  healthChecks?: Record<string, () => Promise<{ ok: boolean; detail?: string }>>;
  /** sign-in, analytics and venue routes plus the dashboard's files */
  dashboard?: DashboardBackend;
  /** `POST /v1/events` and `GET /v1/sync/{venueId}/changes` on this store */
  events?: Omit<EventRoutesOptions, "registry">;
  /**
   * the 360 view, merges, consent, export and erasure on this store; behind the
   * dashboard's sign-in (read: admin, manager, marketer; change: admin, manager)
   * unless an explicit `guard` is given
   */
  customers?: { store: Store; guard?: CustomerRoutesOptions["guard"] };
}

const started = Date.now();

function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * The cloud API as a Hono app: routes are mounted here, errors become responses in
 * exactly one place (`onError`). Tests call `app.request()` — no port needed.
 */
export function createApp(options: AppOptions = {}) {
  const metrics = options.metrics ?? createMetrics();
  const app = new Hono();

  app.use(async (c, next) => {
    const stop = metrics.httpDuration.startTimer();
    await next();
    const route = routePath(c);
    stop({ method: c.req.method, route });
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  });

  app.get("/health", async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    for (const [name, check] of Object.entries(options.healthChecks ?? {})) {
      checks[name] = await check().catch((e: Error) => ({ ok: false, detail: e.message }));
    }
    const healthy = Object.values(checks).every((check) => check.ok);
    return c.json(
      {
        status: healthy ? "ok" : "degraded",
        service: "proxima-cloud",
        version: options.version ?? "0.1.0",
        uptimeS: (Date.now() - started) / 1000,
        checks,
      },
      healthy ? 200 : 503,
    );
  });

  app.get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.route("/", openApiRoutes(options.version));
  if (options.events) mountEventRoutes(app, { ...options.events, registry: metrics.registry });
  if (options.customers) {
    const store = options.customers.store;
    new Gauge({
      name: "proxima_cloud_ingest_queue_events",
      help: "events waiting for the store's writer (group commit)",
      registers: [metrics.registry],
      collect() {
        this.set(store.ingestQueue().events);
      },
    });
    const backend = options.dashboard;
    const auth = backend && { users: backend.users, clock: backend.clock, logger: backend.logger };
    const guard =
      options.customers.guard ??
      (auth && {
        read: requireUser(auth, ["admin", "manager", "marketer"]),
        write: requireUser(auth, ["admin", "manager"]),
      });
    if (!guard)
      throw new Error("customer routes need the dashboard's sign-in (the dashboard option) or a guard");
    const common = {
      store: options.customers.store,
      guard,
      ...(backend ? { clock: backend.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    };
    // privacy first: /v1/customers/export.ndjson must win over /v1/customers/{id}
    app.route("/", privacyRoutes(common));
    app.route("/", customerRoutes(common));
  }
  if (options.dashboard) mountDashboard(app, options.dashboard);

  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (isProximaError(error)) {
      return c.json(errorBody(error.code, error.message, error.details), HTTP_STATUS[error.code] as 400);
    }
    // Hono's own HTTP errors (body limit, malformed JSON) carry a status.
    const status = (error as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      const code: ErrorCode =
        status === 413 ? "payload_too_large" : status === 401 ? "unauthorized" : "bad_request";
      return c.json(errorBody(code, error.message), status as 400);
    }
    options.logger?.error({ err: error, path: c.req.path }, "unhandled error");
    return c.json(errorBody("internal", "internal error; see the server log"), 500);
  });

  return { app, metrics };
}
