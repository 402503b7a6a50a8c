/**
 * Analytics read path. footfallP99Ms: a 90-day hourly footfall query over 100 zones
 * (the `GET /v1/analytics/footfall` work: rollup read + the response's JSON text) on rollups built
 * from 10,000,000+ generated presence events (5M+ visits, each an enter and an exit), on
 * SQLite and PostgreSQL. The rollups are built once and cached (.proxima/bench-analytics
 * and the PostgreSQL database proxima_bench_analytics); reruns only query.
 * dashboardLoadMs: navigation start to the footfall view painted (chart + tables) in
 * Chromium, signed in, against an in-process cloud on a 14-day demo history.
 * liveOccupancy*Ms: a presence change folded into analytics → the zone's count changed
 * on the live view's screen (Server-Sent Events).
 * footfallP99Ms is the same range asked again (the dashboard's case): one version query
 * per request proves no row changed and the kept answer goes out. Also reported: a row
 * changed before each query (a live venue: the answer is rebuilt from rows cached in
 * memory plus the changed one), and the cold first query (everything from the database). Baseline in the same run: JSON.parse of the same response (what a
 * client pays just to read it), so figures taken under outside load can be compared.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  Analytics,
  createApp,
  demoVenues,
  listen,
  openDashboardBackend,
  seedHistory,
  VisitRollup,
  writeVisitRollup,
} from "@proxima/cloud-api";
import { DAY_MS, ManualClock, newId, systemClock, type Venue } from "@proxima/shared";
import pg from "pg";
import { launchBrowser } from "../harness/browser.js";
import { repoRoot } from "../harness/paths.js";
import { ADMIN_URL } from "../harness/postgres.js";
import { benchOptions, percentile, report } from "./report.js";

const options = benchOptions();
const ZONES = 100;
const DAYS = 90;
const VISITS_PER_DAY = 56_000; // × 90 days = 5.04M visits = 10.08M presence events
const SUBJECTS = 40_000;
const VERSION = 3;
const END = Date.UTC(2026, 10, 1); // fixed, so the cache stays valid
const START = END - DAYS * DAY_MS;
const cacheDir = join(repoRoot, ".proxima", "bench-analytics");
const sqlitePath = join(cacheDir, `rollups-v${VERSION}.sqlite`);
const PG_DB = `proxima_bench_analytics_v${VERSION}`;

const venue: Venue = {
  venueId: "bench-venue",
  name: "Benchmark hall",
  timeZone: "Europe/Berlin",
  scanners: Array.from({ length: ZONES }, (_, i) => ({
    id: `s-${i}`,
    zone: `z-${i}`,
    position: { x: (i % 10) * 5, y: Math.floor(i / 10) * 5 },
  })),
  zones: Array.from({ length: ZONES }, (_, i) => ({
    id: `z-${i}`,
    name: `Zone ${i}`,
    kind: i === 0 ? "entrance" : "area",
  })),
};

function pgUrl(db: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

async function built(analytics: Analytics): Promise<boolean> {
  await analytics.sql.exec("CREATE TABLE IF NOT EXISTS bench_marker (events BIGINT NOT NULL)");
  const rows = await analytics.sql.all<{ events: number }>("SELECT events FROM bench_marker");
  return rows.length > 0;
}

/** Generates the visits day by day and writes the day's rollup rows to every target. */
async function build(targets: Analytics[]): Promise<number> {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let events = 0;
  for (let d = 0; d < DAYS; d++) {
    const rollup = new VisitRollup(() => "Europe/Berlin");
    const dayStart = START + d * DAY_MS;
    for (let i = 0; i < VISITS_PER_DAY; i++) {
      const enterTs = dayStart + Math.floor(rand() * DAY_MS);
      rollup.add({
        venueId: venue.venueId,
        zone: `z-${Math.floor(rand() * rand() * ZONES)}`,
        subject: `ibeacon:bench:${Math.floor(rand() * SUBJECTS)}`,
        enterTs,
        dwellMs: 5_000 + Math.floor(rand() * rand() * 1_800_000),
      });
    }
    events += 2 * VISITS_PER_DAY;
    // Days are built in order and each local day's subjects are all in memory at once,
    // except across the two UTC days a Berlin day touches: keep dedup within the batch.
    rollup.countVisitors(new Map());
    for (const t of targets)
      await t.sql.transaction((tx) => writeVisitRollup(tx, rollup, new Map(), { subjects: false }));
    if (d % 15 === 14)
      console.log(`  built ${d + 1}/${DAYS} days (${events.toLocaleString("en-US")} presence events)`);
  }
  for (const t of targets) await t.sql.run("INSERT INTO bench_marker (events) VALUES ($1)", [events]);
  return events;
}

