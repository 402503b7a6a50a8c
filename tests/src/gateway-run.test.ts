/**
 * `proxima-gateway run` as a technician runs it, with the built bin as real processes:
 * the scanner chosen on the command line (noble fails clearly without Bluetooth,
 * simulate and replay run), the sensing series on /metrics, and a satellite gateway
 * forwarding what its scanner hears to a hub gateway's presence.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadGatewayConfig } from "@proxima/edge-gateway";
import { type PresenceEvent, type TraceRecord, topicsFor, type Venue } from "@proxima/shared";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageBin, type RunningProcess, repoRoot, startProcess } from "../harness/index.js";
import { FaultProxy } from "./fault-proxy.js";

const exec = promisify(execFile);
const bin = () => packageBin("edge-gateway", "proxima-gateway");
const gw = (...args: string[]) => exec(process.execPath, [bin(), ...args], { encoding: "utf8" });

const venueId = "two-rooms";
const venue: Venue = {
  venueId,
  name: "Two rooms",
  scanners: [
    { id: "hub-1", zone: "front", position: { x: 0, y: 0 } },
    { id: "sat-1", zone: "back", position: { x: 12, y: 0 } },
  ],
  zones: [
    { id: "front", name: "Front", kind: "entrance" },
    { id: "back", name: "Back", kind: "area" },
  ],
};
const topics = topicsFor(venueId);
/** iBeacon frames (Apple company id, 0215, UUID, major 3838, minor, tx power) and their subjects */
const beacon = (minor: number) => ({
  data: `4c000215426c7565436861726d426561636f6e730efe${minor.toString(16).padStart(4, "0")}c5`,
  subject: `ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:${minor}`,
});
const AT_HUB = beacon(4949);
const AT_SATELLITE = beacon(4950);
/** heard only by the hub's radio, but present in the satellite's (whole-venue) trace */
const NOT_FORWARDED = beacon(4951);
/** heard by the satellite during hub outages */
const DURING_OUTAGE = beacon(4952);
const LOST_IN_OUTAGE = beacon(4953);

/** A trace: each beacon advertises every 100 ms at one scanner from `fromMs` to `toMs`. */
function trace(
  beacons: { data: string; scanner: string; rssi: number }[],
  fromMs: number,
  toMs: number,
): string {
  const t0 = 1_732_262_400_000;
  const lines: TraceRecord[] = [
    // an anonymous phone at t0, so the replay starts its clock before the beacons appear
    { ts: t0, scanner: beacons[0]!.scanner, address: "7a:00:00:00:00:01", rssi: -80 },
  ];
  for (let t = fromMs; t <= toMs; t += 100)
    for (const [i, b] of beacons.entries())
      lines.push({
        ts: t0 + t,
        scanner: b.scanner,
        address: `c4:7c:8d:6a:11:${(i + 2).toString(16).padStart(2, "0")}`,
        rssi: b.rssi,
        manufacturerData: b.data,
      });
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

let dir: string;
const running: RunningProcess[] = [];
const clients: mqtt.MqttClient[] = [];
const proxies: FaultProxy[] = [];

async function writeConfig(name: string, body: Record<string, unknown>): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    JSON.stringify({
      venue: "./venue.json",
      dataDir: `./data-${name}`,
      mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0 },
      ...body,
    }),
  );
  return path;
}

async function start(args: string[], ready?: (json: Record<string, unknown>) => boolean) {
  const process = await startProcess(bin(), { args, ...(ready ? { ready } : {}) });
  running.push(process);
  return process;
}

