/**
 * Analytics correctness against hand-computed fixtures on both storage adapters:
 * daylight-saving days (23 and 25 hours in Europe/Berlin), visits spanning midnight,
 * unique visitors across batches, dwell percentiles from the mergeable sketch, the
 * heatmap, the funnel and customer metrics.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Analytics, analyticsProjection } from "@proxima/cloud-api";
import {
  type EventEnvelope,
  FootfallColumnsResponse,
  footfallFromColumns,
  footfallToColumns,
  ManualClock,
  newId,
  type Venue,
} from "@proxima/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempDatabase, type TempDatabase } from "../harness/index.js";

const MIN = 60_000;
const venue: Venue = {
  venueId: "store-042",
  name: "Downtown",
  timeZone: "Europe/Berlin",
  scanners: [{ id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } }],
  zones: [
    { id: "entrance", name: "Entrance", kind: "entrance" },
    { id: "drinks", name: "Drinks aisle", kind: "area" },
    { id: "kiosk-1", name: "Kiosk 1", kind: "kiosk", kioskId: "kiosk-1" },
  ],
};

const at = (iso: string) => Date.parse(iso);
const subject = (s: string) => ({
  type: "subject" as const,
  value: `ibeacon:00000000-0000-4000-8000-000000000001:1:${s}`,
});

/** A whole visit: enter at `enterIso` (UTC), exit after `dwellMs`. */
function visit(s: string, zone: string, enterIso: string, dwellMs: number): EventEnvelope[] {
  const enter = at(enterIso);
  const base = {
    venueId: venue.venueId,
    source: { kind: "gateway" as const, id: "gw-a" },
    identity: subject(s),
  };
  return [
    { ...base, id: newId(enter), ts: enter, type: "presence.enter", data: { zone } },
    {
      ...base,
      id: newId(enter + dwellMs),
      ts: enter + dwellMs,
      type: "presence.exit",
      data: { zone, dwellMs },
    },
  ];
}

function kiosk(
  type: EventEnvelope["type"],
  loyalty: string,
  iso: string,
  data: Record<string, unknown>,
): EventEnvelope {
  return {
    id: newId(at(iso)),
    ts: at(iso),
    venueId: venue.venueId,
    source: { kind: type === "purchase.completed" ? "pos" : "kiosk", id: "kiosk-1" },
    type,
    identity: { type: "loyalty", value: loyalty },
    data,
  };
}

// 2026-03-29, Europe/Berlin: clocks jump 02:00 → 03:00 (a 23-hour day starting 2026-03-28T23:00Z).
const SPRING_DAY_START = at("2026-03-28T23:00:00Z");
const SPRING_NEXT_DAY = at("2026-03-29T22:00:00Z");
const batch1 = [
  ...visit("A", "entrance", "2026-03-28T23:30:00Z", 1 * MIN), // 00:30 local
  ...visit("A", "drinks", "2026-03-29T01:10:00Z", 10 * MIN), // 03:10 CEST
  ...visit("B", "drinks", "2026-03-29T01:40:00Z", 20 * MIN),
  ...visit("A", "kiosk-1", "2026-03-29T01:22:00Z", 2 * MIN),
  kiosk("pour.completed", "L1", "2026-03-29T01:23:00Z", { productId: "cola", ml: 400 }),
  kiosk("feedback.submitted", "L1", "2026-03-29T01:23:30Z", { rating: 4 }),
  kiosk("purchase.completed", "L1", "2026-03-29T01:30:00Z", { amount: 10, currency: "EUR" }),
  kiosk("purchase.completed", "L2", "2026-02-10T12:00:00Z", { amount: 5, currency: "EUR" }),
  kiosk("feedback.submitted", "L2", "2026-02-10T12:01:00Z", { rating: 2 }),
];
const batch2 = [
  ...visit("A", "drinks", "2026-03-29T01:55:00Z", 5 * MIN), // same hour, same subject: a visit, not a visitor
  ...visit("C", "drinks", "2026-03-29T21:50:00Z", 30 * MIN), // 23:50 local, exits 00:20 the next day
  kiosk("purchase.completed", "L2", "2026-03-29T10:00:00Z", { amount: 7, currency: "EUR" }),
];
// 2026-10-25: clocks fall back 03:00 → 02:00 (a 25-hour day starting 2026-10-24T22:00Z).
const FALL_DAY_START = at("2026-10-24T22:00:00Z");
const FALL_NEXT_DAY = at("2026-10-25T23:00:00Z");
const batch3 = [
  ...visit("D", "drinks", "2026-10-25T00:30:00Z", 4 * MIN), // 02:30 CEST
  ...visit("E", "drinks", "2026-10-25T01:30:00Z", 4 * MIN), // 02:30 CET, the repeated hour
  ...visit("D", "drinks", "2026-10-25T22:30:00Z", 4 * MIN), // 23:30 local, same day
];

