/**
 * Proves each harness the cross-package tiers rely on, against the real thing:
 * a cloud-api process on port 0, a gateway process loading its config, Chromium,
 * PostgreSQL and Mosquitto.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  createTempDatabase,
  launchBrowser,
  MOSQUITTO_URL,
  packageBin,
  type RunningProcess,
  repoRoot,
  requireMosquitto,
  screenshot,
  startProcess,
} from "../harness/index.js";

const running: RunningProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

describe("process harness", () => {
  it("starts the cloud API on a free port and reaches /health", async () => {
    const cloud = await startProcess(packageBin("cloud-api", "proxima-cloud"), {
      args: ["serve", "--port", "0"],
    });
    running.push(cloud);
    expect(cloud.port).toBeGreaterThan(0);
    const res = await fetch(`${cloud.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", service: "proxima-cloud" });
    expect(await cloud.stop()).toBe(0);
  });

  it("says which port is taken instead of crashing obscurely", async () => {
    const first = await startProcess(packageBin("cloud-api", "proxima-cloud"), {
      args: ["serve", "--port", "0"],
    });
    running.push(first);
    const second = startProcess(packageBin("cloud-api", "proxima-cloud"), {
      args: ["serve", "--port", String(first.port)],
    });
    await expect(second).rejects.toThrow(new RegExp(`port ${first.port} on 127.0.0.1 is already taken`));
  });

  it("starts a gateway that loads its config and refuses a corrupt one", async () => {
    const config = join(repoRoot, "edge-gateway", "examples", "gateway.json");
    const gateway = await startProcess(packageBin("edge-gateway", "proxima-gateway"), {
      args: ["run", "--config", config],
      ready: (json) => json.msg === "config loaded",
    });
    running.push(gateway);
    expect(gateway.ready).toMatchObject({ venueId: "store-042", gatewayId: "gw-a" });
    await gateway.stop();

    const broken = startProcess(packageBin("edge-gateway", "proxima-gateway"), {
      args: ["run", "--config", join(repoRoot, "package.json")],
      ready: (json) => json.msg === "config loaded",
    });
    await expect(broken).rejects.toThrow(/refusing to start: invalid gateway config .*gatewayId/);
  });
});

describe("browser harness", () => {
  it("opens a page in real Chromium and saves a screenshot", async () => {
    const cloud = await startProcess(packageBin("cloud-api", "proxima-cloud"), {
      args: ["serve", "--port", "0"],
    });
    running.push(cloud);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 400 } });
      await page.goto(`${cloud.url}/health`);
      expect(await page.textContent("body")).toContain('"service":"proxima-cloud"');
      const path = await screenshot(page, "harness-health");
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).size).toBeGreaterThan(1000);
    } finally {
      await browser.close();
    }
  });
});

describe("PostgreSQL harness", () => {
  it("creates a throwaway database, uses it, and drops it", async () => {
    const db = await createTempDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("CREATE TABLE t (id int primary key)");
    await client.query("INSERT INTO t VALUES (1), (2)");
    const { rows } = await client.query("SELECT count(*)::int AS n FROM t");
    expect(rows[0].n).toBe(2);
    await client.end();
    await db.drop();
    const check = new pg.Client({ connectionString: db.url });
    await expect(check.connect()).rejects.toThrow(/does not exist/);
  });
});

describe("Mosquitto harness", () => {
  it("finds the local Mosquitto and round-trips a QoS 1 message through it", async () => {
    await requireMosquitto();
    const client = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4 });
    const topic = `proxima-test/${process.pid}/${Date.now()}`;
    await client.subscribeAsync(topic, { qos: 1 });
    const got = new Promise<string>((resolve) =>
      client.once("message", (_t, payload) => resolve(payload.toString())),
    );
    await client.publishAsync(topic, "hello", { qos: 1 });
    expect(await got).toBe("hello");
    await client.endAsync();
  });

  it("fails loudly, naming what is missing, when the broker is not there", async () => {
    await expect(requireMosquitto("mqtt://127.0.0.1:1", 2000)).rejects.toThrow(
      /Mosquitto is not reachable at mqtt:\/\/127.0.0.1:1/,
    );
  });
});
