/**
 * Analytics read path. footfallP99Ms: p99 of cold 90-day hourly footfall queries over 100
 * zones through `GET /v1/analytics/footfall?format=columns` (the dashboard's request:
 * session check, query validation, rollup read, the answer's bytes read back), on rollups
 * built from 10,000,000+ generated presence events (5M+ visits, each an enter and an
 * exit), on SQLite and PostgreSQL. Cold means every query is one the answer cache has
 * never seen (a different 90-day window each time), so rows come from the database.
 * Reported beside it: the same window asked again (footfallCachedP99Ms: one version query
 * proves no row changed and the kept answer goes out), the contract's default row format
 * cold (footfallRows*), and as a baseline from the same run JSON.parse of each answer (what
 * a client pays just to read it), so figures taken under outside load can be compared.
 * The rollups are built once and cached (.proxima/bench-analytics and the PostgreSQL
 * database proxima_bench_analytics_vN); reruns only query.
 * dashboardLoadMs: navigation start to the footfall view painted (chart + tables) in
 * Chromium, signed in, against an in-process cloud on a 14-day demo history.
 * liveOccupancy*Ms: a presence change folded into analytics → the zone's count changed
 * on the live view's screen (Server-Sent Events).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  type Analytics,
  createApp,
  type DashboardBackend,
  demoVenues,
  listen,
  openDashboardBackend,
  seedHistory,
  VisitRollup,
  writeVisitRollup,
} from "@proxima/cloud-api";
import {
  DAY_MS,
  type FootfallColumnsResponse,
  ManualClock,
  newId,
  ProximaError,
  systemClock,
  type Venue,
} from "@proxima/shared";
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
const VERSION = 4; // 4: hourly rows carry the packed int32 cells
const RUNS = 100; // cold queries per adapter
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

async function openTargets(): Promise<{ sqlite: DashboardBackend; postgres: DashboardBackend }> {
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
  const sqlite = await openDashboardBackend({ databaseUrl: sqlitePath, clock });
  const postgres = await openDashboardBackend({ databaseUrl: pgUrl(PG_DB), clock });
  return { sqlite, postgres };
}

const HOUR_MS = 3_600_000;

interface FootfallFigures {
  coldP50: number;
  coldP99: number;
  cachedP50: number;
  cachedP99: number;
  rowsColdP50: number;
  rowsColdP99: number;
  bytes: number;
  rowsBytes: number;
  parseMs: number;
  rowsParseMs: number;
}

type App = ReturnType<typeof createApp>["app"];

/** Signs the bench user in through the real route and answers the session cookie. */
async function signIn(app: App, backend: DashboardBackend): Promise<string> {
  const email = "bench-footfall@example.com";
  const password = "bench-password";
  await backend.users.add({ email, name: "Bench", role: "admin", password }, END).catch((e: unknown) => {
    // cached database from an earlier run: the user is already there
    if (!(e instanceof ProximaError && e.code === "conflict")) throw e;
  });
  const res = await app.request("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`bench sign-in failed: ${res.status} ${await res.text()}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/**
 * `GET /v1/analytics/footfall` through the app (auth, query validation, the answer's
 * bytes read back), timed from the request to the last byte.
 */
async function timedFootfall(
  app: App,
  cookie: string,
  window: { from: number; to: number },
  format: "rows" | "columns",
): Promise<{ ms: number; body: ArrayBuffer }> {
  const url = `/v1/analytics/footfall?venueId=${venue.venueId}&from=${window.from}&to=${window.to}&bucket=hour&format=${format}`;
  const t0 = performance.now();
  const res = await app.request(url, { headers: { cookie } });
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`footfall answered ${res.status}: ${Buffer.from(body).toString()}`);
  return { ms, body };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * Cold: every iteration a 90-day window the answer cache has never seen (the window
 * moved back by one more hour each time: still 2,160 hours × 100 zones, ~2,150 of them
 * with data), so the rows come from the database and the answer is built anew. Cached:
 * one window asked again (the dashboard re-opening a range): one version query, the
 * kept answer goes out. Rows: the contract's default row format, cold, fewer runs.
 */
async function measureFootfall(backend: DashboardBackend, runs: number): Promise<FootfallFigures> {
  const { app } = createApp({ dashboard: backend });
  const cookie = await signIn(app, backend);
  const window = (k: number) => ({ from: START - k * HOUR_MS, to: END - k * HOUR_MS });
  // warm-up: JIT, connections; windows outside the measured ones
  for (let k = 0; k < 3; k++) await timedFootfall(app, cookie, window(1000 + k), "columns");
  const cold: number[] = [];
  let body = new ArrayBuffer(0);
  for (let k = 1; k <= runs; k++) {
    const r = await timedFootfall(app, cookie, window(k), "columns");
    cold.push(r.ms);
    body = r.body;
  }
  const cached: number[] = [];
  for (let i = 0; i < runs; i++) cached.push((await timedFootfall(app, cookie, window(0), "columns")).ms);
  const rowsCold: number[] = [];
  let rowsBody = new ArrayBuffer(0);
  for (let k = 1; k <= Math.ceil(runs / 5); k++) {
    const r = await timedFootfall(app, cookie, window(500 + k), "rows");
    rowsCold.push(r.ms);
    rowsBody = r.body;
  }
  const text = Buffer.from(body).toString("utf8");
  const cols = JSON.parse(text) as FootfallColumnsResponse;
  if (
    cols.zones.length !== ZONES ||
    cols.starts.length !== DAYS * 24 ||
    cols.zones[0]!.visits.length !== DAYS * 24
  )
    throw new Error(`unexpected response shape: ${cols.zones.length} zones × ${cols.starts.length} buckets`);
  const visits = cols.venue.visits.reduce((s, v) => s + v, 0);
  if (visits < 0.95 * DAYS * VISITS_PER_DAY) throw new Error(`answer holds only ${visits} visits`);
  const rowsText = Buffer.from(rowsBody).toString("utf8");
  const parseMs = (t: string) => {
    const p0 = performance.now();
    for (let i = 0; i < 3; i++) JSON.parse(t);
    return (performance.now() - p0) / 3;
  };
  const c = sorted(cold);
  const h = sorted(cached);
  const r = sorted(rowsCold);
  return {
    coldP50: percentile(c, 50),
    coldP99: percentile(c, 99),
    cachedP50: percentile(h, 50),
    cachedP99: percentile(h, 99),
    rowsColdP50: percentile(r, 50),
    rowsColdP99: percentile(r, 99),
    bytes: body.byteLength,
    rowsBytes: rowsBody.byteLength,
    parseMs: parseMs(text),
    rowsParseMs: parseMs(rowsText),
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
await sqlite.analytics.venues.put(venue, END);
await postgres.analytics.venues.put(venue, END);
const needed = [];
for (const t of [sqlite.analytics, postgres.analytics]) if (!(await built(t))) needed.push(t);
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
const onSqlite = await measureFootfall(sqlite, RUNS);
const onPostgres = await measureFootfall(postgres, RUNS);
await sqlite.sql.close();
await postgres.sql.close();
const dashboard = await measureDashboard();
const ms = (n: number) => Number(n.toFixed(1));

report(
  "analytics: 90-day hourly footfall over 100 zones (cold, through the HTTP route); dashboard load",
  {
    presenceEvents: events,
    zones: ZONES,
    buckets: ZONES * DAYS * 24,
    coldQueriesPerAdapter: RUNS,
    responseBytes: onSqlite.bytes,
    rowsResponseBytes: onSqlite.rowsBytes,
    footfallP99Ms: ms(Math.max(onSqlite.coldP99, onPostgres.coldP99)),
    footfallSqliteP50Ms: ms(onSqlite.coldP50),
    footfallSqliteP99Ms: ms(onSqlite.coldP99),
    footfallPostgresP50Ms: ms(onPostgres.coldP50),
    footfallPostgresP99Ms: ms(onPostgres.coldP99),
    footfallCachedP99Ms: ms(Math.max(onSqlite.cachedP99, onPostgres.cachedP99)),
    footfallSqliteCachedP50Ms: ms(onSqlite.cachedP50),
    footfallSqliteCachedP99Ms: ms(onSqlite.cachedP99),
    footfallPostgresCachedP50Ms: ms(onPostgres.cachedP50),
    footfallPostgresCachedP99Ms: ms(onPostgres.cachedP99),
    footfallRowsSqliteP50Ms: ms(onSqlite.rowsColdP50),
    footfallRowsSqliteP99Ms: ms(onSqlite.rowsColdP99),
    footfallRowsPostgresP50Ms: ms(onPostgres.rowsColdP50),
    footfallRowsPostgresP99Ms: ms(onPostgres.rowsColdP99),
    jsonParseSameBodyMs: ms(onSqlite.parseMs),
    jsonParseRowsBodyMs: ms(onSqlite.rowsParseMs),
    dashboardLoadMs: Math.round(dashboard.loadMs),
    dashboardFirstContentfulPaintMs: Math.round(dashboard.fcpMs),
    liveOccupancyP50Ms: Math.round(dashboard.liveP50Ms),
    liveOccupancyMaxMs: Math.round(dashboard.liveMaxMs),
    rollupBuildMs: Math.round(buildMs),
  },
  options,
);