/** An MQTT client with a `service` credential of the gateway: it may read every topic. */
async function serviceClient(config: string, port: number, id: string): Promise<mqtt.MqttClient> {
  const added = JSON.parse(
    (await gw("kiosk", "add", id, "--role", "service", "--config", config, "--json")).stdout,
  );
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    clientId: id,
    username: id,
    password: added.secret,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

function presenceEvents(client: mqtt.MqttClient): PresenceEvent[] {
  const events: PresenceEvent[] = [];
  client.on("message", (topic, payload) => {
    if (topic.endsWith("/presence")) events.push(JSON.parse(payload.toString()) as PresenceEvent);
  });
  return events;
}

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "proxima-gw-run-"));
  await writeFile(join(dir, "venue.json"), JSON.stringify(venue));
  await copyFile(join(repoRoot, "edge-gateway/examples/venue.json"), join(dir, "store.json"));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await Promise.all(running.map((p) => p.stop()));
  await Promise.all(proxies.map((p) => p.close()));
});

describe("proxima-gateway run --scanner", () => {
  it("a noble config on a machine without Bluetooth exits non-zero with the no_adapter advice", async () => {
    const config = await writeConfig("noble.json", { gatewayId: "hub-1", scanner: { kind: "noble" } });
    const failed = await gw("run", "--config", config).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed, "run on noble without an adapter must fail").not.toBeNull();
    expect(failed!.code).toBe(1);
    const output = `${failed!.stdout}${failed!.stderr}`;
    const fatal = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { level: number; code?: string; msg: string })
      .find((l) => l.level === 60);
    expect(fatal).toMatchObject({ code: "no_adapter" });
    expect(fatal!.msg).toContain("--scanner simulate");
    expect(fatal!.msg).toContain("--scanner replay");
    // a message, not a crash
    expect(output).not.toMatch(/^\s+at /m);
  });

  it("the same config with --scanner simulate starts and listens", async () => {
    const config = await writeConfig("noble-sim.json", { gatewayId: "hub-1", scanner: { kind: "noble" } });
    const gateway = await start(["run", "--config", config, "--scanner", "simulate", "--seed", "7"]);
    expect(gateway.port).toBeGreaterThan(0);
    await gateway.waitForLine((_, j) => j?.msg === "simulated venue started" && j.seed === 7);
    expect(await gateway.stop()).toBe(0);
  });

  it("refuses unknown scanners and a replay without a trace, with the usage", async () => {
    const config = await writeConfig("flags.json", { gatewayId: "hub-1", scanner: { kind: "none" } });
    for (const args of [
      ["--scanner", "radio"],
      ["--scanner", "replay"],
      ["--trace", "x.jsonl"],
    ]) {
      const failed = await gw("run", "--config", config, ...args).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code, args.join(" ")).toBe(2);
      expect(failed?.stderr).toContain("Usage: proxima-gateway run");
    }
  });

  it("--scanner replay --trace publishes the trace's presence on the broker", async () => {
    const traceFile = join(dir, "hub-trace.jsonl");
    await writeFile(traceFile, trace([{ data: AT_HUB.data, scanner: "hub-1", rssi: -60 }], 2500, 6000));
    const config = await writeConfig("replay.json", { gatewayId: "hub-1", scanner: { kind: "noble" } });
    const gateway = await start(["run", "--config", config, "--scanner", "replay", "--trace", traceFile]);
    const client = await serviceClient(config, gateway.port, "watcher-1");
    const events = presenceEvents(client);
    await client.subscribeAsync(topics.zonePresence("front"), { qos: 1 });
    await until("a presence enter in front", () => events.some((e) => e.type === "enter"), 15_000);
    expect(events[0]).toMatchObject({ type: "enter", zone: "front", subject: AT_HUB.subject, venueId });
  });
});

describe("/metrics of a running gateway", () => {
  it("shows the sensing series with adverts counted, and the outbox", async () => {
    const config = await writeConfig("metrics.json", {
      gatewayId: "gw-a",
      venue: "./store.json",
      scanner: { kind: "simulate", seed: 3, visitors: 30, speed: 20 },
    });
    const gateway = await start(["run", "--config", config]);
    const scrape = async () => (await fetch(`http://127.0.0.1:${gateway.ready.wsPort}/metrics`)).text();
    const value = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
    };
    let text = "";
    await until(
      "subject adverts on /metrics",
      async () => {
        text = await scrape();
        return value(text, 'proxima_ble_adverts_total{kind="subject"}') > 0;
      },
      15_000,
    );
    expect(value(text, 'proxima_ble_adverts_total{kind="subject"}')).toBeGreaterThan(0);
    expect(value(text, 'proxima_ble_adverts_total{kind="anonymous"}')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^proxima_presence_subjects\{state="tracked"\} \d+/m);
    expect(text).toMatch(/^proxima_presence_subjects\{state="present"\} \d+/m);
    expect(text).toMatch(/^proxima_zone_occupancy\{zone="entrance"\} \d+/m);
    expect(text).toMatch(/^proxima_gateway_outbox_pending \d+/m);
  });
});

