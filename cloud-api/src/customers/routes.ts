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
import { readJsonBody } from "../server/json-body.js";
import type { Store } from "../store/port.js";
import { assertAllVenues, assertCustomerInScope, customerNotFound } from "./http.js";

export interface CustomerRoutesOptions {
  store: Store;
  /** who may read customer data, and who may change it (consent, merges, erasure) */
  guard: { read: MiddlewareHandler; write: MiddlewareHandler };
  clock?: Clock;
  logger?: Logger;
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
    await assertCustomerInScope(c, store, id);
    const customer = await store.getCustomer(id, page.value);
    if (!customer) throw customerNotFound(id);
    return c.json(customer);
  });

  app.get("/v1/customers/:id", guard.read, async (c) => {
    const page = parseWith(TimelineQuery, c.req.query(), "timeline page");
    if (!page.ok) throw page.error;
    await assertCustomerInScope(c, store, c.req.param("id"));
    const customer = await store.getCustomer(c.req.param("id"), page.value);
    if (!customer) throw customerNotFound(c.req.param("id"));
    return c.json(customer);
  });

  app.get("/v1/customers/:id/timeline", guard.read, async (c) => {
    const page = parseWith(TimelineQuery, c.req.query(), "timeline page");
    if (!page.ok) throw page.error;
    await assertCustomerInScope(c, store, c.req.param("id"));
    const timeline = await store.timeline(c.req.param("id"), page.value);
    if (!timeline) throw customerNotFound(c.req.param("id"));
    return c.json(timeline);
  });

  app.get("/v1/customers/:id/merges", guard.read, async (c) => {
    await assertCustomerInScope(c, store, c.req.param("id"));
    return c.json({ merges: await store.mergeHistory(c.req.param("id")) });
  });

  app.post("/v1/customers/:id/merges", guard.write, async (c) => {
    const body = await readJsonBody(c.req.raw, MergeRequest, "merge request");
    await assertCustomerInScope(c, store, c.req.param("id"));
    await assertCustomerInScope(c, store, body.loserId);
    const merge = await store.merge(c.req.param("id"), body.loserId, clock.now(), body.reason);
    options.logger?.info(
      { mergeId: merge.id, winnerId: merge.winnerId, loserId: merge.loserId },
      "operator merge",
    );
    return c.json(merge, 201);
  });

  app.post("/v1/merges/:mergeId/reverse", guard.write, async (c) => {
    assertAllVenues(c, "reversing a merge by its id");
    const merge = await store.unmerge(c.req.param("mergeId"), clock.now());
    options.logger?.info(
      { mergeId: merge.id, winnerId: merge.winnerId, loserId: merge.loserId },
      "merge reversed",
    );
    return c.json(merge);
  });

  return app;
}
