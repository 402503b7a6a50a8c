/**
 * Customer 360 on both adapters.
 *
 * - p99Ms (SQLite) / postgresP99Ms: latency of `GET /v1/customers/{id}` (Hono in-process,
 *   the store, JSON) on a store of 1,000,000 customers and 10,000,000 events. The
 *   datasets are generated with bulk SQL once and cached (.proxima/bench-cache/ for
 *   SQLite, the `proxima_bench_c360_v1` database on the local PostgreSQL); later runs
 *   reuse them. `--small` uses 100k customers / 1M events (quick check). Baseline in
 *   the same run: healthP99Ms, `GET /health` through the same app, interleaved (the
 *   scheduling noise floor of a shared machine).
 * - sqliteEventsPerSec / postgresEventsPerSec: `store.ingest` with identity resolution
 *   on (batches of 500, 16 in flight per store; 5% of events link a second identity, 10% come from new people),
 *   into a fresh store; PostgreSQL with two store instances ingesting at once, as two
 *   cloud-api processes would. Baselines in the same run (the machine is shared):
 *   plain multi-row inserts of the same batches into a bare table, and the ratios.
 * - heavyProfileP99Ms / postgresHeavyProfileP99Ms: the 360 view of one person with
 *   100,000 events over two identities (a regular whose beacon is seen every visit),
 *   added to the ingest store afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventEnvelope, newId } from "@proxima/shared";
import pg from "pg";
import { createApp } from "../../cloud-api/src/server/app.js";
import { createStore } from "../../cloud-api/src/store/create-store.js";
import type { Store } from "../../cloud-api/src/store/port.js";
import { type Sql, valuesPlaceholders } from "../../cloud-api/src/store/sql.js";
import { repoRoot } from "../harness/paths.js";
import { ADMIN_URL } from "../harness/postgres.js";
import { benchOptions, percentile, report } from "./report.js";

const options = benchOptions();
const SMALL = options.args.includes("--small");
const CUSTOMERS = SMALL ? 100_000 : 1_000_000;
const EVENTS = SMALL ? 1_000_000 : 10_000_000;
/** dataset version per adapter: bumped when the store's table layout changes */
const VERSION = (dialect: Sql["dialect"]) => `${dialect === "sqlite" ? "v4" : "v1"}-${CUSTOMERS}-${EVENTS}`;
const T0 = Date.UTC(2025, 10, 1);
const READS = 2000;
const INGEST_EVENTS = Number(process.env.PROXIMA_BENCH_INGEST ?? 100_000);
const BATCH = 500;
/** events of the one heavy person (heavyProfileP99Ms) */
const HEAVY_EVENTS = 100_000;
/** batches in flight per store, as the ingest route sees them from several gateways */
const IN_FLIGHT = 16;

const log = (msg: string) => console.error(`[customer360] ${msg}`);

// ───────────── dataset generation (bulk SQL, both dialects) ─────────────

/** Row generator: rows 0…n-1 as `i`. */
const series = (sql: Sql, n: number) =>
  sql.dialect === "postgres"
    ? `(SELECT g - 1 AS i FROM generate_series(1::bigint, ${n}::bigint) AS g)`
    : `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) SELECT i FROM s)`;

