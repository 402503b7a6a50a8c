/**
 * Store-and-forward under faults, with real processes: the cloud CLI (`proxima-cloud
 * serve`, SQLite) behind a TCP proxy the test controls, and a gateway process running the
 * real outbox and sync client (fault-gateway.ts). After every fault the cloud must hold
 * exactly the events the gateway acknowledged (its durable appends), each once.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { seededRandom, topicsFor } from "@proxima/shared";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudCli, packageBin, type RunningProcess, repoRoot, startProcess } from "../harness/index.js";
import { faultEvent, faultId } from "./fault-gateway.js";
import { FaultProxy } from "./fault-proxy.js";

const CLOUD = packageBin("cloud-api", "proxima-cloud");
const DRIVER = join(repoRoot, "tests", "src", "fault-gateway.ts");
const work = mkdtempSync(join(tmpdir(), "fault-sync-"));
const database = join(work, "cloud.db");
let cloud: RunningProcess;
let proxy: FaultProxy;
let token: string;
let nextTrial = 1;

async function startCloud(): Promise<RunningProcess> {
  return startProcess(CLOUD, { args: ["serve", "--port", "0"], env: { PROXIMA_DATABASE_URL: database } });
}

interface GatewayRun {
  process: RunningProcess;
  dataDir: string;
  trial: number;
}

function startGateway(dataDir: string, trial: number, args: string[]): Promise<RunningProcess> {
  return startProcess(DRIVER, {
    args: ["--data", dataDir, "--cloud", proxy.url, "--token", token, "--trial", String(trial), ...args],
    env: { NODE_OPTIONS: "--conditions=@proxima/source --import tsx" },
    cwd: repoRoot,
    ready: (json) => json.msg === "started",
  });
}

async function newGateway(args: string[], dataDir?: string): Promise<GatewayRun> {
  const trial = nextTrial++;
  const dir = dataDir ?? join(work, `gw-${trial}`);
  mkdirSync(dir, { recursive: true });
  return { process: await startGateway(dir, trial, args), dataDir: dir, trial };
}

/** The highest `through` of an `appended` line: every event below it was acknowledged. */
function acknowledged(run: RunningProcess): number {
  let through = 0;
  for (const line of run.lines) {
    const match = /"msg":"appended","through":(\d+)/.exec(line);
    if (match) through = Math.max(through, Number(match[1]));
  }
  return through;
}

async function drained(run: RunningProcess, ms = 60_000): Promise<Record<string, number>> {
  const line = await run.waitForLine((_, json) => json?.msg === "drained", ms);
  return JSON.parse(line) as Record<string, number>;
}

/** The event indexes of one trial the cloud holds, with how many rows each has. */
async function cloudIndexes(trial: number): Promise<number[]> {
  const { SqlStore } = await import("@proxima/cloud-api");
  const store = await SqlStore.open(database);
  try {
    const prefix = faultId(trial, 0).slice(0, 8);
    const rows = await store.sql.all<{ id: string }>("SELECT id FROM events WHERE id >= $1 AND id < $2", [
      `${prefix}-`,
      `${prefix}.`,
    ]);
    return rows.map((row) => Number.parseInt(row.id.slice(-12), 16)).sort((a, b) => a - b);
  } finally {
    await store.close();
  }
}

/** Exactly the first `count` events, each once. */
function expectExactly(indexes: number[], count: number, what: string): void {
  expect(indexes.length, `${what}: stored rows`).toBe(count);
  for (let i = 0; i < indexes.length; i++)
    if (indexes[i] !== i) expect.fail(`${what}: event ${i} missing or stored twice (found ${indexes[i]})`);
}

beforeAll(async () => {
  const created = cloudCli(database, ["token", "create", "--source", "gateway:gw-fault", "--json"]);
  token = (JSON.parse(created.trim().split("\n").at(-1)!) as { token: string }).token;
  cloud = await startCloud();
  proxy = await FaultProxy.start(cloud.port);
});

