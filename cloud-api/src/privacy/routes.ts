import { type Clock, ConsentUpdate, systemClock } from "@proxima/shared";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import type { Logger } from "pino";
import { assertAllVenues, assertCustomerInScope, customerNotFound } from "../customers/http.js";
import type { CustomerRoutesOptions } from "../customers/routes.js";
import { readJsonBody } from "../server/json-body.js";
import type { Store } from "../store/port.js";

export interface PrivacyRoutesOptions {
  store: Store;
  /** only `write` is used: consent, export and erasure change or reveal personal data */
  guard: CustomerRoutesOptions["guard"];
  clock?: Clock;
  logger?: Logger;
}

/**
 * The person's rights: consent per purpose (honoured downstream: the gateways' copy
 * of the profile is cut to what the consent allows), access (export of one person,
 * NDJSON of everyone) and erasure (everywhere, gateways included on their next sync).
 * Mount before the customer routes: `/v1/customers/export.ndjson` must win over
 * `/v1/customers/{id}`.
 */
export function privacyRoutes(options: PrivacyRoutesOptions): Hono {
  const { store, guard } = options;
  const clock = options.clock ?? systemClock;
  const app = new Hono();

  // NDJSON export of every customer (360 without the timeline), streamed page by page.
  app.get("/v1/customers/export.ndjson", guard.write, (c) => {
    assertAllVenues(c, "the export of every customer");
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

  app.put("/v1/customers/:id/consent", guard.write, async (c) => {
    const body = await readJsonBody(c.req.raw, ConsentUpdate, "consent");
    await assertCustomerInScope(c, store, c.req.param("id"));
    if (!(await store.setConsent(c.req.param("id"), body, clock.now())))
      throw customerNotFound(c.req.param("id"));
    const customer = await store.getCustomer(c.req.param("id"), { limit: 1 });
    return c.json({ id: customer?.id ?? c.req.param("id"), consent: customer?.consent });
  });

  app.get("/v1/customers/:id/export", guard.write, async (c) => {
    await assertCustomerInScope(c, store, c.req.param("id"));
    const exported = await store.exportCustomer(c.req.param("id"));
    if (!exported) throw customerNotFound(c.req.param("id"));
    c.header("content-disposition", `attachment; filename="customer-${exported.customer.id}.json"`);
    return c.json(exported);
  });

  app.delete("/v1/customers/:id", guard.write, async (c) => {
    await assertCustomerInScope(c, store, c.req.param("id"));
    const receipt = await store.erase(c.req.param("id"), clock.now());
    if (!receipt) throw customerNotFound(c.req.param("id"));
    // ids only: the log must not keep what was just erased
    options.logger?.info({ profileId: receipt.profileId, events: receipt.events }, "customer erased");
    return c.json(receipt);
  });

  return app;
}
