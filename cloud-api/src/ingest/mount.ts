import type { Hono } from "hono";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { SourceAuth } from "../sources/auth.js";
import type { Store } from "../store/port.js";
import { syncRoutes } from "../sync/route.js";
import type { BodyLimits } from "./body.js";
import { ingestRoutes } from "./route.js";

export interface EventRoutesOptions {
  store: Store;
  logger?: Logger;
  registry?: Registry;
  limits?: Partial<BodyLimits>;
  /** how long a token lookup is cached (revocation delay); default 5 s */
  tokenCacheMs?: number;
}

/** Mounts `POST /v1/events` and `GET /v1/sync/{venueId}/changes`, both behind source tokens. */
export function mountEventRoutes(app: Hono, options: EventRoutesOptions): void {
  const auth = new SourceAuth(options.store, { cacheMs: options.tokenCacheMs ?? 5000 });
  app.route(
    "/",
    ingestRoutes({
      store: options.store,
      auth,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    }),
  );
  app.route("/", syncRoutes({ store: options.store, auth }));
}
