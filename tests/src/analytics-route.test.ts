/**
 * `GET /v1/analytics/footfall` through the real Hono app on a real SQLite file, in both
 * answer formats: `format=columns` carries exactly the figures of the default row answer
 * (the 23-hour spring DST day included), is refused like the rows for another manager's
 * venue, and an unknown format is a 400 naming the field.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type DashboardBackend, openDashboardBackend } from "@proxima/cloud-api";
import {
  type EventEnvelope,
  FootfallColumnsResponse,
  FootfallRangeResponse,
  footfallFromColumns,
  ManualClock,
  newId,
  type Venue,
} from "@proxima/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "proxima-footfall-route-"));
const clock = new ManualClock(Date.parse("2026-04-01T12:00:00Z"));
const PASSWORD = "correct horse battery";
let backend: DashboardBackend;
let app: ReturnType<typeof createApp>["app"];

const venue = (venueId: string): Venue => ({
  venueId,
  name: venueId,
  timeZone: "Europe/Berlin",
  scanners: [{ id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } }],
  zones: [
    { id: "entrance", name: "Entrance", kind: "entrance" },
    { id: "drinks", name: "Drinks", kind: "area" },
  ],
});

function visit(venueId: string, who: string, zone: string, iso: string, dwellMs: number): EventEnvelope[] {
  const enter = Date.parse(iso);
  const base = {
    venueId,
    source: { kind: "gateway" as const, id: "gw-a" },
    identity: { type: "subject" as const, value: `ibeacon:00000000-0000-4000-8000-000000000001:1:${who}` },
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

async function session(email: string): Promise<string> {
  const res = await app.request("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

beforeAll(async () => {
  backend = await openDashboardBackend({ databaseUrl: join(dir, "cloud.sqlite"), clock, dashboardDir: dir });
  ({ app } = createApp({ dashboard: backend }));
  await backend.analytics.venues.put(venue("store-042"), clock.now());
  await backend.analytics.venues.put(venue("store-017"), clock.now());
  await backend.users.add(
    { email: "ada@example.com", name: "Ada", role: "admin", password: PASSWORD },
    clock.now(),
  );
  await backend.users.add(
    { email: "mia@example.com", name: "Mia", role: "manager", password: PASSWORD, venues: ["store-042"] },
    clock.now(),
  );
  await backend.analytics.project([
    // Sunday 2026-03-29 (23 hours in Berlin); one visit spans local midnight before it
    ...visit("store-042", "A", "drinks", "2026-03-28T22:50:00Z", 20 * 60_000),
    ...visit("store-042", "A", "drinks", "2026-03-29T01:05:00Z", 3 * 60_000),
    ...visit("store-042", "B", "drinks", "2026-03-29T01:20:00Z", 30 * 60_000),
    ...visit("store-042", "B", "entrance", "2026-03-29T01:00:00Z", 60_000),
    ...visit("store-017", "C", "drinks", "2026-03-29T10:00:00Z", 60_000),
  ]);
});

afterAll(async () => {
  await backend.sql.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /v1/analytics/footfall formats", () => {
  const range = `from=${Date.parse("2026-03-28T20:00:00Z")}&to=${Date.parse("2026-03-29T22:00:00Z")}`;

  it("answers format=columns with the same figures as the default rows, every bucket", async () => {
    const cookie = await session("ada@example.com");
    for (const bucket of ["hour", "day", "week"]) {
      const path = `/v1/analytics/footfall?venueId=store-042&${range}&bucket=${bucket}`;
      const rowsRes = await app.request(path, { headers: { cookie } });
      const colsRes = await app.request(`${path}&format=columns`, { headers: { cookie } });
      expect(rowsRes.status).toBe(200);
      expect(colsRes.status).toBe(200);
      expect(colsRes.headers.get("content-type")).toContain("application/json");
      const rows = FootfallRangeResponse.parse(await rowsRes.json());
      const cols = FootfallColumnsResponse.parse(await colsRes.json());
      expect(footfallFromColumns(cols)).toEqual(rows);
      const explicit = await app.request(`${path}&format=rows`, { headers: { cookie } });
      expect(await explicit.json()).toEqual(rows);
    }
    const hourly = FootfallColumnsResponse.parse(
      await (
        await app.request(`/v1/analytics/footfall?venueId=store-042&${range}&bucket=hour&format=columns`, {
          headers: { cookie },
        })
      ).json(),
    );
    expect(hourly.starts).toHaveLength(26);
    const drinks = hourly.zones.find((z) => z.zone === "drinks")!;
    const at = (iso: string) => hourly.starts.indexOf(Date.parse(iso));
    // the visit across local midnight counts in the hour (and day) it began
    expect(drinks.visits[at("2026-03-28T22:00:00Z")]).toBe(1);
    expect(drinks.visits[at("2026-03-28T23:00:00Z")]).toBe(0);
    expect(drinks.visits[at("2026-03-29T01:00:00Z")]).toBe(2);
    expect(drinks.visitors[at("2026-03-29T01:00:00Z")]).toBe(2);
    expect(drinks.dwellP50Ms[at("2026-03-29T05:00:00Z")]).toBeNull();
    expect(hourly.venue.visitors[at("2026-03-29T01:00:00Z")]).toBe(2);
  });

  it("refuses another manager's venue and an unknown format", async () => {
    const mia = await session("mia@example.com");
    const other = await app.request(`/v1/analytics/footfall?venueId=store-017&${range}&format=columns`, {
      headers: { cookie: mia },
    });
    expect(other.status).toBe(403);
    const bad = await app.request(`/v1/analytics/footfall?venueId=store-042&${range}&format=csv`, {
      headers: { cookie: mia },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain("format");
  });
});
