import {
  type Clock,
  ConsentUpdate,
  CustomerLookupQuery,
  MergeRequest,
  ProximaError,
  parseWith,
  systemClock,
  TimelineQuery,
} from "@proxima/shared";
import { Hono, type MiddlewareHandler } from "hono";
import { stream } from "hono/streaming";
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
 * identity, page the timeline, merge and un-merge, set consent, export, erase.
 */
export function customerRoutes(options: CustomerRoutesOptions): Hono {
  const { store, guard } = options;
  const clock = options.clock ?? systemClock;
  const app = new Hono();

  // NDJSON export of every customer (360 without the timeline), streamed page by page.
  app.get("/v1/customers/export.ndjson", guard.write, (c) => {
    c.header("content-type", "application/x-ndjson; charset=utf-8");
    c.header("content-disposition", 'attachment; filename="customers.ndjson"');
    return stream(c, async (out) => {
      let after: string | null = null;
      for (;;) {
        const ids = await store.listProfileIds(after, 200);
        if (ids.length === 0) break;
        let chunk = "";
        for (const id of ids) {
          const customer = await store.getCustomer(id, { limit: 1 });
          if (!customer) continue;
          const { timeline: _timeline, ...rest } = customer;
          chunk += `${JSON.stringify(rest)}\n`;
        }
        await out.write(chunk);
        after = ids[ids.length - 1]!;
      }
    });
  });

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

  app.put("/v1/customers/:id/consent", guard.write, async (c) => {
    const body = parseWith(ConsentUpdate, await jsonBody(c.req.raw, "consent"), "consent");
    if (!body.ok) throw body.error;
    if (!(await store.setConsent(c.req.param("id"), body.value, clock.now())))
      throw notFound(c.req.param("id"));
    const customer = await store.getCustomer(c.req.param("id"), { limit: 1 });
    return c.json({ id: customer?.id ?? c.req.param("id"), consent: customer?.consent });
  });

  app.get("/v1/customers/:id/export", guard.write, async (c) => {
    const exported = await store.exportCustomer(c.req.param("id"));
    if (!exported) throw notFound(c.req.param("id"));
    c.header("content-disposition", `attachment; filename="customer-${exported.customer.id}.json"`);
    return c.json(exported);
  });

  app.delete("/v1/customers/:id", guard.write, async (c) => {
    const receipt = await store.erase(c.req.param("id"), clock.now());
    if (!receipt) throw notFound(c.req.param("id"));
    // ids only: the log must not keep what was just erased
    options.logger?.info({ profileId: receipt.profileId, events: receipt.events }, "customer erased");
    return c.json(receipt);
  });

  return app;
}
