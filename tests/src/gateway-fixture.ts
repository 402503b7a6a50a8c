/**
 * An in-process gateway on port 0 for broker and gateway tests: real aedes, real
 * sockets, real SQLite files in a temp folder, MQTT.js clients. The outbox is a
 * recording one whose appends can be held back, so a test can see exactly when an
 * event became durable relative to its PUBACK.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  CredentialStore,
  type Gateway,
  type GatewayOptions,
  type Outbox,
  type Scanner,
  SqliteProfileCache,
  startGateway,
} from "@proxima/edge-gateway";
import {
  type EventEnvelope,
  GatewayConfig,
  type GatewayConfigInput,
  type SyncChange,
  topicsFor,
  type Venue,
} from "@proxima/shared";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import pino from "pino";
import { repoRoot } from "../harness/paths.js";

export class RecordingOutbox implements Outbox {
  readonly events: EventEnvelope[] = [];
  /** when set, appends wait for it (then still commit) */
  gate: Promise<void> | null = null;
  /** when set, the next append rejects with it */
  failNext: Error | null = null;
  /** when each event id became durable (performance.now()) */
  readonly durableAt = new Map<string, number>();

  async append(events: readonly EventEnvelope[]): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    if (this.gate) await this.gate;
    for (const event of events) {
      this.events.push(event);
      this.durableAt.set(event.id, performance.now());
    }
  }
  async stats() {
    return { pending: this.events.length, oldestPendingTs: null, dropped: 0, lastSyncAt: null };
  }
  async close() {}
}

export interface LogLine {
  level: number;
  msg: string;
  clientId?: string;
  [key: string]: unknown;
}

export interface Fixture {
  gateway: Gateway;
  venue: Venue;
  dataDir: string;
  outbox: RecordingOutbox;
  cache: SqliteProfileCache;
  credentials: CredentialStore;
  secrets: Record<string, string>;
  logs: LogLine[];
  topics: ReturnType<typeof topicsFor>;
  url: string;
  wsUrl: string;
  connect(id: string, options?: IClientOptions): Promise<MqttClient>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  seed?: SyncChange[];
  config?: Partial<GatewayConfigInput>;
  scanner?: Scanner | null;
  dataDir?: string;
  limits?: GatewayOptions["limits"];
}

export async function loadExampleVenue(): Promise<Venue> {
  return JSON.parse(await readFile(join(repoRoot, "edge-gateway/examples/venue.json"), "utf8")) as Venue;
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "proxima-gw-")));
  const venue = await loadExampleVenue();
  const config = GatewayConfig.parse({
    gatewayId: "gw-a",
    venue: "venue.json",
    mqtt: { host: "127.0.0.1", tcpPort: 0, wsPort: 0, ...options.config?.mqtt },
    scanner: { kind: "none" },
    ...options.config,
  });
  const logs: LogLine[] = [];
  const logger = pino(
    { level: "info" },
    new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line) as LogLine);
        done();
      },
    }),
  );
  const credentials = await CredentialStore.open(join(dataDir, "kiosks.json"));
  const secrets: Record<string, string> = {};
  if (credentials.list().length === 0) {
    secrets["kiosk-1"] = await credentials.add("kiosk-1", "kiosk", Date.now());
    secrets["kiosk-2"] = await credentials.add("kiosk-2", "kiosk", Date.now());
    secrets.ops = await credentials.add("ops", "service", Date.now());
    secrets["gw-d"] = await credentials.add("gw-d", "scanner", Date.now());
  }
  const cache = await SqliteProfileCache.open(join(dataDir, "profiles.db"));
  if (options.seed) await cache.applyChanges(options.seed);
  const outbox = new RecordingOutbox();
  const start = () =>
    startGateway({
      config,
      venue,
      dataDir,
      outbox,
      cache,
      credentials,
      logger,
      scanner: options.scanner ?? null,
      ...(options.limits ? { limits: options.limits } : {}),
    });
  let gateway = await start();
  const clients: MqttClient[] = [];
  const fixture: Fixture = {
    get gateway() {
      return gateway;
    },
    venue,
    dataDir,
    outbox,
    cache,
    credentials,
    secrets,
    logs,
    topics: topicsFor(venue.venueId),
    get url() {
      return `mqtt://127.0.0.1:${gateway.port}`;
    },
    get wsUrl() {
      return `ws://127.0.0.1:${gateway.wsPort}`;
    },
    async connect(id, clientOptions = {}) {
      const client = await mqtt.connectAsync(clientOptions.protocol === "ws" ? fixture.wsUrl : fixture.url, {
        protocolVersion: 4,
        clientId: id,
        username: id,
        password: secrets[id] ?? "",
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...clientOptions,
      });
      clients.push(client);
      return client;
    },
    async restart() {
      await gateway.close();
      gateway = await start();
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await gateway.close();
      await cache.close();
    },
  };
  return fixture;
}

/** Sends an RPC request and resolves with the reply carrying its id. */
export async function rpc(
  client: MqttClient,
  kioskId: string,
  request: string | Record<string, unknown>,
  timeoutMs = 5000,
): Promise<Record<string, unknown>> {
  const topics = topicsFor("store-042");
  const payload = typeof request === "string" ? request : JSON.stringify(request);
  const id = typeof request === "string" ? "" : String(request.id ?? "");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("message", onMessage);
      reject(new Error(`no rpc reply for ${payload.slice(0, 80)}`));
    }, timeoutMs);
    const onMessage = (topic: string, body: Buffer) => {
      if (topic !== topics.rpcResponse(kioskId)) return;
      const reply = JSON.parse(body.toString()) as Record<string, unknown>;
      if (reply.id !== id) return;
      clearTimeout(timer);
      client.off("message", onMessage);
      resolve(reply);
    };
    client.on("message", onMessage);
    client.publish(topics.rpcRequest(kioskId), payload, { qos: 0 });
  });
}

/** Resolves when `client` closes (the broker dropped it), or rejects after `timeoutMs`. */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error("the broker did not close the connection")), timeoutMs);
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function waitFor<T>(
  check: () => T | undefined | null | false,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