async function openTargets(): Promise<{ sqlite: Analytics; postgres: Analytics }> {
  mkdirSync(cacheDir, { recursive: true });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await admin.connect();
  } catch (cause) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${(cause as Error).message}); start it (.ci/run does)`,
    );
  }
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [PG_DB]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${PG_DB}"`);
  // earlier cache versions (another rollup layout) are rebuilt, not kept
  for (let v = 1; v < VERSION; v++) {
    await admin.query(`DROP DATABASE IF EXISTS "proxima_bench_analytics_v${v}"`);
    rmSync(join(cacheDir, `rollups-v${v}.sqlite`), { force: true });
  }
  await admin.end();
  const clock = new ManualClock(END);
  const sqlite = await Analytics.openUrl(sqlitePath, clock);
  const postgres = await Analytics.openUrl(pgUrl(PG_DB), clock);
  return { sqlite, postgres };
}

interface FootfallFigures {
  p50: number;
  p99: number;
  changedP50: number;
  changedP99: number;
  bytes: number;
  parseMs: number;
  coldMs: number;
}

async function measureFootfall(analytics: Analytics, runs: number): Promise<FootfallFigures> {
  const q = { venueId: venue.venueId, from: START, to: END, bucket: "hour" as const };
  const c0 = performance.now();
  let bytes = await analytics.queries.footfallBytes(q);
  const coldMs = performance.now() - c0;
  for (let i = 0; i < 2; i++) bytes = await analytics.queries.footfallBytes(q);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    bytes = await analytics.queries.footfallBytes(q);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  // A live venue: one row (the last day of a zone) changes before every query, so the
  // answer is rebuilt from the cached rows plus the changed one.
  const changed: number[] = [];
  for (let i = 0; i < Math.ceil(runs / 2); i++) {
    await analytics.sql.run(
      "UPDATE analytics_zone_hours SET version = version + 1 WHERE venue_id = $1 AND zone = $2 AND day_start = $3",
      [venue.venueId, `z-${i % ZONES}`, END - DAY_MS],
    );
    const t0 = performance.now();
    bytes = await analytics.queries.footfallBytes(q);
    changed.push(performance.now() - t0);
  }
  changed.sort((a, b) => a - b);
  const body = Buffer.from(bytes).toString("utf8");
  const parsed = JSON.parse(body) as { zones: { buckets: unknown[] }[] };
  if (parsed.zones.length !== ZONES || parsed.zones[0]!.buckets.length !== DAYS * 24)
    throw new Error(
      `unexpected response shape: ${parsed.zones.length} zones × ${parsed.zones[0]?.buckets.length} buckets`,
    );
  const p0 = performance.now();
  for (let i = 0; i < 5; i++) JSON.parse(body);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    changedP50: percentile(changed, 50),
    changedP99: percentile(changed, 99),
    bytes: bytes.length,
    parseMs: (performance.now() - p0) / 5,
    coldMs,
  };
}

