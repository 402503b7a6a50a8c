/**
 * Personalize latency as a kiosk sees it: a real MQTT.js client (MQTT 3.1.1, TCP
 * loopback) asks the gateway — real broker with auth and ACLs, 100,000 cached profiles,
 * every decision logged to the SQLite outbox — at a sustained, open-loop 1,000
 * requests/s. Baseline in the same run: a bare `echo` RPC through the same broker and
 * client, so `ratio` (p99 / echoP99) says what deciding adds to the broker's own round
 * trip, independent of how busy the shared machine is.
 *
 * Open loop: requests leave on a fixed schedule whether or not replies came back, so a
 * slow reply cannot hide the ones queued behind it. Echo and personalize alternate in
 * blocks, so drift in the machine's load hits both alike.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  DEMO_CAMPAIGNS,
  DEMO_CATALOGUE,
  DEMO_SEGMENTS,
  decide,
  demoProfiles,
  loyaltyNumber,
} from "@proxima/edge-gateway";
import { topicsFor } from "@proxima/shared";
import mqtt from "mqtt";
import { benchOptions, percentile, report, throughput } from "./report.js";
import { startBenchGateway } from "./start-gateway.js";

const options = benchOptions();
const PROFILES = 100_000;
const RATE = 1000;
const BLOCK_MS = 1000;
const BLOCKS = 10; // per method: short blocks, so bursts of outside load hit both methods alike
const WARMUP_MS = 2000;

const ready = await startBenchGateway({ profiles: PROFILES, clients: [{ id: "kiosk-1", role: "kiosk" }] });

const topics = topicsFor("store-042");
const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ready.port}`, {
  protocolVersion: 4,
  clientId: "kiosk-1",
  username: "kiosk-1",
  password: ready.secrets["kiosk-1"]!,
  reconnectPeriod: 0,
});
await client.subscribeAsync(topics.rpcResponse("kiosk-1"), { qos: 0 });

const sentAt = new Map<string, number>();
let record: number[] | null = null;
let errors = 0;
client.on("message", (_topic, payload) => {
  const now = performance.now();
  // the id leads the payload: {"id":"…", — avoid parsing 1,000 replies/s twice
  const end = payload.indexOf(34, 7);
  const id = payload.toString("latin1", 7, end);
  const t0 = sentAt.get(id);
  if (t0 === undefined) return;
  sentAt.delete(id);
  if (payload.indexOf('"ok":false') !== -1) errors++;
  record?.push(now - t0);
});

let seq = 0;
let rng = 12345;
const nextRandom = () => {
  rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
  return rng / 4_294_967_296;
};
function request(method: "echo" | "personalize"): string {
  const id = `r${seq++}`;
  if (method === "echo") return JSON.stringify({ id, method, params: { kiosk: "kiosk-1", n: seq } });
  const r = nextRandom();
  const identity =
    r < 0.9
      ? { type: "loyalty", value: loyaltyNumber(Math.floor(nextRandom() * PROFILES)) }
      : { type: "anonymous", value: `session-${seq}` };
  return JSON.stringify({ id, method, params: { identity } });
}

/** Sends `method` at RATE/s for `ms`, open loop; returns latencies and the pacing lag. */
async function block(method: "echo" | "personalize", ms: number, measure: boolean) {
  const latencies: number[] = [];
  record = measure ? latencies : null;
  const lags: number[] = [];
  const start = performance.now();
  const total = Math.floor((ms / 1000) * RATE);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * RATE) + 1);
      while (sent < due) {
        const payload = request(method);
        const id = payload.slice(7, payload.indexOf('"', 7));
        const t = performance.now();
        lags.push(t - (start + (sent * 1000) / RATE));
        sentAt.set(id, t);
        client.publish(topics.rpcRequest("kiosk-1"), payload, { qos: 0 });
        sent++;
      }
      if (sent < total) setTimeout(tick, 0.5);
      else resolve();
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 300)); // stragglers
  const lost = sentAt.size;
  sentAt.clear();
  record = null;
  return { latencies, lags, sent, lost, elapsedMs: performance.now() - start - 300 };
}

await block("echo", WARMUP_MS, false);
await block("personalize", WARMUP_MS, false);
ready.measure();
const clientLoop = monitorEventLoopDelay({ resolution: 1 });
clientLoop.enable();
const results = { echo: [] as number[], personalize: [] as number[] };
let sent = 0;
let lost = 0;
let elapsed = 0;
let maxLagP99 = 0;
for (let i = 0; i < BLOCKS; i++)
  for (const method of ["echo", "personalize"] as const) {
    const b = await block(method, BLOCK_MS, true);
    results[method].push(...b.latencies);
    if (method === "personalize") {
      sent += b.sent;
      elapsed += b.elapsedMs;
    }
    lost += b.lost;
    maxLagP99 = Math.max(
      maxLagP99,
      percentile(
        [...b.lags].sort((x, y) => x - y),
        99,
      ),
    );
  }

clientLoop.disable();
await client.endAsync();
const stopped = await ready.stop();

// the offer engine alone, in this process: what a decision costs without any I/O
const sample = demoProfiles(1000);
let k = 0;
const decisionsPerSec = throughput(() => {
  for (let i = 0; i < 100; i++)
    decide({
      profile: sample[k++ % sample.length]!,
      anonymousKey: "x",
      context: { now: 1_732_280_000_000, venueId: "store-042", kioskId: "kiosk-1", localHour: 12 },
      catalogue: DEMO_CATALOGUE,
      campaigns: DEMO_CAMPAIGNS,
      stock: null,
      popular: ["zest-classic", "fizz-cola"],
      segmentName: (id) => DEMO_SEGMENTS.find((s) => s.id === id)?.name,
      limit: 6,
    });
  return 100;
}, 1000);

const p = results.personalize.sort((a, b) => a - b);
const e = results.echo.sort((a, b) => a - b);
const round = (n: number) => Math.round(n * 1000) / 1000;
report(
  "personalize: MQTT.js → gateway broker → offer engine over 100,000 cached profiles, open loop at 1,000 req/s",
  {
    profiles: PROFILES,
    p50Ms: round(percentile(p, 50)),
    p99Ms: round(percentile(p, 99)),
    maxMs: round(p[p.length - 1] ?? Number.NaN),
    rps: Math.round((sent * 1000) / elapsed),
    echoP50Ms: round(percentile(e, 50)),
    echoP99Ms: round(percentile(e, 99)),
    ratio: round(percentile(p, 99) / percentile(e, 99)),
    requests: p.length,
    lost,
    errors,
    decisionsLogged: stopped.outboxPending,
    pacingLagP99Ms: round(maxLagP99),
    gatewayLoopDelayP99Ms: round(stopped.loopDelayP99Ms),
    clientLoopDelayP99Ms: round(clientLoop.percentile(99) / 1e6),
    engineUs: round(1e6 / decisionsPerSec),
    cacheLoadMs: Math.round(ready.loadMs),
    cacheReopenMs: Math.round(ready.reopenMs),
  },
  options,
);
