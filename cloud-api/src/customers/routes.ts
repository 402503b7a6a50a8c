import {
  type Clock,
  CustomerLookupQuery,
  MergeRequest,
  ProximaError,
  parseWith,
  systemClock,
  TimelineQuery,
} from "@proxima/shared";
import { Hono, type MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { Store } from "../store/port.js";

export interface CustomerRoutesOptions {
  store: Store;
  /** who may read customer data, and who may change it (consent, merges, erasure) */
  guard: { read: MiddlewareHandler; write: MiddlewareHandler };
  clock?: Clock;
  logger?: Logger;
}

const notFound = (id: string) =>
  new ProximaError(
    "not_found",
    `no customer ${id}; look one up with GET /v1/customers?identityType=…&value=…`,
  );

async function jsonBody(req: Request, what: string): Promise<unknown> {
  const text = await req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ProximaError("bad_json", `${what} is not valid JSON`);
  }
}

/**
 * The 360 view and what an operator does with a person: look up by id or by any
 * identity, page the timeline, merge and un-merge (consent, export and erasure are in
 * privacy/routes.ts).
 */
export function customerRoutes(options: CustomerRoutesOptions): Hono {
  const { store, guard } = options;
  const clock = options.clock ?? systemClock;
  const app = new Hono();

  app.get("/v1/customers", guard.read, async (c) => {
    const query = parseWith(CustomerLookupQuery, c.req.query(), "customer lookup");
    if (!query.ok) throw query.error;
    const page = parseWith(TimelineQuery, c.req.query(), "timeline page");
    if (!page.ok) throw page.error;
    const id = await store.findProfileId({ type: query.value.identityType, value: query.value.value });
    if (!id)
      throw new ProximaError(
        "not_found",
        `no customer with ${query.value.identityType} "${query.value.value}"`,
      );
    const customer = await store.getCustomer(id, page.value);
    if (!customer) throw notFound(id);
    return c.json(customer);
  });

  app.get("/v1/customers/:id", guard.read, async (c) => {
    const page = parseWith(TimelineQuery, c.req.query(), "timeline page");
    if (!page.ok) throw page.error;
    const customer = await store.getCustomer(c.req.param("id"), page.value);
    if (!customer) throw notFound(c.req.param("id"));
    return c.json(customer);
  });

  app.get("/v1/customers/:id/timeline", guard.read, async (c) => {
    const page = parseWith(TimelineQuery, c.req.query(), "timeline page");
    if (!page.ok) throw page.error;
    const timeline = await store.timeline(c.req.param("id"), page.value);
    if (!timeline) throw notFound(c.req.param("id"));
    return c.json(timeline);
  });

  app.get("/v1/customers/:id/merges", guard.read, async (c) => {
    return c.json({ merges: await store.mergeHistory(c.req.param("id")) });
  });

  app.post("/v1/customers/:id/merges", guard.write, async (c) => {
    const body = parseWith(MergeRequest, await jsonBody(c.req.raw, "merge request"), "merge request");
    if (!body.ok) throw body.error;
    const merge = await store.merge(c.req.param("id"), body.value.loserId, clock.now(), body.value.reason);
    options.logger?.info(
      { mergeId: merge.id, winnerId: merge.winnerId, loserId: merge.loserId },
      "operator merge",
    );
    return c.json(merge, 201);
  });

  app.post("/v1/merges/:mergeId/reverse", guard.write, async (c) => {
    const merge = await store.unmerge(c.req.param("mergeId"), clock.now());
    options.logger?.info(
      { mergeId: merge.id, winnerId: merge.winnerId, loserId: merge.loserId },
      "merge reversed",
    );
    return c.json(merge);
  });

  return app;
}