/** The sketch answers within one bucket (±12 %) of the exact nearest-rank value. */
const near = (actual: number | null, exact: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact) / exact).toBeLessThanOrEqual(0.125);
};

for (const adapter of ["sqlite", "postgres"] as const) {
  describe(`analytics rollups on ${adapter}`, () => {
    let analytics: Analytics;
    let temp: TempDatabase | undefined;
    let dir: string | undefined;

    beforeAll(async () => {
      let url: string;
      if (adapter === "postgres") {
        temp = await createTempDatabase("proxima_analytics");
        url = temp.url;
      } else {
        dir = mkdtempSync(join(tmpdir(), "proxima-analytics-"));
        url = join(dir, "cloud.sqlite");
      }
      analytics = await Analytics.openUrl(url, new ManualClock(at("2026-04-01T00:00:00Z")));
      await analytics.venues.put(venue, 0);
      await analytics.project(batch1);
      await analytics.project(batch2);
      await analytics.project(batch3);
    });

    afterAll(async () => {
      await analytics?.sql.close();
      await temp?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("counts the 23-hour spring day per venue-local day, a midnight-spanning visit on the day it began", async () => {
      const r = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: SPRING_DAY_START,
        to: SPRING_NEXT_DAY + 24 * 3_600_000,
        bucket: "day",
      });
      expect(r.timeZone).toBe("Europe/Berlin");
      const drinks = r.zones.find((z) => z.zone === "drinks")!;
      expect(drinks.buckets.map((b) => b.start)).toEqual([SPRING_DAY_START, SPRING_NEXT_DAY]);
      expect(drinks.buckets[0]).toMatchObject({ visits: 4, visitors: 3 });
      expect(drinks.buckets[1]).toMatchObject({ visits: 0, visitors: 0, dwellP50Ms: null });
      // dwells 5, 10, 20, 30 min: nearest-rank p50 = 10 min, p90 = 30 min
      near(drinks.buckets[0]!.dwellP50Ms, 10 * MIN);
      near(drinks.buckets[0]!.dwellP90Ms, 30 * MIN);
      expect(r.zones.find((z) => z.zone === "entrance")!.buckets[0]).toMatchObject({
        visits: 1,
        visitors: 1,
      });
      expect(r.venue![0]).toMatchObject({ visits: 6, visitors: 3 });
    });

    it("counts hours as absolute UTC hours with unique subjects per hour across batches", async () => {
      const r = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: SPRING_DAY_START,
        to: SPRING_NEXT_DAY,
        bucket: "hour",
      });
      const drinks = r.zones.find((z) => z.zone === "drinks")!.buckets;
      expect(drinks).toHaveLength(23);
      const byStart = new Map(drinks.map((b) => [b.start, b]));
      expect(byStart.get(at("2026-03-29T01:00:00Z"))).toMatchObject({ visits: 3, visitors: 2 });
      expect(byStart.get(at("2026-03-29T21:00:00Z"))).toMatchObject({ visits: 1, visitors: 1 });
      expect(drinks.reduce((s, b) => s + b.visits, 0)).toBe(4);
      const venueHour = new Map(r.venue!.map((b) => [b.start, b]));
      expect(venueHour.get(at("2026-03-29T01:00:00Z"))).toMatchObject({ visits: 4, visitors: 2 });
    });

    it("answers the endpoint's JSON text exactly as the object form, hourly and daily", async () => {
      for (const bucket of ["hour", "day"] as const) {
        const q = {
          venueId: venue.venueId,
          from: SPRING_DAY_START - 86_400_000,
          to: SPRING_NEXT_DAY,
          bucket,
        };
        expect(JSON.parse(await analytics.queries.footfallBody(q))).toEqual(
          await analytics.queries.footfall(q),
        );
      }
    });

    it("answers format=columns with the same figures as the rows, every bucket and partial ranges", async () => {
      const ranges = [
        [SPRING_DAY_START - 86_400_000, SPRING_NEXT_DAY], // the 23-hour day and the one before
        [FALL_DAY_START, FALL_NEXT_DAY], // the 25-hour day
        [SPRING_DAY_START + 30 * MIN, SPRING_NEXT_DAY - 90 * MIN], // cut mid-hour, mid-day
      ] as const;
      for (const [from, to] of ranges)
        for (const bucket of ["hour", "day", "week"] as const) {
          const q = { venueId: venue.venueId, from, to, bucket };
          const cols = await analytics.queries.footfallColumns(q);
          expect(FootfallColumnsResponse.safeParse(cols).success).toBe(true);
          expect(cols).toEqual(footfallToColumns(await analytics.queries.footfall(q)));
          expect(footfallFromColumns(cols)).toEqual(await analytics.queries.footfall(q));
        }
      const hourly = await analytics.queries.footfallColumns({
        venueId: venue.venueId,
        from: FALL_DAY_START,
        to: FALL_NEXT_DAY,
        bucket: "hour",
      });
      expect(hourly.starts).toHaveLength(25);
      expect(hourly.stepMs).toBe(3_600_000);
      const drinks = hourly.zones.find((z) => z.zone === "drinks")!;
      expect(drinks.visits.slice(2, 4)).toEqual([1, 1]); // both 02:00 hours
    });

    it("reads rows stored before the packed column from their JSON cells", async () => {
      const q = {
        venueId: venue.venueId,
        from: SPRING_DAY_START,
        to: SPRING_NEXT_DAY,
        bucket: "hour" as const,
      };
      const packed = await analytics.queries.footfallColumns(q);
      const saved = await analytics.sql.all<{ zone: string; day_start: number; packed: Buffer }>(
        "SELECT zone, day_start, packed FROM analytics_zone_hours WHERE venue_id = $1",
        [venue.venueId],
      );
      expect(saved.every((r) => r.packed !== null && r.packed.length === 384)).toBe(true);
      // a whole zone, and one day of another (a zone mixing both kinds of rows)
      await analytics.sql.run(
        "UPDATE analytics_zone_hours SET packed = NULL, version = version + 1 WHERE zone = $1 OR (zone = $2 AND day_start = $3)",
        ["drinks", "*", Date.UTC(2026, 2, 29)],
      );
      try {
        expect(await analytics.queries.footfallColumns(q)).toEqual(packed);
      } finally {
        for (const r of saved)
          await analytics.sql.run(
            "UPDATE analytics_zone_hours SET packed = $1, version = version + 1 WHERE venue_id = $2 AND zone = $3 AND day_start = $4",
            [r.packed, venue.venueId, r.zone, r.day_start],
          );
      }
      expect(await analytics.queries.footfallColumns(q)).toEqual(packed);
    });

    it("gives the 25-hour autumn day both 02:00 hours and one day bucket", async () => {
      const hours = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: FALL_DAY_START,
        to: FALL_NEXT_DAY,
        bucket: "hour",
      });
      const drinks = hours.zones.find((z) => z.zone === "drinks")!.buckets;
      expect(drinks).toHaveLength(25);
      expect(drinks[2]).toMatchObject({ start: at("2026-10-25T00:00:00Z"), visits: 1, visitors: 1 });
      expect(drinks[3]).toMatchObject({ start: at("2026-10-25T01:00:00Z"), visits: 1, visitors: 1 });
      const days = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: FALL_DAY_START,
        to: FALL_NEXT_DAY,
        bucket: "day",
      });
      expect(days.zones.find((z) => z.zone === "drinks")!.buckets).toEqual([
        expect.objectContaining({ start: FALL_DAY_START, visits: 3, visitors: 2 }),
      ]);
    });

    it("builds weekly buckets from Monday in local time", async () => {
      const r = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: at("2026-03-22T23:00:00Z"),
        to: at("2026-04-05T22:00:00Z"),
        bucket: "week",
      });
      const drinks = r.zones.find((z) => z.zone === "drinks")!.buckets;
      // Monday 2026-03-23 00:00 CET and Monday 2026-03-30 00:00 CEST
      expect(drinks.map((b) => b.start)).toEqual([at("2026-03-22T23:00:00Z"), at("2026-03-29T22:00:00Z")]);
      expect(drinks[0]).toMatchObject({ visits: 4, visitors: 3 });
      near(drinks[0]!.dwellP90Ms, 30 * MIN);
    });

    it("lays the heatmap out by local weekday and hour; the skipped 02:00 has no sample", async () => {
      const r = await analytics.queries.heatmap(venue.venueId, SPRING_DAY_START, SPRING_NEXT_DAY);
      const cell = (weekday: number, hour: number) =>
        r.cells.find((c) => c.weekday === weekday && c.hour === hour)!;
      expect(cell(6, 3)).toMatchObject({ visitors: 2, visits: 4, samples: 1 }); // Sunday 03:00 CEST
      expect(cell(6, 2).samples).toBe(0);
      expect(cell(6, 0)).toMatchObject({ visitors: 1, samples: 1 });
      expect(r.cells.reduce((s, c) => s + c.samples, 0)).toBe(23);
    });

    it("computes the entrance → zone → kiosk funnel", async () => {
      const r = await analytics.queries.funnel(venue.venueId, SPRING_DAY_START, SPRING_NEXT_DAY);
      expect(r.entranceVisitors).toBe(1);
      expect(r.zones.find((z) => z.zone === "drinks")).toMatchObject({
        visitors: 3,
        fromEntrance: 1,
        entranceRate: 1,
      });
      expect(r.kiosks).toEqual([
        expect.objectContaining({
          kioskId: "kiosk-1",
          zone: "kiosk-1",
          zoneVisitors: 1,
          pours: 1,
          conversion: 1,
        }),
      ]);
    });

    it("computes customer metrics for March with their definitions", async () => {
      const r = await analytics.queries.customerMetrics(
        venue.venueId,
        at("2026-03-10T00:00:00Z"),
        at("2026-03-20T00:00:00Z"),
        at("2026-04-01T00:00:00Z"),
      );
      expect(r.from).toBe(at("2026-02-28T23:00:00Z")); // 1 March, Berlin
      expect(r.metrics.customers.value).toBe(2);
      expect(r.metrics.activeCustomers.value).toBe(2);
      expect(r.metrics.newCustomers.value).toBe(1);
      expect(r.metrics.acquisitionRate.value).toBe(1);
      expect(r.metrics.revenue.value).toBe(17);
      expect(r.metrics.profitability.value).toBe(8.5);
      expect(r.metrics.growthIndex.value).toBeCloseTo(140);
      expect(r.metrics.satisfaction.value).toBe(4);
      for (const m of Object.values(r.metrics)) expect(m.definition.length).toBeGreaterThan(10);
      expect(r.trend).toEqual([
        expect.objectContaining({ month: "2026-03", activeCustomers: 2, newCustomers: 1 }),
      ]);
    });

    it("never answers from a cached row after the row changed", async () => {
      const q = { venueId: venue.venueId, from: FALL_DAY_START, to: FALL_NEXT_DAY, bucket: "hour" as const };
      const before = JSON.parse(await analytics.queries.footfallBody(q)) as typeof after;
      const bytesBefore = JSON.parse(Buffer.from(await analytics.queries.footfallBytes(q)).toString("utf8"));
      expect(bytesBefore).toEqual(before);
      expect(await analytics.queries.footfallColumns(q)).toEqual(footfallToColumns(before));
      await analytics.project(visit("G", "drinks", "2026-10-25T05:10:00Z", 3 * MIN));
      const after = JSON.parse(await analytics.queries.footfallBody(q)) as Awaited<
        ReturnType<typeof analytics.queries.footfall>
      >;
      expect(after).toEqual(await analytics.queries.footfall(q));
      // the kept answer is not reused once a row it was built from changed
      expect(JSON.parse(Buffer.from(await analytics.queries.footfallBytes(q)).toString("utf8"))).toEqual(
        after,
      );
      const at5 = (r: typeof after) =>
        r.zones
          .find((z) => z.zone === "drinks")!
          .buckets.find((b) => b.start === at("2026-10-25T05:00:00Z"))!;
      expect(await analytics.queries.footfallColumns(q)).toEqual(footfallToColumns(after));
      expect(at5(before).visits).toBe(0);
      expect(at5(after)).toMatchObject({ visits: 1, visitors: 1 });
    });

    it("tracks who is where now for live occupancy", async () => {
      const now = at("2026-10-25T22:32:00Z");
      await analytics.project([
        {
          id: newId(now),
          ts: now,
          venueId: venue.venueId,
          source: { kind: "gateway", id: "gw-a" },
          type: "presence.enter",
          identity: subject("F"),
          data: { zone: "kiosk-1" },
        },
      ]);
      const snapshot = await analytics.queries.occupancy(venue.venueId, now + 1000);
      expect(snapshot.zones.find((z) => z.zone === "kiosk-1")!.count).toBe(1);
      expect(snapshot.total).toBe(1);
      // a batch folding several moves of one subject, then an exit for a zone it already left
      const h = subject("H");
      const base = { venueId: venue.venueId, source: { kind: "gateway" as const, id: "gw-a" }, identity: h };
      await analytics.project([
        { ...base, id: newId(now), ts: now, type: "presence.enter", data: { zone: "entrance" } },
        {
          ...base,
          id: newId(now + 10),
          ts: now + 10,
          type: "presence.exit",
          data: { zone: "entrance", dwellMs: 10 },
        },
        { ...base, id: newId(now + 20), ts: now + 20, type: "presence.enter", data: { zone: "drinks" } },
      ]);
      await analytics.project([
        {
          ...base,
          id: newId(now + 30),
          ts: now + 30,
          type: "presence.exit",
          data: { zone: "entrance", dwellMs: 10 },
        },
      ]);
      const moved = await analytics.queries.occupancy(venue.venueId, now + 1000);
      expect(moved.zones.find((z) => z.zone === "drinks")!.count).toBe(1);
      expect(moved.zones.find((z) => z.zone === "entrance")!.count).toBe(0);
      await analytics.project([
        {
          ...base,
          id: newId(now + 40),
          ts: now + 40,
          type: "presence.exit",
          data: { zone: "drinks", dwellMs: 20 },
        },
      ]);
      expect((await analytics.queries.occupancy(venue.venueId, now + 1000)).total).toBe(1);
      // four hours later the lost exit no longer counts as someone still there
      expect((await analytics.queries.occupancy(venue.venueId, now + 5 * 3_600_000)).total).toBe(0);
    });

    it("erases what names a person and keeps the aggregates", async () => {
      const subjectKey = `subject:${subject("A").value}`;
      const projection = analyticsProjection(analytics);
      await analytics.sql.transaction((tx) =>
        projection.erase!(tx, { profileId: "p-erased", identityKeys: [subjectKey, "loyalty:L1"] }),
      );
      const left = async (sql: string, key: string) =>
        Number((await analytics.sql.all<{ n: number }>(sql, [key]))[0]!.n);
      expect(
        await left("SELECT COUNT(*) AS n FROM analytics_subject_day WHERE subject = $1", subjectKey),
      ).toBe(0);
      expect(
        await left("SELECT COUNT(*) AS n FROM analytics_customer WHERE customer = $1", "loyalty:L1"),
      ).toBe(0);
      expect(
        await left("SELECT COUNT(*) AS n FROM analytics_customer_month WHERE customer = $1", "loyalty:L1"),
      ).toBe(0);
      const r = await analytics.queries.footfall({
        venueId: venue.venueId,
        from: SPRING_DAY_START,
        to: SPRING_NEXT_DAY,
        bucket: "day",
      });
      expect(r.zones.find((z) => z.zone === "drinks")!.buckets[0]).toMatchObject({ visits: 4, visitors: 3 });
    });
  });
}
