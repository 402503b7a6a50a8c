/**
 * Store-and-forward throughput, gateway → cloud.
 *
 * - appendPerSec: durable outbox appends (each resolves only after its fsynced commit),
 *   64 concurrent producers appending one event at a time — how kiosks and the presence
 *   pipeline use it; group commit is what makes this fast. appendBatchPerSec: the same
 *   with 500-event appends. Baseline in the same run: `commitsPerSec`, one fsynced
 *   commit per single-event append, i.e. what durability would cost without group commit.
 * - drainPerSec: 1,000,000 queued events from the outbox to a cloud process on SQLite,
 *   end to end over HTTP (gzip), until the outbox is empty.
 * - floorDrainPerSec: the same drain (events, sync client, gzip) into the ingest floor
 *   (ingest-floor.ts: parse, per-event validation and an idempotent insert into the
 *   store's events table, nothing else) instead of the cloud; ratioToFloorDrain is
 *   drainPerSec over it.
 * - lost / duplicated: from the cloud's own books after the drain (stored events and
 *   its ingest counters).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventSync, SqliteOutbox } from "@proxima/edge-gateway";
import { faultEvent } from "../src/fault-gateway.js";
import { createToken, startCloud, startIngestFloor } from "./cloud-process.js";
import { benchOptions, report } from "./report.js";

const options = benchOptions();
const DRAIN_EVENTS = Number(options.args[0] ?? 1_000_000);
const APPEND_EVENTS = 200_000;
const dir = mkdtempSync(join(tmpdir(), "bench-sync-"));

try {
  // ── append ──
  const appendOutbox = await SqliteOutbox.open({ path: join(dir, "append.db") });
  const events = Array.from({ length: APPEND_EVENTS }, (_, i) => faultEvent(1, i));
  let next = 0;
  let start = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < APPEND_EVENTS) await appendOutbox.append([events[next++]!]);
    }),
  );
  const appendPerSec = APPEND_EVENTS / ((performance.now() - start) / 1000);
  const batchEvents = events.map((_, i) => faultEvent(2, i));
  start = performance.now();
  for (let i = 0; i < APPEND_EVENTS; i += 500) await appendOutbox.append(batchEvents.slice(i, i + 500));
  const appendBatchPerSec = APPEND_EVENTS / ((performance.now() - start) / 1000);
  // baseline: one commit per event, nothing coalesced
  const commits = 300;
  start = performance.now();
  for (let i = 0; i < commits; i++) await appendOutbox.append([faultEvent(3, i)]);
  const commitsPerSec = commits / ((performance.now() - start) / 1000);
  await appendOutbox.close();

  // ── drain ──
  /** An outbox holding DRAIN_EVENTS events of `trial`, appended 5,000 at a time. */
  const filled = async (name: string, trial: number) => {
    const outbox = await SqliteOutbox.open({ path: join(dir, name), maxBytes: 4 * 1024 ** 3 });
    for (let i = 0; i < DRAIN_EVENTS; i += 5000)
      await outbox.append(
        Array.from({ length: Math.min(5000, DRAIN_EVENTS - i) }, (_, k) => faultEvent(trial, i + k)),
      );
    return outbox;
  };
  /** Seconds for the gateway's sync client to empty `outbox` into `url`, and its status then. */
  const drain = async (outbox: SqliteOutbox, url: string, token: string) => {
    const sync = new EventSync({ outbox, url, token });
    const begin = performance.now();
    const idle = sync.whenIdle();
    sync.start();
    await idle;
    const seconds = (performance.now() - begin) / 1000;
    const status = sync.status();
    await sync.stop();
    const left = (await outbox.stats()).pending;
    await outbox.close();
    return { seconds, status, left };
  };

  start = performance.now();
  const outbox = await filled("drain.db", 4);
  const fillPerSec = DRAIN_EVENTS / ((performance.now() - start) / 1000);
  const database = join(dir, "cloud.db");
  const token = createToken("gateway:bench-gw", database);
  const cloud = await startCloud(database);
  const { seconds: drainSeconds, status, left } = await drain(outbox, cloud.url, token);
  const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
  await cloud.stop();

  // baseline: the same drain into the ingest floor (the least any ingest does with an event)
  const floorOutbox = await filled("floor-drain.db", 5);
  const floor = await startIngestFloor(join(dir, "floor.db"));
  const floorDrain = await drain(floorOutbox, floor.url, "floor").finally(() => floor.stop());
  if (floorDrain.left > 0 || floorDrain.status.rejectedEvents > 0)
    throw new Error(
      `the floor drain left ${floorDrain.left} events and rejected ${floorDrain.status.rejectedEvents}`,
    );

  const counter = (outcome: string) =>
    Number(
      new RegExp(`proxima_cloud_ingest_events_total\\{outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1] ??
        0,
    );
  const { SqlStore } = await import("@proxima/cloud-api");
  const store = await SqlStore.open(database);
  const stored = (await store.counts()).events;
  await store.close();
  const accepted = counter("accepted");

  report(
    "sync: outbox append and drain to the cloud (SQLite)",
    {
      appendPerSec: Math.round(appendPerSec),
      appendBatchPerSec: Math.round(appendBatchPerSec),
      commitsPerSec: Math.round(commitsPerSec),
      groupCommitGain: Number((appendPerSec / commitsPerSec).toFixed(1)),
      fillPerSec: Math.round(fillPerSec),
      drainEvents: DRAIN_EVENTS,
      drainPerSec: Math.round(DRAIN_EVENTS / drainSeconds),
      floorDrainPerSec: Math.round(DRAIN_EVENTS / floorDrain.seconds),
      ratioToFloorDrain: Number((floorDrain.seconds / drainSeconds).toFixed(3)),
      requests: Math.ceil(DRAIN_EVENTS / 5000),
      lost: Math.max(0, DRAIN_EVENTS - stored) + left,
      duplicated: Math.max(0, stored - DRAIN_EVENTS) + Math.max(0, accepted - DRAIN_EVENTS),
      resentDuplicates: counter("duplicate"),
      rejected: status.rejectedEvents,
    },
    options,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