afterAll(async () => {
  await proxy?.close();
  await cloud?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("store-and-forward under faults", () => {
  it("kill -9 of the gateway at 20 random points of a 100,000-event sync: nothing lost, nothing twice", async () => {
    const EVENTS = 100_000;
    const KILLS = 20;
    const seed = Number(process.env.PROXIMA_FAULT_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    const trial = nextTrial++;
    const dataDir = join(work, `gw-${trial}`);
    mkdirSync(dataDir, { recursive: true });
    // the producer keeps to 8,000 events/s, so kills land while events are being
    // appended, sent and acknowledged at once, as on a busy gateway
    const args = (from: number, rate: number) => [
      "--events",
      String(EVENTS),
      "--from",
      String(from),
      "--rate",
      String(rate),
      "--chunk",
      "250",
    ];
    // One kill in each twentieth of the first 95,000 events: once the producer has
    // acknowledged a random count within that stretch, and 0–150 ms (up to ~1,200 events)
    // later, so each kill falls at another phase of appending, sending and acknowledging,
    // and every one of them before the sync is over.
    const stretch = (EVENTS - 5_000) / KILLS;
    let from = 0;
    let acked = 0;
    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const run = await startGateway(dataDir, trial, args(from, 8000));
      const where = `kill ${k} (seed ${seed})`;
      // nothing acknowledged before the last kill is missing from the outbox or the cloud
      expect(Number(run.ready.resumeFrom), where).toBeGreaterThanOrEqual(acked);
      const target = Math.floor((k + random()) * stretch);
      await run.waitForLine((_, json) => json?.msg === "appended" && Number(json.through) >= target, 60_000);
      const extraMs = Math.floor(random() * 150);
      await new Promise((resolve) => setTimeout(resolve, extraMs));
      expect(acknowledged(run), `${where}: killed before the last event was appended`).toBeLessThan(EVENTS);
      await run.kill9();
      acked = Math.max(acked, acknowledged(run));
      const stored = await cloudIndexes(trial);
      // batches go in order, each stored in one transaction: always a gap-free prefix, once each
      expectExactly(stored, stored.length, `${where} at ${target} + ${extraMs} ms`);
      kills.push(`${target}+${extraMs}ms:acked=${acked},stored=${stored.length}`);
      from = stored.length;
    }
    expect(acked, "the kills all fell before the last event was acknowledged").toBeLessThan(EVENTS);
    const last = await startGateway(dataDir, trial, args(from, 0));
    expect(Number(last.ready.resumeFrom)).toBeGreaterThanOrEqual(acked);
    await drained(last, 120_000);
    await last.stop();
    expectExactly(await cloudIndexes(trial), EVENTS, `after ${KILLS} kills (seed ${seed})`);
    console.log(`kill -9 points (seed ${seed}): ${kills.join(" ")}`);
  }, 300_000);

  it("cloud stopped for a while and restarted: the backlog waits on disk and drains exactly once", async () => {
    const run = await newGateway(["--events", "30000", "--chunk", "250"]);
    await run.process.waitForLine((_, json) => json?.msg === "appended" && Number(json.through) >= 5000);
    await cloud.kill9();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const stats = JSON.parse(
      execFileSync(
        process.execPath,
        [
          packageBin("edge-gateway", "proxima-gateway"),
          "status",
          "--json",
          "--config",
          gatewayConfig(run.dataDir),
        ],
        {
          encoding: "utf8",
        },
      ),
    ) as { pending: number; oldestPendingTs: number | null };
    expect(stats.pending).toBeGreaterThan(0);
    expect(stats.oldestPendingTs).not.toBeNull();
    cloud = await startCloud();
    proxy.setTarget(cloud.port);
    await drained(run.process);
    expectExactly(await cloudIndexes(run.trial), 30_000, "cloud restart");
    await run.process.stop();
  });

  it("network cut mid-request and mid-response: re-sent batches are stored once", async () => {
    proxy.cutNextRequests(3);
    proxy.cutNextResponses(3);
    const run = await newGateway(["--events", "20000", "--chunk", "500", "--batch-events", "1000"]);
    await drained(run.process);
    expect(proxy.cuts.requests).toBeGreaterThan(0);
    expect(proxy.cuts.responses).toBeGreaterThan(0);
    expectExactly(await cloudIndexes(run.trial), 20_000, "network cuts");
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    // the cut responses were for batches the cloud had stored: their re-sends are duplicates
    expect(
      Number(/proxima_cloud_ingest_events_total\{outcome="duplicate"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(0);
    await run.process.stop();
  });

  it("the same batch delivered twice changes nothing the second time; a bad event sinks nothing", async () => {
    const trial = nextTrial++;
    const events: unknown[] = Array.from({ length: 300 }, (_, i) => faultEvent(trial, i));
    events.splice(100, 0, { ...faultEvent(trial, 999), type: "no.such.type" });
    const body = new Uint8Array(gzipSync(JSON.stringify({ events })));
    const send = async () => {
      const res = await fetch(`${cloud.url}/v1/events`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-encoding": "gzip",
        },
        body,
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number }[] };
    };
    const first = await send();
    expect(first).toMatchObject({ accepted: 300, duplicates: 0 });
    expect(first.rejected.map((r) => r.index)).toEqual([100]);
    const second = await send();
    expect(second).toMatchObject({ accepted: 0, duplicates: 300 });
    expectExactly(await cloudIndexes(trial), 300, "twice-delivered batch");
  });

  it("outbox quota reached while the cloud is unreachable: storage_full, nothing acknowledged lost", async () => {
    proxy.down();
    const run = await newGateway(["--events", "0", "--chunk", "200", "--max-bytes", String(2 * 1024 * 1024)]);
    const full = JSON.parse(
      await run.process.waitForLine((_, json) => json?.msg === "storage_full", 60_000),
    ) as { acked: number; message: string };
    expect(full.message).toMatch(/outbox quota .* is reached/);
    expect(full.acked).toBeGreaterThan(1000);
    proxy.up();
    const done = await drained(run.process);
    expect(done.dropped).toBe(0);
    expectExactly(await cloudIndexes(run.trial), full.acked, "quota full");
    await run.process.stop();
  });

  it("a really full disk (a small tmpfs) surfaces as storage_full and loses nothing acknowledged", async () => {
    if (process.getuid?.() !== 0)
      throw new Error("this test mounts a tmpfs to fill a real disk: it needs root (CI runs as root)");
    const mount = join(work, "tmpfs");
    mkdirSync(mount, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", mount]);
    try {
      // half the disk is taken by something else (logs, a download) — the usual story
      writeFileSync(join(mount, "filler"), Buffer.alloc(24 * 1024 * 1024));
      proxy.down();
      const run = await newGateway(["--events", "0", "--chunk", "200"], join(mount, "gw"));
      const full = JSON.parse(
        await run.process.waitForLine((_, json) => json?.msg === "storage_full", 60_000),
      ) as { acked: number; message: string };
      expect(full.message).toMatch(/disk is full/);
      expect(full.acked).toBeGreaterThan(1000);
      // the link returns while the disk stays full: the outbox's reserve lets it drain
      proxy.up();
      await drained(run.process, 120_000);
      expectExactly(await cloudIndexes(run.trial), full.acked, "tmpfs full");
      await run.process.stop();
    } finally {
      proxy.up();
      execFileSync("umount", ["-l", mount]);
    }
  }, 240_000);
});

describe("the whole gateway (proxima-gateway run) killed while kiosks publish", () => {
  it("every event a kiosk got a PUBACK for reaches the cloud once, across 3 kill -9s", async () => {
    const trial = nextTrial++;
    const dir = join(work, `full-${trial}`);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({
        gatewayId: "gw-fault",
        venue: join(repoRoot, "edge-gateway", "examples", "venue.json"),
        dataDir: join(dir, "data"),
        mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0 },
        scanner: { kind: "none" },
        cloud: { url: proxy.url, token },
      }),
    );
    const gatewayBin = packageBin("edge-gateway", "proxima-gateway");
    const added = JSON.parse(
      execFileSync(process.execPath, [gatewayBin, "kiosk", "add", "kiosk-1", "--config", config, "--json"], {
        encoding: "utf8",
      }),
    ) as { secret: string };
    const topic = topicsFor("store-042").kioskEvents("kiosk-1");
    const acknowledged = new Set<string>();
    let index = 0;
    for (let kill = 0; kill < 3; kill++) {
      const gateway = await startProcess(gatewayBin, { args: ["run", "--config", config] });
      const client = await mqtt.connectAsync(gateway.url, {
        clientId: "kiosk-1",
        username: "kiosk-1",
        password: added.secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      client.on("error", () => undefined);
      // 16 publishers in flight, like a busy kiosk plus retries
      let stop = false;
      const publishers = Array.from({ length: 16 }, async () => {
        while (!stop) {
          const event = { ...faultEvent(trial, index++), source: { kind: "kiosk", id: "kiosk-1" } };
          try {
            await client.publishAsync(topic, JSON.stringify(event), { qos: 1 });
            acknowledged.add(event.id);
          } catch {
            return; // the gateway died: this one got no PUBACK
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 800 + kill * 400));
      await gateway.kill9();
      stop = true;
      client.end(true);
      await Promise.all(publishers);
    }
    expect(acknowledged.size).toBeGreaterThan(100);
    // the restarted gateway drains what it acknowledged before the last kill
    const gateway = await startProcess(gatewayBin, { args: ["run", "--config", config] });
    try {
      const ids = await (async () => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const stored = new Set((await cloudIndexes(trial)).map((i) => faultId(trial, i)));
          const status = JSON.parse(
            execFileSync(process.execPath, [gatewayBin, "status", "--json", "--config", config], {
              encoding: "utf8",
            }),
          ) as { pending: number };
          if (status.pending === 0 && [...acknowledged].every((id) => stored.has(id))) return stored;
          if (Date.now() > deadline)
            throw new Error(
              `${status.pending} events still queued; ${stored.size} stored of ${acknowledged.size}`,
            );
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      // each once (primary key), and nothing the kiosks never sent
      const rows = await cloudIndexes(trial);
      expect(new Set(rows).size).toBe(rows.length);
      expect(rows.every((i) => i < index)).toBe(true);
      expect(ids.size).toBeGreaterThanOrEqual(acknowledged.size);
    } finally {
      await gateway.stop();
    }
  }, 180_000);
});

/** A gateway.json whose dataDir is the driver's, so `proxima-gateway status` reads that outbox. */
function gatewayConfig(dataDir: string): string {
  const path = join(dataDir, "gateway.json");
  writeFileSync(
    path,
    JSON.stringify({
      gatewayId: "gw-fault",
      venue: join(repoRoot, "edge-gateway", "examples", "venue.json"),
      dataDir,
      scanner: { kind: "none" },
    }),
  );
  return path;
}
