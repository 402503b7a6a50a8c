/**
 * Gateway ↔ cloud sync as users run it: `proxima-cloud serve` and `proxima-gateway run`
 * (real processes, real sockets, SQLite on both sides). A kiosk's QoS 1 event and the
 * simulated venue's presence reach the cloud within about a second; a campaign created
 * in the cloud reaches the gateway by delta pull; `proxima-gateway status` reports the
 * backlog and the last successful sync; a revoked token stops the flow without losing
 * anything.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SqlStore } from "@proxima/cloud-api";
import { Campaign, newId, topicsFor } from "@proxima/shared";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageBin, type RunningProcess, repoRoot, startProcess } from "../harness/index.js";

const exec = promisify(execFile);
let dir: string;
let database: string;
let cloud: RunningProcess;
let gateway: RunningProcess;
let config: string;
let kioskSecret: string;

const cloudCli = (...args: string[]) =>
  exec(process.execPath, [packageBin("cloud-api", "proxima-cloud"), ...args], {
    encoding: "utf8",
    env: { ...process.env, PROXIMA_DATABASE_URL: database },
  });
const gatewayCli = (...args: string[]) =>
  exec(process.execPath, [packageBin("edge-gateway", "proxima-gateway"), ...args], { encoding: "utf8" });

async function withStore<T>(fn: (store: SqlStore) => Promise<T>): Promise<T> {
  const store = await SqlStore.open(database);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "proxima-sync-"));
  database = join(dir, "cloud.db");
  const token = JSON.parse(
    (await cloudCli("token", "create", "--source", "gateway:gw-a", "--venue", "store-042", "--json")).stdout,
  ).token as string;
  cloud = await startProcess(packageBin("cloud-api", "proxima-cloud"), {
    args: ["serve", "--port", "0"],
    env: { PROXIMA_DATABASE_URL: database },
  });
  await copyFile(join(repoRoot, "edge-gateway/examples/venue.json"), join(dir, "venue.json"));
  config = join(dir, "gateway.json");
  await writeFile(
    config,
    JSON.stringify({
      gatewayId: "gw-a",
      venue: "./venue.json",
      dataDir: "./data",
      mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0 },
      scanner: { kind: "simulate", seed: 3, visitors: 8, speed: 20 },
      cloud: { url: cloud.url, token, pullIntervalMs: 1000 },
      logLevel: "debug",
    }),
  );
  kioskSecret = JSON.parse((await gatewayCli("kiosk", "add", "kiosk-1", "--config", config, "--json")).stdout)
    .secret as string;
  gateway = await startProcess(packageBin("edge-gateway", "proxima-gateway"), {
    args: ["run", "--config", config],
  });
});

afterAll(async () => {
  await gateway?.stop();
  await cloud?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("gateway ↔ cloud sync", () => {
  it("gets a kiosk's QoS 1 event to the cloud within about a second of the PUBACK", async () => {
    const client = await mqtt.connectAsync(gateway.url, {
      clientId: "kiosk-1",
      username: "kiosk-1",
      password: kioskSecret,
      protocolVersion: 4,
    });
    try {
      const id = newId();
      const event = {
        id,
        ts: Date.now(),
        venueId: "store-042",
        source: { kind: "kiosk", id: "kiosk-1" },
        type: "feedback.submitted",
        identity: { type: "loyalty", value: "L-424242" },
        data: { rating: 5 },
      };
      await client.publishAsync(topicsFor("store-042").kioskEvents("kiosk-1"), JSON.stringify(event), {
        qos: 1,
      });
      const acked = Date.now();
      await until(
        "the event in the cloud",
        () =>
          withStore(async (store) =>
            (await store.sql.all<{ id: string }>("SELECT id FROM events WHERE id = $1", [id])).length > 0
              ? true
              : null,
          ),
        5000,
      );
      expect(Date.now() - acked).toBeLessThan(1500);
    } finally {
      await client.endAsync();
    }
  });

  it("gets the simulated venue's presence into the cloud", async () => {
    const presence = await until("presence events in the cloud", () =>
      withStore(async (store) => {
        const rows = await store.sql.all<{ n: number }>(
          "SELECT count(*) AS n FROM events WHERE type = 'presence.enter' AND venue_id = 'store-042'",
        );
        return Number(rows[0]?.n ?? 0) > 0 ? Number(rows[0]!.n) : null;
      }),
    );
    expect(presence).toBeGreaterThan(0);
  });

  it("pulls a campaign created in the cloud into the gateway", async () => {
    const campaign = Campaign.parse({
      id: "sync-test-summer",
      name: "Summer",
      status: "active",
      channels: ["kiosk"],
      startsAt: 0,
      audience: { venues: ["store-042"] },
      variants: [{ id: "a", weight: 1, productId: "cola", title: "Cola", reason: "it is hot" }],
    });
    await withStore((store) => store.upsertCampaign(campaign));
    await gateway.waitForLine(
      (_, json) => json?.msg === "delta page applied" && Number(json.changes) > 0,
      15_000,
    );
  });

  it("status shows the backlog, the oldest unsent event and the last successful sync", async () => {
    const status = JSON.parse((await gatewayCli("status", "--config", config, "--json")).stdout) as {
      pending: number;
      lastSyncAt: number | null;
      dropped: number;
    };
    expect(status.lastSyncAt).not.toBeNull();
    expect(Date.now() - status.lastSyncAt!).toBeLessThan(60_000);
    expect(status.dropped).toBe(0);
    const text = (await gatewayCli("status", "--config", config)).stdout;
    expect(text).toMatch(/backlog\s+[\d,]+ events waiting for the cloud/);
    expect(text).toMatch(/last sync\s+\d{4}-/);
  });

  it("keeps events queued while the token is revoked, and the cloud refuses them with unauthorized", async () => {
    await cloudCli("token", "revoke", "gateway:gw-a");
    await gateway.waitForLine(
      (_, json) =>
        json?.msg ===
        "the cloud refuses this gateway's token: check cloud.token (proxima-cloud token create --source gateway:<id>)",
      20_000,
    );
    const status = JSON.parse((await gatewayCli("status", "--config", config, "--json")).stdout) as {
      pending: number;
      oldestPendingTs: number | null;
    };
    expect(status.pending).toBeGreaterThan(0);
    expect(status.oldestPendingTs).not.toBeNull();
  });
});
