/**
 * The gateway for benchmarks, in its own process (forked with IPC, as it is its own
 * process on a Pi): real broker with credentials and ACLs, SQLite profile cache,
 * SQLite outbox logging every decision. The benchmark's client runs on the main thread.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  CredentialStore,
  DEMO_CAMPAIGNS,
  DEMO_CATALOGUE,
  DEMO_SEGMENTS,
  demoProfiles,
  loadVenue,
  SqliteOutbox,
  SqliteProfileCache,
  startGateway,
} from "@proxima/edge-gateway";
import { GatewayConfig, type SyncChange } from "@proxima/shared";
import pino from "pino";
import { type Histogram, Registry } from "prom-client";
import { repoRoot } from "../harness/paths.js";

export interface WorkerInput {
  profiles: number;
  /** client ids to create credentials for, with their role */
  clients: { id: string; role: "kiosk" | "service" }[];
}
export interface WorkerReady {
  port: number;
  secrets: Record<string, string>;
  loadMs: number;
  reopenMs: number;
}

const input = JSON.parse(process.argv[2] ?? "{}") as WorkerInput;
const dir = await mkdtemp(join(tmpdir(), "proxima-bench-gw-"));
const venue = await loadVenue(join(repoRoot, "edge-gateway/examples/venue.json"));
if (!venue.ok) throw venue.error;

const credentials = await CredentialStore.open(join(dir, "kiosks.json"));
const secrets: Record<string, string> = {};
for (const client of input.clients)
  secrets[client.id] = await credentials.add(client.id, client.role, Date.now());

// fill the cache, then reopen it as a restarted gateway would (index rebuilt from SQLite)
let cache = await SqliteProfileCache.open(join(dir, "profiles.db"));
const changes: SyncChange[] = [
  { kind: "catalogue.replace", catalogue: DEMO_CATALOGUE },
  ...DEMO_SEGMENTS.map((segment) => ({ kind: "segment.upsert" as const, segment })),
  ...DEMO_CAMPAIGNS.map((campaign) => ({ kind: "campaign.upsert" as const, campaign })),
  ...demoProfiles(input.profiles).map((profile) => ({ kind: "profile.upsert" as const, profile })),
];
let started = performance.now();
await cache.applyChanges(changes);
const loadMs = performance.now() - started;
await cache.close();
started = performance.now();
cache = await SqliteProfileCache.open(join(dir, "profiles.db"));
const reopenMs = performance.now() - started;

const outbox = await SqliteOutbox.open({ path: join(dir, "outbox.db") });
const registry = new Registry();
const gateway = await startGateway({
  config: GatewayConfig.parse({
    gatewayId: "gw-bench",
    venue: "venue.json",
    mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0 },
    scanner: { kind: "none" },
  }),
  venue: venue.value,
  dataDir: dir,
  outbox,
  cache,
  credentials,
  logger: pino({ level: "warn" }),
  registry,
  scanner: null,
});

// how long the gateway's own event loop stalls (GC, work) — separates its delays from the machine's
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
process.send!({ port: gateway.port, secrets, loadMs, reopenMs } satisfies WorkerReady);
const rpcDuration = () => registry.getSingleMetric("proxima_rpc_duration_seconds") as Histogram;
/** the histogram bucket holding the 99th percentile of the gateway's own time per request (ms) */
async function p99Bucket(method: string): Promise<number | null> {
  const values = (await rpcDuration().get()).values.filter(
    (v) => v.labels.method === method && v.metricName?.endsWith("_bucket"),
  );
  const total = values.find((v) => v.labels.le === "+Inf")?.value ?? 0;
  for (const v of values) if (total > 0 && v.value >= 0.99 * total) return Number(v.labels.le) * 1000;
  return null;
}

process.on("message", async (message) => {
  if (message === "measure") {
    rpcDuration().reset();
    loopDelay.reset();
    loopDelay.enable();
    return;
  }
  if (message !== "stop") return;
  loopDelay.disable();
  const stats = await outbox.stats();
  await gateway.close();
  await outbox.close();
  await cache.close();
  await rm(dir, { recursive: true, force: true });
  process.send!(
    {
      stopped: true,
      outboxPending: stats.pending,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      rpcP99UpperMs: { personalize: await p99Bucket("personalize"), echo: await p99Bucket("echo") },
    },
    () => process.exit(0),
  );
});