async function measureDashboard(): Promise<{
  loadMs: number;
  fcpMs: number;
  liveP50Ms: number;
  liveMaxMs: number;
}> {
  const dist = join(repoRoot, "dashboard", "dist", "index.html");
  if (!existsSync(dist)) throw new Error("dashboard is not built: pnpm --filter @proxima/dashboard build");
  const dir = join(cacheDir, "dashboard");
  rmSync(dir, { recursive: true, force: true });
  const backend = await openDashboardBackend({ databaseUrl: join(dir, "cloud.sqlite"), clock: systemClock });
  await seedHistory({
    analytics: backend.analytics,
    venues: demoVenues(join(repoRoot, "edge-gateway", "examples", "venue.json")),
    days: 14,
  });
  await backend.users.add(
    { email: "bench@example.com", name: "Bench", role: "admin", password: "bench-password" },
    Date.now(),
  );
  const { app } = createApp({ dashboard: backend });
  const server = await listen(app, 0);
  const browser = await launchBrowser();
  try {
    const loads: number[] = [];
    const fcps: number[] = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      const login = await context.request.post(`${server.url}/v1/auth/login`, {
        data: { email: "bench@example.com", password: "bench-password" },
      });
      if (!login.ok()) throw new Error(`bench sign-in failed: ${login.status()}`);
      const page = await context.newPage();
      await page.goto(`${server.url}/#/footfall/store-042?preset=last-7-days`);
      await page.locator(".chart canvas").waitFor();
      await page.getByRole("heading", { name: "Footfall per zone and hour" }).waitFor();
      const ms = await page.evaluate(() => performance.now());
      const fcp = await page.evaluate(
        () =>
          performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ??
          -1,
      );
      loads.push(ms);
      fcps.push(fcp);
      await context.close();
    }
    loads.sort((a, b) => a - b);
    fcps.sort((a, b) => a - b);

    // Live occupancy: a presence change folded in by the cloud → the number on screen.
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await context.request.post(`${server.url}/v1/auth/login`, {
      data: { email: "bench@example.com", password: "bench-password" },
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/#/live/store-042`);
    await page.locator(".kpi-value.status-live").waitFor();
    const live: number[] = [];
    for (let i = 0; i < 10; i++) {
      const before = Number(await page.getByTestId("occupancy-kiosk-2").textContent());
      const now = Date.now();
      const t0 = performance.now();
      await backend.analytics.project([
        {
          id: newId(now),
          ts: now,
          venueId: "store-042",
          source: { kind: "gateway", id: "gw-a" },
          type: "presence.enter",
          identity: { type: "subject", value: `ibeacon:bench0000-0000-4000-8000-000000000000:1:${i}` },
          data: { zone: "kiosk-2" },
        },
      ]);
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="occupancy-kiosk-2"]')?.textContent) === n,
        before + 1,
        { timeout: 5000 },
      );
      live.push(performance.now() - t0);
    }
    live.sort((a, b) => a - b);
    await context.close();
    return {
      loadMs: percentile(loads, 50),
      fcpMs: percentile(fcps, 50),
      liveP50Ms: percentile(live, 50),
      liveMaxMs: live.at(-1)!,
    };
  } finally {
    await browser.close();
    await server.close();
    await backend.sql.close();
  }
}

const { sqlite, postgres } = await openTargets();
await sqlite.venues.put(venue, END);
await postgres.venues.put(venue, END);
const fresh = [sqlite, postgres];
const needed = [];
for (const t of fresh) if (!(await built(t))) needed.push(t);
let buildMs = 0;
if (needed.length > 0) {
  console.log(
    `building rollups from ${(2 * DAYS * VISITS_PER_DAY).toLocaleString("en-US")} presence events (cached afterwards)…`,
  );
  const t0 = performance.now();
  await build(needed);
  buildMs = performance.now() - t0;
}
const events = Number(
  (await sqlite.sql.all<{ events: number }>("SELECT events FROM bench_marker"))[0]!.events,
);
const onSqlite = await measureFootfall(sqlite, 40);
const onPostgres = await measureFootfall(postgres, 40);
await sqlite.sql.close();
await postgres.sql.close();
const dashboard = await measureDashboard();

report(
  "analytics: 90-day hourly footfall over 100 zones; dashboard load",
  {
    presenceEvents: events,
    zones: ZONES,
    buckets: ZONES * DAYS * 24,
    responseBytes: onSqlite.bytes,
    footfallP99Ms: Number(Math.max(onSqlite.p99, onPostgres.p99).toFixed(1)),
    footfallSqliteP50Ms: Number(onSqlite.p50.toFixed(1)),
    footfallSqliteP99Ms: Number(onSqlite.p99.toFixed(1)),
    footfallPostgresP50Ms: Number(onPostgres.p50.toFixed(1)),
    footfallPostgresP99Ms: Number(onPostgres.p99.toFixed(1)),
    footfallSqliteRowChangedP50Ms: Number(onSqlite.changedP50.toFixed(1)),
    footfallSqliteRowChangedP99Ms: Number(onSqlite.changedP99.toFixed(1)),
    footfallPostgresRowChangedP50Ms: Number(onPostgres.changedP50.toFixed(1)),
    footfallPostgresRowChangedP99Ms: Number(onPostgres.changedP99.toFixed(1)),
    footfallSqliteColdMs: Number(onSqlite.coldMs.toFixed(1)),
    footfallPostgresColdMs: Number(onPostgres.coldMs.toFixed(1)),
    jsonParseSameBodyMs: Number(onSqlite.parseMs.toFixed(1)),
    dashboardLoadMs: Math.round(dashboard.loadMs),
    dashboardFirstContentfulPaintMs: Math.round(dashboard.fcpMs),
    liveOccupancyP50Ms: Math.round(dashboard.liveP50Ms),
    liveOccupancyMaxMs: Math.round(dashboard.liveMaxMs),
    rollupBuildMs: Math.round(buildMs),
  },
  options,
);