describe("satellite gateway → hub gateway", () => {
  it("the example satellite config is valid", async () => {
    const loaded = await loadGatewayConfig(join(repoRoot, "edge-gateway/examples/satellite.json"));
    expect(loaded.ok && loaded.value.config).toMatchObject({ role: "satellite", hub: { bufferMs: 30_000 } });
  });

  it("the hub places a subject only the satellite's scanner hears in the satellite's zone", async () => {
    // the hub's own radio hears AT_HUB only
    const hubTrace = join(dir, "hub-only.jsonl");
    await writeFile(hubTrace, trace([{ data: AT_HUB.data, scanner: "hub-1", rssi: -60 }], 2500, 30_000));
    const hubConfig = await writeConfig("hub.json", {
      gatewayId: "hub-1",
      scanner: { kind: "replay", trace: "./hub-only.jsonl" },
    });
    const hub = await start(["run", "--config", hubConfig]);
    const watcher = await serviceClient(hubConfig, hub.port, "watcher-2");
    const events = presenceEvents(watcher);
    await watcher.subscribeAsync(`${topics.root}/zone/+/presence`, { qos: 1 });

    const scanner = JSON.parse(
      (await gw("kiosk", "add", "sat-1", "--role", "scanner", "--config", hubConfig, "--json")).stdout,
    );
    // the satellite replays a whole-venue trace: it forwards only what its own scanner heard
    await writeFile(
      join(dir, "venue-trace.jsonl"),
      trace(
        [
          { data: AT_SATELLITE.data, scanner: "sat-1", rssi: -60 },
          { data: NOT_FORWARDED.data, scanner: "hub-1", rssi: -60 },
        ],
        500,
        8000,
      ),
    );
    const satelliteConfig = await writeConfig("satellite.json", {
      gatewayId: "sat-1",
      role: "satellite",
      hub: { url: `mqtt://127.0.0.1:${hub.port}`, password: scanner.secret, flushMs: 100 },
      scanner: { kind: "replay", trace: "./venue-trace.jsonl" },
    });
    const satellite = await start(["run", "--config", satelliteConfig], (j) => j.msg === "hub connected");

    await until(
      "the satellite's subject entering back",
      () => events.some((e) => e.type === "enter" && e.subject === AT_SATELLITE.subject),
      20_000,
    );
    const entered = events.find((e) => e.type === "enter" && e.subject === AT_SATELLITE.subject);
    expect(entered).toMatchObject({ zone: "back", venueId });
    await until(
      "the hub's own subject entering front",
      () => events.some((e) => e.type === "enter" && e.subject === AT_HUB.subject && e.zone === "front"),
      10_000,
    );
    expect(events.some((e) => e.subject === NOT_FORWARDED.subject)).toBe(false);

    expect(await satellite.stop()).toBe(0);
    const stopped = JSON.parse(
      (await satellite.waitForLine((_, j) => j?.msg === "stopped")) as string,
    ) as Record<string, number>;
    expect(stopped.forwarded).toBeGreaterThan(0);
    expect(stopped.ignored).toBeGreaterThan(0);
  });

  it("a satellite whose credential the hub refuses exits 1 saying how to add it", async () => {
    const hubConfig = await writeConfig("hub-2.json", { gatewayId: "hub-1", scanner: { kind: "none" } });
    const hub = await start(["run", "--config", hubConfig]);
    const satelliteConfig = await writeConfig("satellite-bad.json", {
      gatewayId: "sat-1",
      role: "satellite",
      hub: { url: `mqtt://127.0.0.1:${hub.port}`, password: "not-the-secret" },
      scanner: { kind: "none" },
    });
    const failed = await gw("run", "--config", satelliteConfig).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain("kiosk add sat-1 --role scanner");
  });
});

