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
 * - validatePerSec: the shared EventEnvelope validation alone on one core.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bulkInsert, openSql, SqlStore } from "@proxima/cloud-api";
import { EventEnvelope } from "@proxima/shared";
import { createTempDatabase } from "../harness/postgres.js";
import { faultEvent } from "../src/fault-gateway.js";
import { createToken, startCloud } from "./cloud-process.js";
import { benchOptions, report, throughput } from "./report.js";

const options = benchOptions();
const BATCH = 500;
const BATCHES = Number(options.args[0] ?? 400);
const SOURCES = 16;
const dir = mkdtempSync(join(tmpdir(), "bench-ingest-"));

function bodies(trial: number): string[] {
  return Array.from({ length: BATCHES }, (_, b) =>
    JSON.stringify({ events: Array.from({ length: BATCH }, (_, k) => faultEvent(trial, b * BATCH + k)) }),
  );
}

async function post(
  url: string,
  token: string,
  payloads: (string | Buffer)[],
  gzip: boolean,
  inFlight = SOURCES,
): Promise<number> {
  let next = 0;
  let accepted = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < payloads.length) {
        const body = payloads[next++]!;
        const res = await fetch(`${url}/v1/events`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            ...(gzip ? { "content-encoding": "gzip" } : {}),
          },
          body: typeof body === "string" ? body : new Uint8Array(body),
        });
        const answer = (await res.json()) as { accepted: number };
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer)}`);
        accepted += answer.accepted;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  if (accepted !== payloads.length * BATCH)
    throw new Error(`accepted ${accepted} of ${payloads.length * BATCH}`);
  return (payloads.length * BATCH) / seconds;
}

async function measure(
  database: string,
  trial: number,
): Promise<{ plain: number; gzip: number; oneSource: number }> {
  const token = createToken("gateway:bench-gw", database);
  const cloud = await startCloud(database);
  try {
    await post(cloud.url, token, bodies(trial + 100).slice(0, 20), false); // warm-up
    const plain = await post(cloud.url, token, bodies(trial), false);
    const gzipped = bodies(trial + 1).map((b) => gzipSync(b, { level: 1 }));
    const gzip = await post(cloud.url, token, gzipped, true);
    const oneSource = await post(cloud.url, token, bodies(trial + 2).slice(0, BATCHES / 4), false, 1);
    return { plain, gzip, oneSource };
  } catch (error) {
    console.error(cloud.problems().slice(0, 5).join("\n"));
    throw error;
  } finally {
    await cloud.stop();
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

  const sqlite = await measure(join(dir, "cloud.db"), 10);
  const pgdb = await createTempDatabase("proxima_bench_ingest");
  let postgres: { plain: number; gzip: number; oneSource: number };
  try {
    postgres = await measure(pgdb.url, 20);
  } finally {
    await pgdb.drop();
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
      bareInsertPerSec: Math.round(bareInsertPerSec),
      ratioToBareInsert: Number((sqlite.plain / bareInsertPerSec).toFixed(3)),
      validatePerSec: Math.round(validatePerSec),
      ratioToValidation: Number((sqlite.plain / validatePerSec).toFixed(3)),
    },
    options,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
