/**
 * `POST /v1/events` throughput with batches of 500, against a cloud process over HTTP:
 * SQLite (eventsPerSec) and PostgreSQL on a throwaway database (postgresEventsPerSec).
 * Four requests in flight, plain JSON bodies (gzipEventsPerSec: the same, gzip-encoded
 * as gateways send them). Baselines in the same run: storeEventsPerSec, the cloud
 * Store's `ingest` called directly in this process with the same batches (ratioToStore
 * is what HTTP, auth, gzip and per-event validation leave of it), and validatePerSec,
 * the shared EventEnvelope validation alone on one core.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { SqlStore } from "@proxima/cloud-api";
import { EventEnvelope } from "@proxima/shared";
import { createTempDatabase } from "../harness/postgres.js";
import { faultEvent } from "../src/fault-gateway.js";
import { createToken, startCloud } from "./cloud-process.js";
import { benchOptions, report, throughput } from "./report.js";

const options = benchOptions();
const BATCH = 500;
const BATCHES = Number(options.args[0] ?? 400);
const IN_FLIGHT = 4;
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
): Promise<number> {
  let next = 0;
  let accepted = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
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

async function measure(database: string, trial: number): Promise<{ plain: number; gzip: number }> {
  const token = createToken("gateway:bench-gw", database);
  const cloud = await startCloud(database);
  try {
    await post(cloud.url, token, bodies(trial + 100).slice(0, 20), false); // warm-up
    const plain = await post(cloud.url, token, bodies(trial), false);
    const gzipped = bodies(trial + 1).map((b) => gzipSync(b, { level: 1 }));
    const gzip = await post(cloud.url, token, gzipped, true);
    return { plain, gzip };
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
  const directStart = performance.now();
  for (const batch of parsed) await direct.ingest(batch);
  const storeEventsPerSec = (BATCHES * BATCH) / ((performance.now() - directStart) / 1000);
  await direct.close();

  const sqlite = await measure(join(dir, "cloud.db"), 10);
  const pgdb = await createTempDatabase("proxima_bench_ingest");
  let postgres: { plain: number; gzip: number };
  try {
    postgres = await measure(pgdb.url, 20);
  } finally {
    await pgdb.drop();
  }
  report(
    `ingest: POST /v1/events, batches of ${BATCH}, ${IN_FLIGHT} in flight, ${BATCHES * BATCH} events`,
    {
      eventsPerSec: Math.round(sqlite.plain),
      gzipEventsPerSec: Math.round(sqlite.gzip),
      postgresEventsPerSec: Math.round(postgres.plain),
      postgresGzipEventsPerSec: Math.round(postgres.gzip),
      storeEventsPerSec: Math.round(storeEventsPerSec),
      ratioToStore: Number((sqlite.plain / storeEventsPerSec).toFixed(3)),
      validatePerSec: Math.round(validatePerSec),
      ratioToValidation: Number((sqlite.plain / validatePerSec).toFixed(3)),
    },
    options,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
