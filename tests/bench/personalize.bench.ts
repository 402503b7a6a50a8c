/**
 * Personalize latency as a kiosk sees it: a real MQTT.js client (MQTT 3.1.1, TCP
 * loopback) asks the gateway — real broker with auth and ACLs, 100,000 cached profiles,
 * every decision logged to the SQLite outbox — at a sustained, open-loop 1,000
 * requests/s. Baseline in the same run: a bare `echo` RPC through the same broker and
 * client, so `ratio` (p99 / echoP99) says what deciding adds to the broker's own round
 * trip, independent of how busy the shared machine is.
 *
 * Open loop: requests leave on a fixed schedule whether or not replies came back, so a
 * slow reply cannot hide the ones queued behind it. Echo probes are interleaved in the
 * same stream (200/s beside the 1,000 personalize/s), so bursts of load from other work
 * on the machine hit both alike.
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
const MEASURE_MS = 20_000;
const WARMUP_MS = 3000;
/** one echo probe per this many personalize requests (200/s beside 1,000/s) */
const PROBE_EVERY = 5;

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
let record: { echo: number[]; personalize: number[] } | null = null;
let errors = 0;
client.on("message", (_topic, payload) => {
  const now = performance.now();
  // the id leads the payload: {"id":"…", — no need to parse 1,200 replies/s
  const end = payload.indexOf(34, 7);
  const id = payload.toString("latin1", 7, end);
  const t0 = sentAt.get(id);
  if (t0 === undefined) return;
  sentAt.delete(id);
  if (payload.indexOf('"ok":false') !== -1) errors++;
  record?.[id[0] === "e" ? "echo" : "personalize"].push(now - t0);
});

let seq = 0;
let rng = 12345;
const nextRandom = () => {
  rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
  return rng / 4_294_967_296;
};
/** ids start with the method's initial, so a reply is filed without parsing it */
function request(method: "echo" | "personalize"): string {
  const id = `${method[0]}${seq++}`;
  if (method === "echo") return JSON.stringify({ id, method, params: { kiosk: "kiosk-1", n: seq } });
  const identity =
    nextRandom() < 0.9
      ? { type: "loyalty", value: loyaltyNumber(Math.floor(nextRandom() * PROFILES)) }
      : { type: "anonymous", value: `session-${seq}` };
  return JSON.stringify({ id, method, params: { identity } });
}

/**
 * Open loop for `ms`: a personalize request every 1/RATE s and, interleaved in the same
 * stream, an echo probe every PROBE_EVERY slots — both see the same broker, the same
 * socket and the same moments of outside load, so their ratio is what deciding adds.
 */
async function phase(ms: number, measure: boolean) {
  const latencies = { echo: [] as number[], personalize: [] as number[] };
  record = measure ? latencies : null;
  const lags: number[] = [];
  const start = performance.now();
  const total = Math.floor((ms / 1000) * RATE);
  let sent = 0;
  let probes = 0;
  const send = (method: "echo" | "personalize") => {
    const payload = request(method);
    sentAt.set(payload.slice(7, payload.indexOf('"', 7)), performance.now());
    client.publish(topics.rpcRequest("kiosk-1"), payload, { qos: 0 });
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * RATE) + 1);
      // probes are due half a slot after a personalize; timers tick by the millisecond, so a
      // probe due in this tick leaves first (it never waits behind a decision; a decision may
      // wait behind a probe — conservative for the ratio)
      const probesDue = Math.floor(((now - start) / 1000) * (RATE / PROBE_EVERY) - 0.5) + 1;
      while (probes < Math.min(probesDue, total / PROBE_EVERY)) {
        send("echo");
        probes++;
      }
      while (sent < due) {
        lags.push(performance.now() - (start + (sent * 1000) / RATE));
        send("personalize");
        sent++;
      }
      if (sent < total) setTimeout(tick, 0.5);
      else resolve();
    };
    tick();
  });
  const elapsedMs = performance.now() - start;
  await new Promise((r) => setTimeout(r, 500)); // stragglers
  const lost = sentAt.size;
  sentAt.clear();
  record = null;
  return { latencies, lags, sent, lost, elapsedMs };
}

await phase(WARMUP_MS, false);
ready.measure();
const clientLoop = monitorEventLoopDelay({ resolution: 1 });
clientLoop.enable();
const measured = await phase(MEASURE_MS, true);
const results = measured.latencies;
const { sent, lost } = measured;
const elapsed = measured.elapsedMs;
const maxLagP99 = percentile(
  [...measured.lags].sort((x, y) => x - y),
  99,
);

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
  "personalize: MQTT.js → gateway broker → offer engine over 100,000 cached profiles, open loop at 1,000 req/s + 200 echo/s interleaved",
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
    echoProbes: e.length,
    lost,
    errors,
    decisionsLogged: stopped.outboxPending,
    pacingLagP99Ms: round(maxLagP99),
    gatewayLoopDelayP99Ms: round(stopped.loopDelayP99Ms),
    gatewayPersonalizeP99AtMostMs: stopped.rpcP99UpperMs.personalize,
    gatewayEchoP99AtMostMs: stopped.rpcP99UpperMs.echo,
    clientLoopDelayP99Ms: round(clientLoop.percentile(99) / 1e6),
    engineUs: round(1e6 / decisionsPerSec),
    cacheLoadMs: Math.round(ready.loadMs),
    cacheReopenMs: Math.round(ready.reopenMs),
  },
  options,
);