describe("satellite through a hub outage", () => {
  it("sightings heard while the hub link is down reach the hub on reconnect, within the buffer's bound", async () => {
    const hubConfig = await writeConfig("hub-3.json", { gatewayId: "hub-1", scanner: { kind: "none" } });
    const hub = await start(["run", "--config", hubConfig]);
    const watcher = await serviceClient(hubConfig, hub.port, "watcher-3");
    const events = presenceEvents(watcher);
    await watcher.subscribeAsync(`${topics.root}/zone/+/presence`, { qos: 1 });
    const link = await FaultProxy.start(hub.port);
    proxies.push(link);
    const scanner = JSON.parse(
      (await gw("kiosk", "add", "sat-1", "--role", "scanner", "--config", hubConfig, "--json")).stdout,
    );

    /** A satellite whose subject advertises 1.5–4 s into its trace while the link is down (0–5 s). */
    const outage = async (name: string, subject: { data: string }, bufferMs: number) => {
      await writeFile(
        join(dir, `${name}.jsonl`),
        trace([{ data: subject.data, scanner: "sat-1", rssi: -60 }], 1500, 4000),
      );
      const config = await writeConfig(`${name}.json`, {
        gatewayId: "sat-1",
        role: "satellite",
        hub: { url: `mqtt://127.0.0.1:${link.port}`, password: scanner.secret, flushMs: 100, bufferMs },
        scanner: { kind: "replay", trace: `./${name}.jsonl` },
      });
      const satellite = await start(["run", "--config", config], (j) => j.msg === "hub connected");
      link.down();
      await satellite.waitForLine(
        (_, j) => j?.msg === "hub connection lost; buffering sightings and reconnecting",
      );
      await satellite.waitForLine((_, j) => j?.msg === "replay scanner reached the end of its trace", 15_000);
      await new Promise((r) => setTimeout(r, 1000));
      link.up();
      await until(
        "the satellite reconnecting",
        () => satellite.lines.filter((l) => l.includes('"msg":"hub connected"')).length >= 2,
        10_000,
      );
      return { satellite, reconnectedAt: Date.now() };
    };

    const { satellite: kept, reconnectedAt } = await outage("outage-kept", DURING_OUTAGE, 30_000);
    await kept.waitForLine(
      (_, j) => j?.msg === "buffered sightings sent to the hub" && Number(j.batches) > 0,
    );
    await until(
      "the subject heard during the outage entering back",
      () =>
        events.some((e) => e.type === "enter" && e.subject === DURING_OUTAGE.subject && e.zone === "back"),
      10_000,
    );
    // dated when it happened, during the outage, not when the link came back
    const entered = events.find((e) => e.type === "enter" && e.subject === DURING_OUTAGE.subject);
    expect(entered!.ts).toBeLessThan(reconnectedAt - 500);
    expect(await kept.stop()).toBe(0);

    // a 1 s bound: the outage outlasts every batch, which is dropped (and said), never sent
    const { satellite: bounded } = await outage("outage-bounded", LOST_IN_OUTAGE, 1000);
    await bounded.waitForLine(
      (_, j) =>
        j?.msg === "sightings older than the buffer allows were dropped while the hub was unreachable",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.some((e) => e.subject === LOST_IN_OUTAGE.subject)).toBe(false);
    expect(await bounded.stop()).toBe(0);
    const stopped = JSON.parse(await bounded.waitForLine((_, j) => j?.msg === "stopped")) as Record<
      string,
      number
    >;
    expect(stopped.droppedBatches).toBeGreaterThan(0);
    expect(stopped.buffered).toBe(0);
  });
});
