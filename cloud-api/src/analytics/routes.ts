import {
  CompareQuery,
  CustomerMetricsQuery,
  FootfallRangeQuery,
  ProximaError,
  parseWith,
  Venue,
  VenueRangeQuery,
} from "@proxima/shared";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { type AuthEnv, type AuthOptions, assertVenue, canReadVenue, requireUser } from "../auth/routes.js";
import { readJsonBody } from "../server/json-body.js";
import type { Analytics } from "./service.js";

const READERS = ["admin", "manager", "marketer"] as const;
const LIVE_READERS = ["admin", "manager", "marketer", "technician"] as const;

function query<S extends Parameters<typeof parseWith>[0]>(schema: S, input: unknown, what: string) {
  const parsed = parseWith(schema, input, what);
  if (!parsed.ok) throw parsed.error;
  return parsed.value as ReturnType<S["parse"]>;
}

/** Analytics, venue and live-occupancy routes; every one behind a session, venues checked per user. */
export function mountAnalyticsRoutes(app: Hono, analytics: Analytics, auth: AuthOptions): void {
  const r = app as unknown as Hono<AuthEnv>;
  const readers = requireUser(auth, READERS);
  const live = requireUser(auth, LIVE_READERS);

  r.get("/v1/venues", live, (c) => {
    const user = c.get("user");
    const venues = analytics.venues
      .list()
      .filter((v) => canReadVenue(user, v.venue.venueId))
      .map((v) => ({ venueId: v.venue.venueId, name: v.venue.name, timeZone: v.timeZone }));
    return c.json({ venues });
  });

  r.get("/v1/venues/:venueId", live, (c) => {
    const venueId = c.req.param("venueId");
    assertVenue(c.get("user"), venueId);
    const stored = analytics.venues.get(venueId);
    if (!stored)
      throw new ProximaError("not_found", `no venue "${venueId}"; register it with proxima-cloud venue add`);
    return c.json(stored);
  });

  r.put("/v1/venues/:venueId", requireUser(auth, ["admin"]), async (c) => {
    const venue = await readJsonBody(c.req.raw, Venue, "venue file");
    if (venue.venueId !== c.req.param("venueId"))
      throw new ProximaError("bad_request", `venueId in the body (${venue.venueId}) differs from the URL`);
    return c.json(await analytics.venues.put(venue, analytics.clock.now()));
  });

  r.get("/v1/analytics/footfall", readers, async (c) => {
    const q = query(FootfallRangeQuery, c.req.query(), "footfall query");
    assertVenue(c.get("user"), q.venueId);
    const bytes =
      q.format === "columns"
        ? await analytics.queries.footfallColumnsBytes(q)
        : await analytics.queries.footfallBytes(q);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/json" });
  });

  r.get("/v1/analytics/heatmap", readers, async (c) => {
    const q = query(VenueRangeQuery, c.req.query(), "heatmap query");
    assertVenue(c.get("user"), q.venueId);
    return c.json(await analytics.queries.heatmap(q.venueId, q.from, q.to));
  });

  r.get("/v1/analytics/funnel", readers, async (c) => {
    const q = query(VenueRangeQuery, c.req.query(), "funnel query");
    assertVenue(c.get("user"), q.venueId);
    return c.json(await analytics.queries.funnel(q.venueId, q.from, q.to));
  });

  r.get("/v1/analytics/compare", readers, async (c) => {
    const q = query(CompareQuery, c.req.query(), "comparison query");
    const user = c.get("user");
    const venueIds = analytics.venues
      .list()
      .map((v) => v.venue.venueId)
      .filter((id) => canReadVenue(user, id));
    return c.json(await analytics.queries.compare(venueIds, q.from, q.to));
  });

  r.get("/v1/analytics/customers", readers, async (c) => {
    const q = query(CustomerMetricsQuery, c.req.query(), "customer metrics query");
    const user = c.get("user");
    if (q.venueId) assertVenue(user, q.venueId);
    else if (user.venues !== null)
      throw new ProximaError(
        "forbidden",
        "figures across all venues need an admin or marketer; pick one of your venues",
      );
    return c.json(await analytics.queries.customerMetrics(q.venueId, q.from, q.to, analytics.clock.now()));
  });

  r.get("/v1/analytics/occupancy", live, async (c) => {
    const venueId = c.req.query("venueId") ?? "";
    assertVenue(c.get("user"), venueId);
    return c.json(await analytics.queries.occupancy(venueId, analytics.clock.now()));
  });

  /**
   * Live occupancy as Server-Sent Events (`event: occupancy`, data = OccupancySnapshot):
   * a snapshot at once, then one within ~100 ms of each presence change this instance
   * ingests, and a 1 s poll so changes ingested by other instances or processes show too.
   */
  r.get("/v1/analytics/occupancy/stream", live, (c) => {
    const venueId = c.req.query("venueId") ?? "";
    assertVenue(c.get("user"), venueId);
    return streamSSE(c, async (stream) => {
      let last = "";
      let pending: ReturnType<typeof setTimeout> | undefined;
      let closed = false;
      const send = async () => {
        pending = undefined;
        if (closed) return;
        const snapshot = await analytics.queries.occupancy(venueId, analytics.clock.now());
        const data = JSON.stringify(snapshot);
        const key = JSON.stringify({ ...snapshot, ts: 0 });
        if (key === last) return;
        last = key;
        await stream.writeSSE({ event: "occupancy", data });
      };
      const onChange = (changed: string) => {
        if (changed === venueId && !pending)
          pending = setTimeout(() => void send().catch(() => undefined), 100);
      };
      analytics.changes.on("venue", onChange);
      // Changes ingested elsewhere (other instances on PostgreSQL, another process on the
      // same SQLite file) raise no event here: a 1 s poll sends them (only when changed).
      const poll = setInterval(() => void send().catch(() => undefined), 1000);
      const heartbeat = setInterval(
        () => void stream.writeSSE({ event: "ping", data: "" }).catch(() => undefined),
        15_000,
      );
      stream.onAbort(() => {
        closed = true;
        analytics.changes.off("venue", onChange);
        clearInterval(heartbeat);
        clearInterval(poll);
        if (pending) clearTimeout(pending);
      });
      await send();
      while (!closed) await stream.sleep(60_000);
    });
  });
}