async function generate(sql: Sql): Promise<void> {
  const pgd = sql.dialect === "postgres";
  const cat = (...parts: string[]) => (pgd ? `concat(${parts.join(", ")})` : parts.join(" || "));
  const pad = (expr: string, width: number) =>
    pgd ? `lpad((${expr})::text, ${width}, '0')` : `printf('%0${width}d', ${expr})`;
  const hex = (expr: string, width: number) =>
    pgd ? `lpad(to_hex(${expr}), ${width}, '0')` : `printf('%0${width}x', ${expr})`;
  const json = pgd ? "json_build_object" : "json_object";
  const jsonText = (expr: string) => (pgd ? `(${expr})::text` : expr);
  const profile = (c: string) => cat("'c'", pad(c, 7));
  const started = performance.now();
  const step = async (what: string, statement: string) => {
    const t = performance.now();
    await sql.exec(statement);
    log(`${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  if (!pgd)
    await sql.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
  else await sql.exec("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'");
  // indexes are built after the bulk load (much faster than maintaining them row by row)
  for (const index of [
    "events_timeline",
    "events_id",
    "identities_profile",
    "profiles_merged_into",
    "segment_members_profile",
  ])
    await sql.exec(`DROP INDEX IF EXISTS ${index}`);

  await step(
    "profiles",
    `INSERT INTO profiles (id, created_at) SELECT ${profile("i")}, ${T0} + i FROM ${series(sql, CUSTOMERS)} AS s`,
  );
  // every customer a loyalty id; every other one a beacon tag; every fifth an email
  await step(
    "identities",
    `INSERT INTO identities (key, type, value, profile_id, created_at)
     SELECT ${cat("'loyalty:L'", pad("i", 7))}, 'loyalty', ${cat("'L'", pad("i", 7))}, ${profile("i")}, ${T0} FROM ${series(sql, CUSTOMERS)} AS s
     UNION ALL
     SELECT ${cat("'subject:ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:'", "i")}, 'subject', ${cat("'ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:'", "i")}, ${profile("i")}, ${T0}
       FROM ${series(sql, CUSTOMERS)} AS s WHERE i % 2 = 0
     UNION ALL
     SELECT ${cat("'email:c'", "i", "'@example.com'")}, 'email', ${cat("'c'", "i", "'@example.com'")}, ${profile("i")}, ${T0}
       FROM ${series(sql, CUSTOMERS)} AS s WHERE i % 5 = 0`,
  );
  // event i belongs to customer i % N; even customers' odd events come from their tag
  const key = (i: string) =>
    `CASE WHEN (${i} % ${CUSTOMERS}) % 2 = 0 AND (${i} / ${CUSTOMERS}) % 2 = 1
       THEN ${cat("'subject:ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:'", `${i} % ${CUSTOMERS}`)}
       ELSE ${cat("'loyalty:L'", pad(`${i} % ${CUSTOMERS}`, 7))} END`;
  const type = (i: string) =>
    `CASE ${i} % 5 WHEN 0 THEN 'presence.enter' WHEN 1 THEN 'pour.completed' WHEN 2 THEN 'offer.shown' WHEN 3 THEN 'purchase.completed' ELSE 'feedback.submitted' END`;
  const ts = (i: string) => `${T0} + ${i} * 3000`;
  await step(
    "events",
    `INSERT INTO events (id, ts, venue_id, type, source_kind, source_id, identity_key, body, received_at)
     SELECT id, ts, 'store-042', type, 'kiosk', 'kiosk-1', k, ${jsonText(`${json}(
       'id', id, 'ts', ts, 'venueId', 'store-042', 'source', ${json}('kind', 'kiosk', 'id', 'kiosk-1'), 'type', type,
       'identity', ${json}('type', ${pgd ? "split_part(k, ':', 1)" : "substr(k, 1, instr(k, ':') - 1)"}, 'value', ${pgd ? "substr(k, strpos(k, ':') + 1)" : "substr(k, instr(k, ':') + 1)"}),
       'data', ${json}('productId', ${cat("'p'", "i % 40")}, 'zone', 'kiosk-1', 'rating', 1 + i % 5, 'amount', 3.5, 'currency', 'EUR', 'decisionId', 'd', 'offerId', 'o'))`)}, ts
     FROM (SELECT i, ${cat(hex(`(${ts("i")}) / 1000`, 8), "'-0000-7000-8000-'", hex("i", 12))} AS id, ${ts("i")} AS ts, ${type("i")} AS type, ${key("i")} AS k
           FROM ${series(sql, EVENTS)} AS s) AS e`,
  );
  const perCustomer = EVENTS / CUSTOMERS;
  await step(
    "identity_stats",
    `INSERT INTO identity_stats (key, events, first_ts, last_ts, purchases, revenue, cost, rating_sum, rating_count, pours, last_purchase_ts)
     SELECT key, ${perCustomer}, ${T0}, ${T0 + EVENTS * 3000}, 2, 7.0, 0.1, 6, 2, 2, ${T0 + EVENTS * 2000} FROM identities`,
  );
  await step(
    "identity_items",
    `INSERT INTO identity_items (key, kind, item, count, last_ts)
     SELECT ${cat("'loyalty:L'", pad("i", 7))}, 'product', ${cat("'p'", "i % 40")}, 3, ${T0} + i FROM ${series(sql, CUSTOMERS)} AS s
     UNION ALL SELECT ${cat("'loyalty:L'", pad("i", 7))}, 'flavour', 'cherry', 2, ${T0} + i FROM ${series(sql, CUSTOMERS)} AS s`,
  );
  await step(
    "identity_days",
    `INSERT INTO identity_days (key, venue_id, day)
     SELECT ${cat("'loyalty:L'", pad(`i % ${CUSTOMERS}`, 7))}, 'store-042', ${Math.floor(T0 / 86_400_000)} + i / ${CUSTOMERS} * 7
     FROM ${series(sql, CUSTOMERS * 3)} AS s`,
  );
  await step(
    "consent and attributes",
    `INSERT INTO identity_consent (key, purpose, granted, ts) SELECT ${cat("'loyalty:L'", pad("i", 7))}, 'personalization', 1, ${T0} FROM ${series(sql, CUSTOMERS)} AS s;
     INSERT INTO identity_attributes (key, name, value, ts) SELECT ${cat("'loyalty:L'", pad("i", 7))}, 'firstName', '"Ada"', ${T0} FROM ${series(sql, CUSTOMERS)} AS s;`,
  );
  // events are stored in arrival (time) order on both adapters, as ingest appends them
  await step(
    "index events_timeline",
    pgd
      ? "CREATE INDEX events_timeline ON events (identity_key, ts DESC, id DESC)"
      : "CREATE INDEX events_timeline ON events (identity_key, ts DESC)",
  );
  if (!pgd) await step("index events_id", "CREATE UNIQUE INDEX events_id ON events (id)");
  await step("index identities_profile", "CREATE INDEX identities_profile ON identities (profile_id)");
  await sql.exec(
    "CREATE INDEX profiles_merged_into ON profiles (merged_into); CREATE INDEX segment_members_profile ON segment_members (profile_id)",
  );
  await step("analyze", "ANALYZE");
  await sql.exec("CREATE TABLE bench_meta (version TEXT PRIMARY KEY)");
  await sql.run("INSERT INTO bench_meta (version) VALUES ($1)", [VERSION(sql.dialect)]);
  if (!pgd) await sql.exec("PRAGMA journal_mode = WAL");
  log(
    `dataset ${VERSION(sql.dialect)} on ${sql.dialect} built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

async function hasDataset(sql: Sql): Promise<boolean> {
  try {
    const rows = await sql.all<{ version: string }>("SELECT version FROM bench_meta");
    return rows.some((r) => r.version === VERSION(sql.dialect));
  } catch {
    return false;
  }
}

/** Opens the cached dataset as a store, building it (from empty) the first time. */
async function dataset(url: string, wipe: () => Promise<void>): Promise<Store> {
  let store = await createStore(url);
  if (await hasDataset(store.sql)) return store;
  await store.close();
  await wipe(); // a half-built dataset from an interrupted run
  store = await createStore(url);
  log(
    `building the ${CUSTOMERS.toLocaleString("en-US")}-customer dataset (${store.dialect}; once, then cached)`,
  );
  await generate(store.sql);
  return store;
}

const datasetName = `proxima_bench_c360_${SMALL ? "small" : "full"}_v1`;

async function admin(statement: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await client.query(statement, params);
  } finally {
    await client.end();
  }
}

async function postgresDatasetUrl(): Promise<string> {
  const exists = await admin("SELECT 1 FROM pg_database WHERE datname = $1", [datasetName]);
  if (exists.rowCount === 0) await admin(`CREATE DATABASE "${datasetName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${datasetName}`;
  return url.toString();
}

// ───────────── 360 latency ─────────────

async function readLatency(store: Store): Promise<{ p50: number; p99: number; healthP99: number }> {
  const pass = async (_c: unknown, next: () => Promise<void>) => next();
  const { app } = createApp({ customers: { store, guard: { read: pass, write: pass } } });
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const id = () => `c${String(Math.floor(random() * CUSTOMERS)).padStart(7, "0")}`;
  for (let i = 0; i < 200; i++) await app.request(`/v1/customers/${id()}`); // warm-up
  const times: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < READS; i++) {
    // the noise floor on this machine, interleaved: GET /health through the same app
    const t = performance.now();
    await (await app.request("/health")).json();
    floor.push(performance.now() - t);
    const start = performance.now();
    const res = await app.request(`/v1/customers/${id()}`);
    const body = (await res.json()) as { identities?: unknown[]; timeline?: { items: unknown[] } };
    times.push(performance.now() - start);
    if (res.status !== 200 || !body.identities?.length || !body.timeline?.items.length)
      throw new Error(`GET /v1/customers answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
  }
  times.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), healthP99: percentile(floor, 99) };
}

/**
 * The 360 view of one heavy person — HEAVY_EVENTS presence events over a loyalty id
 * and an email, as a daily regular's beacon piles up — in a store that has just taken
 * the ingest run: p99 of GET /v1/customers/{id} (first page of the timeline).
 */
async function heavyProfileP99(store: Store): Promise<number> {
  const T = T0 + 400 * 86_400_000;
  const loyalty = { type: "loyalty" as const, value: "L-heavy" };
  const email = { type: "email" as const, value: "heavy@example.com" };
  for (let b = 0; b < HEAVY_EVENTS; b += 5000)
    await store.ingest(
      Array.from({ length: 5000 }, (_, k) => {
        const i = b + k;
        return {
          id: newId(T + i * 1000),
          ts: T + i * 1000,
          venueId: "store-042",
          source: { kind: "gateway" as const, id: "gw-1" },
          type: "presence.enter" as const,
          identity: i % 10 === 0 ? email : loyalty,
          ...(i === 0 ? { identities: [loyalty] } : {}),
          data: { zone: "entrance" },
        };
      }),
    );
  const id = await store.findProfileId(loyalty);
  const pass = async (_c: unknown, next: () => Promise<void>) => next();
  const { app } = createApp({ customers: { store, guard: { read: pass, write: pass } } });
  const times: number[] = [];
  for (let i = 0; i < 220; i++) {
    const start = performance.now();
    const res = await app.request(`/v1/customers/${id}`);
    const body = (await res.json()) as { timeline?: { items: unknown[] } };
    if (i >= 20) times.push(performance.now() - start);
    if (res.status !== 200 || body.timeline?.items.length !== 50)
      throw new Error(`heavy profile: GET /v1/customers answered ${res.status}`);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 99);
}

// ───────────── ingest with identity resolution ─────────────

function ingestBatches(stream: number, count: number): EventEnvelope[][] {
  const people = 20_000;
  const types = [
    "presence.enter",
    "pour.completed",
    "offer.shown",
    "kiosk.session_started",
    "purchase.completed",
  ] as const;
  const batches: EventEnvelope[][] = [];
  let seed = 11 + stream;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let b = 0; b < count / BATCH; b++) {
    const batch: EventEnvelope[] = [];
    for (let k = 0; k < BATCH; k++) {
      const i = b * BATCH + k;
      const ts = T0 + stream * 1_000_000_000 + i * 10;
      const fresh = random() < 0.1;
      const person = fresh ? `n${stream}-${i}` : `${Math.floor(random() * people)}`;
      const type = types[i % types.length]!;
      const data: Record<string, unknown> =
        type === "presence.enter"
          ? { zone: "entrance" }
          : type === "pour.completed"
            ? { productId: `p${i % 40}`, flavourIds: ["cherry"] }
            : type === "purchase.completed"
              ? { amount: 3.5, currency: "EUR", productId: `p${i % 40}` }
              : type === "offer.shown"
                ? { decisionId: "d", offerId: "o" }
                : {};
      batch.push({
        id: newId(ts),
        ts,
        venueId: "store-042",
        source: { kind: "kiosk", id: "kiosk-1" },
        type,
        identity: { type: "loyalty", value: `L${person}` },
        ...(random() < 0.05
          ? { identities: [{ type: "subject" as const, value: `ibeacon:aa:1:${person}` }] }
          : {}),
        data,
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Events/s through `store.ingest` with IN_FLIGHT batches in flight per store (gateways post concurrently). */
async function ingestRate(stores: Store[]): Promise<number> {
  const streams = stores.flatMap((store, s) =>
    Array.from({ length: IN_FLIGHT }, (_, k) => ({
      store,
      batches: ingestBatches(s * IN_FLIGHT + k, INGEST_EVENTS / stores.length / IN_FLIGHT),
    })),
  );
  // warm-up: the people exist before the clock starts (the steady state is known people)
  for (const batch of ingestBatches(99, 20_000)) await stores[0]!.ingest(batch);
  const start = performance.now();
  await Promise.all(
    streams.map(async ({ store, batches }) => {
      for (const batch of batches) await store.ingest(batch);
    }),
  );
  return INGEST_EVENTS / ((performance.now() - start) / 1000);
}

/** The same batches as plain multi-row inserts into a bare table: what the disk and driver allow. */
async function baselineRate(sql: Sql): Promise<number> {
  await sql.exec("CREATE TABLE IF NOT EXISTS bench_plain (id TEXT PRIMARY KEY, ts BIGINT, body TEXT)");
  const batches = ingestBatches(50, Math.min(INGEST_EVENTS, 50_000));
  const start = performance.now();
  for (const batch of batches)
    await sql.transaction(async (tx) => {
      if (tx.dialect === "postgres")
        await tx.run("INSERT INTO bench_plain SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])", [
          batch.map((e) => e.id),
          batch.map((e) => e.ts),
          batch.map((e) => JSON.stringify(e)),
        ]);
      else
        await tx.run(
          `INSERT INTO bench_plain VALUES ${valuesPlaceholders(batch.length, 3)}`,
          batch.flatMap((e) => [e.id, e.ts, JSON.stringify(e)]),
        );
    });
  return (batches.length * BATCH) / ((performance.now() - start) / 1000);
}

// ───────────── run ─────────────

const cache = join(repoRoot, ".proxima", "bench-cache");
mkdirSync(cache, { recursive: true });
const figures: Record<string, number | string> = { customers: CUSTOMERS, events: EVENTS };

// SQLite
{
  const file = join(cache, `customer360-${VERSION("sqlite")}.sqlite`);
  const store = await dataset(file, async () => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
  });
  const r = await readLatency(store);
  figures.p99Ms = round(r.p99);
  figures.p50Ms = round(r.p50);
  figures.healthP99Ms = round(r.healthP99);
  await store.close();
  const dir = mkdtempSync(join(tmpdir(), "bench-c360-"));
  try {
    const fresh = await createStore(join(dir, "ingest.sqlite"));
    figures.sqliteEventsPerSec = Math.round(await ingestRate([fresh]));
    figures.sqliteBaselineRowsPerSec = Math.round(await baselineRate(fresh.sql));
    figures.sqliteRatioToBaseline = round(
      Number(figures.sqliteEventsPerSec) / Number(figures.sqliteBaselineRowsPerSec),
    );
    figures.heavyProfileP99Ms = round(await heavyProfileP99(fresh));
    await fresh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// PostgreSQL
{
  const url = await postgresDatasetUrl();
  const store = await dataset(url, async () => {
    await admin(`DROP DATABASE IF EXISTS "${datasetName}" WITH (FORCE)`);
    await admin(`CREATE DATABASE "${datasetName}"`);
  });
  const r = await readLatency(store);
  figures.postgresP99Ms = round(r.p99);
  figures.postgresP50Ms = round(r.p50);
  figures.postgresHealthP99Ms = round(r.healthP99);
  await store.close();
  const { createTempDatabase } = await import("../harness/postgres.js");
  const db = await createTempDatabase("proxima_bench_c360_ingest");
  try {
    const a = await createStore(db.url);
    const b = await createStore(db.url);
    figures.postgresEventsPerSec = Math.round(await ingestRate([a, b]));
    figures.postgresBaselineRowsPerSec = Math.round(await baselineRate(a.sql));
    figures.postgresRatioToBaseline = round(
      Number(figures.postgresEventsPerSec) / Number(figures.postgresBaselineRowsPerSec),
    );
    figures.postgresHeavyProfileP99Ms = round(await heavyProfileP99(a));
    await a.close();
    await b.close();
  } finally {
    await db.drop();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

report("customer360", figures, options);
