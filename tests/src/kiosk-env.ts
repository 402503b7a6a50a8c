/**
 * A real venue for kiosk end-to-end tests and the kiosk benchmark: a gateway process
 * (`proxima-gateway run`, ports 0) seeded with the kiosk fixtures, kiosk credentials
 * from `proxima-gateway kiosk add`, and the kiosk's production build served with a
 * provisioning bundle per kiosk (`proxima-kiosk serve`).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { packageBin, type RunningProcess, repoRoot, startProcess } from "../harness/index.js";
import { seedLines, VENUE_ID } from "./kiosk-fixtures.js";

const run = promisify(execFile);

export interface KioskEnvOptions {
  kiosks?: string[];
  /** generated shoppers on top of the named ones */
  profiles?: number;
}

export interface Credential {
  id: string;
  secret: string;
}

export interface KioskEnv {
  dir: string;
  gateway: RunningProcess;
  wsUrl: string;
  tcpUrl: string;
  server: RunningProcess;
  kiosks: Map<string, Credential>;
  monitor: Credential;
  /** the app for one kiosk, provisioned by its kiosk.json */
  kioskUrl(kioskId: string): string;
  /** stops the gateway (SIGTERM) and starts it again on the same ports and data */
  restartGateway(): Promise<void>;
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  /** a `service` client (full access) on the broker, for observing what the kiosk sends */
  connectMonitor(options?: { clean?: boolean }): Promise<MqttClient>;
  /** an MQTT client with a kiosk's own credentials (only while the app for it is closed) */
  connectAsKiosk(kioskId: string, options?: { transport?: "tcp" | "ws" }): Promise<MqttClient>;
  close(): Promise<void>;
}

export const kioskBin = join(repoRoot, "kiosk-ui", "bin", "proxima-kiosk.js");

/** The kiosk's production build; the tests serve what ships, so it must exist. */
export function requireKioskBuild(): void {
  if (!existsSync(join(repoRoot, "kiosk-ui", "dist", "index.html")))
    throw new Error(
      "kiosk-ui is not built (kiosk-ui/dist missing): run `pnpm --filter @proxima/kiosk-ui build` or the test command from the README",
    );
}

export async function startKioskEnv(options: KioskEnvOptions = {}): Promise<KioskEnv> {
  requireKioskBuild();
  const gatewayBin = packageBin("edge-gateway", "proxima-gateway");
  const dir = await mkdtemp(join(tmpdir(), "proxima-kiosk-"));
  const configPath = join(dir, "gateway.json");
  await copyFile(join(repoRoot, "edge-gateway", "examples", "venue.json"), join(dir, "venue.json"));
  await writeFile(join(dir, "seed.ndjson"), `${seedLines(options.profiles ?? 0).join("\n")}\n`);
  const writeConfig = (tcpPort: number, wsPort: number) =>
    writeFile(
      configPath,
      JSON.stringify({
        gatewayId: "gw-e2e",
        venue: "./venue.json",
        dataDir: "./data",
        mqtt: { host: "127.0.0.1", tcpPort, wsPort },
        scanner: { kind: "none" },
        seed: "./seed.ndjson",
        logLevel: "info",
      }),
    );
  await writeConfig(0, 0);

  const add = async (id: string, role: "kiosk" | "service"): Promise<Credential> => {
    const { stdout } = await run(process.execPath, [
      gatewayBin,
      "kiosk",
      "add",
      id,
      "--role",
      role,
      "--config",
      configPath,
      "--json",
    ]);
    const { secret } = JSON.parse(stdout.trim().split("\n").at(-1)!) as { secret: string };
    return { id, secret };
  };
  const kiosks = new Map<string, Credential>();
  for (const id of options.kiosks ?? ["kiosk-1"]) kiosks.set(id, await add(id, "kiosk"));
  const monitor = await add("e2e-monitor", "service");

  const start = () => startProcess(gatewayBin, { args: ["run", "--config", configPath], timeoutMs: 120_000 });
  let gateway = await start();
  const tcpPort = gateway.port;
  const wsPort = Number(gateway.ready.wsPort);
  const wsUrl = String(gateway.ready.wsUrl);
  const tcpUrl = String(gateway.ready.url);
  // later starts reuse the ports: the kiosks' bundles name this URL
  await writeConfig(tcpPort, wsPort);

  const provision = join(dir, "provision");
  await mkdir(provision);
  for (const [id, { secret }] of kiosks)
    await writeFile(
      join(provision, `${id}.json`),
      JSON.stringify({ gatewayUrl: wsUrl, venueId: VENUE_ID, kioskId: id, secret, loyaltyPrefix: "L" }),
    );
  const server = await startProcess(kioskBin, { args: ["serve", "--port", "0", "--provision", provision] });

  const connect = (id: string, secret: string, clean = true, url = tcpUrl) =>
    mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: id,
      username: id,
      password: secret,
      clean,
      reconnectPeriod: 0,
    });

  const env: KioskEnv = {
    dir,
    get gateway() {
      return gateway;
    },
    wsUrl,
    tcpUrl,
    server,
    kiosks,
    monitor,
    kioskUrl: (kioskId) => `${server.url}/${kioskId}/`,
    async stopGateway() {
      await gateway.stop();
    },
    async startGateway() {
      gateway = await start();
    },
    async restartGateway() {
      await gateway.stop();
      gateway = await start();
    },
    connectMonitor: ({ clean = true } = {}) => connect(monitor.id, monitor.secret, clean),
    connectAsKiosk(kioskId, { transport = "tcp" } = {}) {
      const credential = kiosks.get(kioskId);
      if (!credential) throw new Error(`no kiosk ${kioskId} in this environment`);
      return connect(credential.id, credential.secret, true, transport === "ws" ? wsUrl : tcpUrl);
    },
    async close() {
      await Promise.allSettled([gateway.stop(), server.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return env;
}
