/**
 * `POST /v1/events` throughput with batches of 500, against a cloud process over HTTP:
 * SQLite (eventsPerSec) and PostgreSQL on a throwaway database (postgresEventsPerSec).
 * SOURCES senders post at once (one token), each with one batch in flight as a gateway's
 * EventSync sends them (a cloud taking this many events a second serves many gateways;
 * one sender alone is oneSourceEventsPerSec). Plain JSON bodies; gzipEventsPerSec is the same gzip-encoded.
 * Identity resolution, traits, timeline, sync feed and the analytics rollups all run
 * in the measured path: a request is answered after they are committed.
 *
 * Baselines in the same run:
 * - storeEventsPerSec: the cloud Store's `ingest` called directly in this process with
 *   the same batches and concurrency (ratioToStore: what HTTP, auth and per-event
 *   validation leave of it);
 * - bareInsertPerSec: the same events into a table holding only what idempotent durable
 *   storage needs (the row and a unique index on the event id), multi-row inserts of
 *   500 in transactions of 20,000 — this machine's floor for SQLite on its own;
 * - validatePerSec: the shared EventEnvelope validation alone on one core;
 * - sqliteRowsCeilingPerSec / postgresRowsCeilingPerSec: event rows generated inside the
 *   database itself (no client, HTTP, JSON, validation, identities or traits) into the
 *   store's own `events` table, with its indexes, in transactions of 20,000; PostgreSQL
 *   with two backends at once (this machine has two cores). No ingest can store events
 *   faster than its database writes bare event rows: these are the ceilings above
 *   eventsPerSec and postgresEventsPerSec on this machine.
 * - floorEventsPerSec: the same load against the ingest floor (ingest-floor.ts), a
 *   server doing only the least any `POST /v1/events` on SQLite does with an event:
 *   JSON.parse, the shared per-event validation and an idempotent insert into the
 *   store's events table (its id and timeline indexes); no tokens, identities, traits,
 *   feed or rollups. floorCpuUsPerEvent is the CPU it and the load generator spend an
 *   event (all their threads: event loop, SQLite's, GC's), and floorCpuBoundPerSec what
 *   this machine's cores could do at that cost if they were never idle: no ingest that
 *   does at least this work can be faster here. cpuUsPerEvent is the same count for
 *   the cloud on SQLite.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bulkInsert, openSql, SqlStore } from "@proxima/cloud-api";
import { EventEnvelope } from "@proxima/shared";
import { createTempDatabase } from "../harness/postgres.js";
import type { RunningProcess } from "../harness/process.js";
import { faultEvent, faultId } from "../src/fault-gateway.js";
import { cpuSeconds, createToken, problems, startCloud, startIngestFloor } from "./cloud-process.js";
import { benchOptions, report, throughput } from "./report.js";

const options = benchOptions();
const BATCH = 500;
const BATCHES = Number(options.args[0] ?? 400);
const SOURCES = 16;
const dir = mkdtempSync(join(tmpdir(), "bench-ingest-"));

function bodies(trial: number): Buffer[] {
  return Array.from({ length: BATCHES }, (_, b) =>
    Buffer.from(
      JSON.stringify({ events: Array.from({ length: BATCH }, (_, k) => faultEvent(trial, b * BATCH + k)) }),
    ),
  );
}

/**
 * The load generator: node:http with one kept-alive connection per sender and the bodies
 * encoded before the clock starts. It shares this machine's two cores with the cloud
 * (gateways do not), so it must cost little: fetch spent ~6.5 µs of CPU an event on
 * streams and Request objects, this ~1.8.
 */
