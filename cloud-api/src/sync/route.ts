import { Id, ProximaError, parseWith } from "@proxima/shared";
import { Hono } from "hono";
import { z } from "zod";
import type { SourceAuth } from "../sources/auth.js";
import type { Store } from "../store/port.js";

export const SyncChangesQuery = z.object({
  cursor: z.string().max(200).default(""),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/** `GET /v1/sync/{venueId}/changes?cursor=…&limit=…`: what a venue's gateway pulls. */
export function syncRoutes(options: { store: Pick<Store, "changesSince">; auth: SourceAuth }): Hono {
  const app = new Hono();
  app.get("/v1/sync/:venueId/changes", async (c) => {
    const source = await options.auth.authenticate(c.req.header("authorization"));
    if (source.kind !== "gateway")
      throw new ProximaError(
        "forbidden",
        `only gateway tokens pull venue changes; this one is ${source.ref}`,
      );
    const venueId = parseWith(Id, c.req.param("venueId"), "venue id");
    if (!venueId.ok) throw venueId.error;
    const query = parseWith(SyncChangesQuery, c.req.query(), "sync query");
    if (!query.ok) throw query.error;
    if (source.venueId !== null && source.venueId !== venueId.value)
      throw new ProximaError("forbidden", `${source.ref} may pull venue ${source.venueId} only`);
    const page = await options.store.changesSince(venueId.value, query.value.cursor, query.value.limit);
    return c.json(page);
  });
  return app;
}
