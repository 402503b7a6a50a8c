/**
 * The gateway's store-and-forward path in one small process, for fault tests that kill
 * it: the real SqliteOutbox and EventSync (the code `proxima-gateway run` composes), fed
 * by a deterministic producer. Event i of trial T has id `faultId(T, i)`, so a test can
 * tell exactly which events the cloud holds.
 *
 * Lines on stdout (JSON): `started {resumeFrom}`, `appended {through}` after each append
 * resolved (the events below `through` are acknowledged: durable), `storage_full {acked}`
 * when the outbox refuses, `drained {acked}` once everything appended reached the cloud.
 *
 * After a crash it resumes producing after the newest event still in its outbox, or at
 * `--from` (what the test saw in the cloud) when the outbox is empty, so a test can check
 * that `resumeFrom` never falls below what was acknowledged before the crash.
 *
 *   node --conditions=@proxima/source --import tsx tests/src/fault-gateway.ts \
 *     --data DIR --cloud URL --token T --trial 7 [--events N] [--from K] [--rate R]
 *     [--chunk 500] [--max-bytes B] [--drain-only]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { EventSync, SqliteOutbox } from "@proxima/edge-gateway";
import { type EventEnvelope, isProximaError } from "@proxima/shared";

export function faultId(trial: number, index: number): string {
  const t = trial.toString(16).padStart(8, "0");
  const i = index.toString(16).padStart(12, "0");
  return `${t}-0000-7000-8000-${i}`;
}

/** `ts` near now by default, so the outbox's keep-newest-days policy never applies to test events */
export function faultEvent(trial: number, index: number, baseTs = Date.now()): EventEnvelope {
  return {
    id: faultId(trial, index),
    ts: baseTs + index,
    venueId: "store-042",
    source: { kind: "kiosk", id: `kiosk-${index % 4}` },
    type: "pour.completed",
    identity: { type: "loyalty", value: `L-${100_000 + (index % 997)}` },
    data: { productId: `p-${index % 50}`, ml: 400 },
  };
}

function say(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string" },
      cloud: { type: "string" },
      token: { type: "string" },
      trial: { type: "string", default: "1" },
      events: { type: "string", default: "0" },
      chunk: { type: "string", default: "500" },
      "max-bytes": { type: "string" },
      "drain-only": { type: "boolean", default: false },
      "batch-events": { type: "string", default: "2000" },
      from: { type: "string", default: "0" },
      /** events per second the producer keeps to (0 = as fast as the outbox takes them) */
      rate: { type: "string", default: "0" },
    },
  });
  if (!values.data || !values.cloud || !values.token)
    throw new Error("--data, --cloud and --token are needed");
  const trial = Number(values.trial);
  const total = Number(values.events);
  const chunk = Number(values.chunk);
  const outbox = await SqliteOutbox.open({
    path: join(values.data, "outbox.db"),
    ...(values["max-bytes"] ? { maxBytes: Number(values["max-bytes"]) } : {}),
  });
  const sync = new EventSync({
    outbox,
    url: values.cloud,
    token: values.token,
    maxBatchEvents: Number(values["batch-events"]),
    maxDelayMs: 20,
    backoff: { initialMs: 50, maxMs: 500 },
    requestTimeoutMs: 5000,
  });
  const resumeFrom = Math.max(Number(values.from), (await newestQueuedIndex(outbox)) + 1);
  sync.start();
  say("started", { pid: process.pid, pending: (await outbox.stats()).pending, resumeFrom });

  const baseTs = Date.now();
  const rate = Number(values.rate);
  const startedAt = performance.now();
  let acked = resumeFrom;
  if (!values["drain-only"]) {
    for (let from = resumeFrom; total === 0 || from < total; from += chunk) {
      if (rate > 0) {
        const due = startedAt + ((from - resumeFrom) / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const size = total === 0 ? chunk : Math.min(chunk, total - from);
      const events = Array.from({ length: size }, (_, k) => faultEvent(trial, from + k, baseTs));
      try {
        await outbox.append(events);
      } catch (error) {
        if (isProximaError(error) && error.code === "storage_full") {
          say("storage_full", { acked, message: error.message });
          break;
        }
        throw error;
      }
      acked = from + size;
      say("appended", { through: acked });
    }
  }
  for (;;) {
    const idle = sync.whenIdle();
    if ((await outbox.stats()).pending === 0) break;
    await idle;
  }
  const stats = await outbox.stats();
  say("drained", { acked, ...stats, ...sync.status() });
  await sync.stop();
  await outbox.close();
}

/** Index of the newest event still queued in the outbox, -1 when it is empty. */
async function newestQueuedIndex(outbox: SqliteOutbox): Promise<number> {
  let after = 0;
  let newest = -1;
  for (;;) {
    const batch = await outbox.nextBatch(after, 10_000, Number.MAX_SAFE_INTEGER);
    if (batch === null) return newest;
    const last = JSON.parse(batch.events.at(-1)!) as { id: string };
    newest = Number.parseInt(last.id.slice(-12), 16);
    after = batch.lastSeq;
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