async function post(
  url: string,
  token: string,
  payloads: Buffer[],
  gzip: boolean,
  inFlight = SOURCES,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const target = new URL("/v1/events", url);
  const send = (body: Buffer) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "content-length": body.length,
            ...(gzip ? { "content-encoding": "gzip" } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  let next = 0;
  let accepted = 0;
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < payloads.length) {
          const { status, text } = await send(payloads[next++]!);
          if (status !== 200) throw new Error(`ingest answered ${status}: ${text}`);
          accepted += (JSON.parse(text) as { accepted: number }).accepted;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  if (accepted !== payloads.length * BATCH)
    throw new Error(`accepted ${accepted} of ${payloads.length * BATCH}`);
  return (payloads.length * BATCH) / seconds;
}

/**
 * The ceilings: ROWS_CEILING rows into the store's own events table (made by its
 * migrations), generated by the database itself; ids as faultId(trial, i), bodies those
 * of faultEvent with their own id.
 */
const ROWS_CEILING = 200_000;
const CEILING_GROUP = 20_000;
const bodyTemplate = JSON.stringify(faultEvent(0, 0)).replace(faultId(0, 0), "#ID#");
const EVENT_COLUMNS = "id, ts, venue_id, type, source_kind, source_id, identity_key, body, received_at";
/** Event n's columns as SQL both databases run; `id` is the SQL of its event id. */
const generatedEvent = (id: string) =>
  `${id}, 1764000000000 + n, 'store-042', 'pour.completed', 'kiosk', 'kiosk-' || (n % 4),
   'loyalty:L-' || (100000 + n % 997), replace('${bodyTemplate}', '#ID#', ${id}), 1764000000000`;

async function sqliteRowsCeiling(path: string, trial: number): Promise<number> {
  const store = await SqlStore.open(path);
  const id = `printf('%08x-0000-7000-8000-%012x', ${trial}, n)`;
  const start = performance.now();
  try {
    for (let from = 0; from < ROWS_CEILING; from += CEILING_GROUP)
      await store.sql.transaction((tx) =>
        tx.run(`INSERT INTO events (${EVENT_COLUMNS})
          WITH RECURSIVE g(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM g WHERE n < ${from + CEILING_GROUP - 1})
          SELECT ${generatedEvent(id)} FROM g`),
      );
    return ROWS_CEILING / ((performance.now() - start) / 1000);
  } finally {
    await store.close();
  }
}

/** Two backends at once (the store's pool gives each loop its own connection). */
async function postgresRowsCeiling(url: string, trial: number): Promise<number> {
  const store = await SqlStore.open(url);
  const start = performance.now();
  try {
    await Promise.all(
      [0, 1].map(async (backend) => {
        const id = `lpad(to_hex(${trial * 2 + backend}), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0')`;
        for (let from = 0; from < ROWS_CEILING / 2; from += CEILING_GROUP)
          await store.sql.run(`INSERT INTO events (${EVENT_COLUMNS})
            SELECT ${generatedEvent(id)} FROM generate_series(${from}, ${from + CEILING_GROUP - 1}) AS n`);
      }),
    );
    return ROWS_CEILING / ((performance.now() - start) / 1000);
  } finally {
    await store.close();
  }
}

/** Events a second and CPU an event (the server's process and this load generator's) of one run. */
async function timed(
  server: RunningProcess,
  run: () => Promise<number>,
  events: number,
): Promise<{ perSec: number; cpuUs: number }> {
  const serverBefore = cpuSeconds(server.child.pid!);
  const clientBefore = process.cpuUsage();
  const perSec = await run();
  const client = process.cpuUsage(clientBefore);
  const serverSeconds = cpuSeconds(server.child.pid!) - serverBefore;
  return { perSec, cpuUs: (serverSeconds * 1e6 + client.user + client.system) / events };
}

async function measure(
  database: string,
  trial: number,
): Promise<{ plain: number; cpuUs: number; gzip: number; oneSource: number }> {
  const token = createToken("gateway:bench-gw", database);
  const cloud = await startCloud(database);
  try {
    await post(cloud.url, token, bodies(trial + 100).slice(0, 20), false); // warm-up
    const payloads = bodies(trial);
    const plain = await timed(cloud, () => post(cloud.url, token, payloads, false), BATCHES * BATCH);
    const gzipped = bodies(trial + 1).map((b) => gzipSync(b, { level: 1 }));
    const gzip = await post(cloud.url, token, gzipped, true);
    const oneSource = await post(cloud.url, token, bodies(trial + 2).slice(0, BATCHES / 4), false, 1);
    return { plain: plain.perSec, cpuUs: plain.cpuUs, gzip, oneSource };
  } catch (error) {
    console.error(problems(cloud).join("\n"));
    throw error;
  } finally {
    await cloud.stop();
  }
}

/** The same load against the ingest floor (ingest-floor.ts). */
async function measureFloor(path: string, trial: number): Promise<{ perSec: number; cpuUs: number }> {
  const floor = await startIngestFloor(path);
  try {
    await post(floor.url, "", bodies(trial + 100).slice(0, 20), false); // warm-up
    const payloads = bodies(trial);
    return await timed(floor, () => post(floor.url, "", payloads, false), BATCHES * BATCH);
  } catch (error) {
    console.error(problems(floor).join("\n"));
    throw error;
  } finally {
    await floor.stop();
  }
}

try {
  const sample = Array.from({ length: 5000 }, (_, i) => faultEvent(9, i));
  const validatePerSec = throughput(() => {
    for (const e of sample) EventEnvelope.safeParse(e);
    return sample.length;
  }, 1000);

  const direct = await SqlStore.open(join(dir, "direct.db"));
  const parsed = Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: BATCH }, (_, k) => EventEnvelope.parse(faultEvent(30, b * BATCH + k))),
  );
  await direct.ingest(parsed[0]!.map((e) => ({ ...e, id: e.id.replace(/^0000001e/, "0000001f") })));
  let nextBatch = 0;
  const directStart = performance.now();
  await Promise.all(
    Array.from({ length: SOURCES }, async () => {
      while (nextBatch < parsed.length) await direct.ingest(parsed[nextBatch++]!);
    }),
  );
  const storeEventsPerSec = (BATCHES * BATCH) / ((performance.now() - directStart) / 1000);
  await direct.close();

  const bare = await openSql(join(dir, "bare.db"));
  await bare.exec(
    "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
  );
  const bareStart = performance.now();
  for (let group = 0; group < parsed.length; group += 40)
    await bare.transaction(async (tx) => {
      for (const batch of parsed.slice(group, group + 40))
        await bulkInsert(
          tx,
          "events",
          [
            ["id", "text"],
            ["body", "text"],
          ],
          batch.map((e) => [e.id, JSON.stringify(e)]),
          "ON CONFLICT (id) DO NOTHING",
        );
    });
  const bareInsertPerSec = (BATCHES * BATCH) / ((performance.now() - bareStart) / 1000);
  await bare.close();

  const sqliteRowsCeilingPerSec = await sqliteRowsCeiling(join(dir, "ceiling.db"), 40);
  const sqlite = await measure(join(dir, "cloud.db"), 10);
  const floor = await measureFloor(join(dir, "floor.db"), 11);
  const pgdb = await createTempDatabase("proxima_bench_ingest");
  const pgCeiling = await createTempDatabase("proxima_bench_ceiling");
  let postgres: { plain: number; gzip: number; oneSource: number };
  let postgresRowsCeilingPerSec: number;
  try {
    postgresRowsCeilingPerSec = await postgresRowsCeiling(pgCeiling.url, 50);
    postgres = await measure(pgdb.url, 20);
  } finally {
    await pgdb.drop();
    await pgCeiling.drop();
  }
  report(
    `ingest: POST /v1/events, batches of ${BATCH}, ${SOURCES} sources at once, ${BATCHES * BATCH} events`,
    {
      eventsPerSec: Math.round(sqlite.plain),
      gzipEventsPerSec: Math.round(sqlite.gzip),
      oneSourceEventsPerSec: Math.round(sqlite.oneSource),
      postgresEventsPerSec: Math.round(postgres.plain),
      postgresGzipEventsPerSec: Math.round(postgres.gzip),
      postgresOneSourceEventsPerSec: Math.round(postgres.oneSource),
      storeEventsPerSec: Math.round(storeEventsPerSec),
      ratioToStore: Number((sqlite.plain / storeEventsPerSec).toFixed(3)),
      cpuUsPerEvent: Number(sqlite.cpuUs.toFixed(1)),
      floorEventsPerSec: Math.round(floor.perSec),
      ratioToFloor: Number((sqlite.plain / floor.perSec).toFixed(3)),
      floorCpuUsPerEvent: Number(floor.cpuUs.toFixed(1)),
      floorCpuBoundPerSec: Math.round((availableParallelism() * 1e6) / floor.cpuUs),
      bareInsertPerSec: Math.round(bareInsertPerSec),
      ratioToBareInsert: Number((sqlite.plain / bareInsertPerSec).toFixed(3)),
      sqliteRowsCeilingPerSec: Math.round(sqliteRowsCeilingPerSec),
      ratioToSqliteRowsCeiling: Number((sqlite.plain / sqliteRowsCeilingPerSec).toFixed(3)),
      postgresRowsCeilingPerSec: Math.round(postgresRowsCeilingPerSec),
      ratioToPostgresRowsCeiling: Number((postgres.plain / postgresRowsCeilingPerSec).toFixed(3)),
      validatePerSec: Math.round(validatePerSec),
      ratioToValidation: Number((sqlite.plain / validatePerSec).toFixed(3)),
    },
    options,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
