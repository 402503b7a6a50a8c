/**
 * The gateway as users run it: `proxima-gateway kiosk add|list|revoke`, `profiles load`,
 * `run` on free ports (and a clear error on a taken one), TLS/WSS, revocation of a
 * connected kiosk, /health and /metrics on the WebSocket port.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { topicsFor } from "@proxima/shared";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageBin, type RunningProcess, repoRoot, startProcess } from "../harness/index.js";
import { closed, rpc } from "./gateway-fixture.js";

const run = promisify(execFile);
const bin = () => packageBin("edge-gateway", "proxima-gateway");
const gw = (...args: string[]) => run(process.execPath, [bin(), ...args], { encoding: "utf8" });

let dir: string;
let config: string;
const running: RunningProcess[] = [];

async function writeConfig(
  name: string,
  extra: Record<string, unknown> = {},
  mqttExtra: Record<string, unknown> = {},
) {
  const path = join(dir, name);
  await writeFile(
    path,
    JSON.stringify({
      gatewayId: "gw-a",
      venue: "./venue.json",
      dataDir: "./data",
      mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0, ...mqttExtra },
      scanner: { kind: "none" },
      seed: "./demo-data.json",
      ...extra,
    }),
  );
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "proxima-gw-cli-"));
  await copyFile(join(repoRoot, "edge-gateway/examples/venue.json"), join(dir, "venue.json"));
  await copyFile(join(repoRoot, "edge-gateway/examples/demo-data.json"), join(dir, "demo-data.json"));
  config = await writeConfig("gateway.json");
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

describe("proxima-gateway kiosk", () => {
  it("adds a kiosk (printing its secret once), lists it without the secret, and revokes it", async () => {
    const added = JSON.parse((await gw("kiosk", "add", "kiosk-7", "--config", config, "--json")).stdout);
    expect(added).toMatchObject({ id: "kiosk-7", role: "kiosk" });
    expect(added.secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const listed = (await gw("kiosk", "list", "--config", config)).stdout;
    expect(listed).toContain("kiosk-7");
    expect(listed).not.toContain(added.secret);
    expect((await gw("kiosk", "revoke", "kiosk-7", "--config", config)).stdout).toContain("revoked");
    await expect(gw("kiosk", "revoke", "kiosk-7", "--config", config)).rejects.toMatchObject({ code: 1 });
    await expect(gw("kiosk", "add", "bad/id", "--config", config)).rejects.toMatchObject({ code: 1 });
  });
});

describe("proxima-gateway profiles load", () => {
  it("loads an NDJSON file idempotently and refuses a bad one naming the line", async () => {
    const file = join(dir, "more.ndjson");
    const profile = (i: number) => ({
      id: `extra-${i}`,
      identities: [{ type: "loyalty", value: `X${i}` }],
      updatedAt: 5,
    });
    await writeFile(file, `${[1, 2, 3].map((i) => JSON.stringify(profile(i))).join("\n")}\n`);
    const first = JSON.parse((await gw("profiles", "load", file, "--config", config)).stdout);
    expect(first).toMatchObject({ changes: 3, applied: 3, unchanged: 0 });
    const again = JSON.parse((await gw("profiles", "load", file, "--config", config)).stdout);
    expect(again).toMatchObject({ applied: 0, unchanged: 3 });
    await writeFile(file, `${JSON.stringify(profile(4))}\n{"id": "no-identities", "updatedAt": 1}\n`);
    const refused = gw("profiles", "load", file, "--config", config);
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("line 2") });
  });
});

describe("proxima-gateway run", () => {
  let gateway: RunningProcess;
  let kioskSecret: string;

  beforeAll(async () => {
    kioskSecret = JSON.parse(
      (await gw("kiosk", "add", "kiosk-1", "--config", config, "--json")).stdout,
    ).secret;
    gateway = await startProcess(bin(), { args: ["run", "--config", config] });
    running.push(gateway);
  });

  it("listens on free ports and logs them", () => {
    expect(gateway.ready).toMatchObject({ msg: "listening", venueId: "store-042" });
    expect(gateway.port).toBeGreaterThan(0);
    expect(gateway.ready.wsPort).toEqual(expect.any(Number));
    expect(gateway.ready.profiles).toBeGreaterThanOrEqual(300);
  });

  it("serves a kiosk over TCP with the seeded catalogue and profiles", async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, {
      protocolVersion: 4,
      clientId: "kiosk-1",
      username: "kiosk-1",
      password: kioskSecret,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync(topicsFor("store-042").rpcResponse("kiosk-1"));
    const reply = await rpc(client, "kiosk-1", {
      id: "1",
      method: "personalize",
      params: { identity: { type: "loyalty", value: "L00100000" } },
    });
    expect(reply).toMatchObject({ ok: true, result: { customer: { id: "cust-000001" } } });
    const catalogue = await rpc(client, "kiosk-1", { id: "2", method: "catalogue", params: {} });
    expect(catalogue).toMatchObject({ ok: true, result: { catalogue: { version: "demo-2024.11" } } });
    await client.endAsync();
  });

  it("answers /health and /metrics on the WebSocket port", async () => {
    const base = `http://127.0.0.1:${gateway.ready.wsPort}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      gatewayId: "gw-a",
      profiles: expect.any(Number),
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("proxima_broker_clients");
    expect(metrics).toContain("proxima_rpc_requests_total");
  });

  it("disconnects a connected kiosk within seconds of `kiosk revoke`, and refuses it after", async () => {
    const secret = JSON.parse(
      (await gw("kiosk", "add", "kiosk-2", "--config", config, "--json")).stdout,
    ).secret;
    const url = `mqtt://127.0.0.1:${gateway.port}`;
    const options = {
      protocolVersion: 4 as const,
      clientId: "kiosk-2",
      username: "kiosk-2",
      password: secret,
      reconnectPeriod: 0,
    };
    const client = await mqtt.connectAsync(url, options);
    await gw("kiosk", "revoke", "kiosk-2", "--config", config);
    await closed(client, 10_000);
    await expect(mqtt.connectAsync(url, options)).rejects.toMatchObject({ code: 5 });
    await gateway.waitForLine(
      (_l, json) => json?.msg === "credentials revoked: disconnecting" && json.clientId === "kiosk-2",
    );
  });

  it("refuses to start, saying which port is taken and what to do", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const taken = await writeConfig("taken.json", {}, { tcpPort: port });
      const result = await gw("run", "--config", taken).then(
        () => null,
        (error: { code: number; stdout: string }) => error,
      );
      expect(result?.code).toBe(1);
      expect(result?.stdout).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe("TLS", () => {
  it("serves MQTTS and WSS with the configured certificate, and nothing in clear", async () => {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ]);
    const tlsConfig = await writeConfig(
      "tls.json",
      { dataDir: "./data-tls" },
      { tls: { key: "key.pem", cert: "cert.pem" } },
    );
    const secret = JSON.parse(
      (await gw("kiosk", "add", "kiosk-1", "--config", tlsConfig, "--json")).stdout,
    ).secret;
    const gateway = await startProcess(bin(), { args: ["run", "--config", tlsConfig] });
    running.push(gateway);
    expect(gateway.url).toMatch(/^mqtts:/);
    const options = {
      protocolVersion: 4 as const,
      clientId: "kiosk-1",
      username: "kiosk-1",
      password: secret,
      reconnectPeriod: 0,
      rejectUnauthorized: false, // self-signed for the test
    };
    const tcp = await mqtt.connectAsync(`mqtts://127.0.0.1:${gateway.port}`, options);
    await tcp.endAsync();
    const wss = await mqtt.connectAsync(`wss://127.0.0.1:${gateway.ready.wsPort}`, options);
    await wss.endAsync();
    const plain = mqtt.connect(`mqtt://127.0.0.1:${gateway.port}`, { ...options, connectTimeout: 2000 });
    const outcome = await new Promise<string>((resolve) => {
      plain.once("connect", () => resolve("connected"));
      plain.once("close", () => resolve("closed"));
      plain.once("error", () => resolve("error"));
    });
    plain.end(true);
    expect(outcome).not.toBe("connected");
    await gateway.stop();
  });
});
