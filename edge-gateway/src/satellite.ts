/**
 * A satellite gateway of a multi-scanner venue: its radio only. What it hears is batched
 * and published to the hub's broker on `scanner/<scannerId>/sightings`, where the hub's
 * presence pipeline places subjects from every scanner's readings. No broker, no kiosks,
 * no outbox here. While the hub is unreachable, batches wait in a bounded buffer and go
 * out in order on reconnect.
 */
import {
  type Clock,
  type GatewayConfig,
  ProximaError,
  type SightingsBatch,
  systemClock,
  type TraceRecord,
  type Venue,
} from "@proxima/shared";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PublishingClient, Scanner, SightingsForwarder } from "./sensing.js";
import { createScanner, createSightingsForwarder } from "./sensing.js";

export type HubConfig = NonNullable<GatewayConfig["hub"]>;

export interface SatelliteOptions {
  config: GatewayConfig;
  venue: Venue;
  hub: HubConfig;
  /** PEM of the CA that signed the hub's certificate (mqtts) */
  ca?: Buffer;
  /** the config file's folder: relative trace paths resolve against it */
  baseDir?: string;
  logger: Logger;
  clock?: Clock;
  registry?: Registry;
  /** the radio; default: built from `config.scanner` */
  scanner?: Scanner;
}

export interface Satellite {
  scannerId: string;
  /** rejects-never; resolves with the reason the satellite cannot go on (the hub refused its credential) */
  failed: Promise<ProximaError>;
  stats(): {
    forwarded: number;
    ignored: number;
    buffered: number;
    bufferedBytes: number;
    droppedBatches: number;
  };
  close(): Promise<void>;
}

/** The satellite's venue scanner id: the hub's ACL lets a scanner credential publish only its own. */
export function satelliteScannerId(config: GatewayConfig): string {
  return (
    config.hub?.scannerId ??
    (config.scanner.kind === "noble" ? config.scanner.scannerId : undefined) ??
    config.gatewayId
  );
}

interface Pending {
  topic: string;
  message: string;
  qos: 0 | 1;
  at: number;
}

/**
 * In front of the MQTT client: publishes straight through while connected, otherwise
 * keeps batches, bounded by age (`bufferMs`) and bytes (`bufferMaxBytes`): beyond a brief
 * outage old sightings are worth less than memory. MQTT.js's own offline queue is off
 * (`queueQoSZero: false`) because it is unbounded.
 */
class BufferingClient implements PublishingClient {
  private queue: Pending[] = [];
  bytes = 0;
  dropped = 0;
  private droppedSinceConnect = 0;

  constructor(
    private readonly client: MqttClient,
    private readonly limits: { bufferMs: number; bufferMaxBytes: number },
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onDrop: (batches: number) => void,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  publish(
    topic: string,
    message: string,
    options: { qos: 0 | 1; retain?: boolean },
    callback?: (error?: Error) => void,
  ): void {
    if (this.client.connected && this.queue.length === 0) {
      this.client.publish(topic, message, { qos: options.qos }, callback);
      return;
    }
    this.queue.push({ topic, message, qos: options.qos, at: this.clock.now() });
    this.bytes += message.length;
    this.trim();
    callback?.();
  }

  /**
   * Sends what waited, oldest first. A batch's `ts` says when it was sent (the hub uses it
   * to move the records onto its own clock), so a buffered batch is re-stamped now: its
   * records keep their real times and the hub sees the subject where and when it was.
   */
  drain(): void {
    this.trim();
    if (this.droppedSinceConnect > 0)
      this.logger.warn(
        { droppedBatches: this.droppedSinceConnect, bufferMs: this.limits.bufferMs },
        "sightings older than the buffer allows were dropped while the hub was unreachable",
      );
    this.droppedSinceConnect = 0;
    const sent = this.queue.length;
    while (this.client.connected && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.bytes -= next.message.length;
      const batch = JSON.parse(next.message) as SightingsBatch; // our own JSON, from the forwarder
      batch.ts = this.clock.now();
      this.client.publish(next.topic, JSON.stringify(batch), { qos: next.qos }, (error) => {
        if (error) this.logger.warn({ err: error.message }, "could not publish buffered sightings");
      });
    }
    if (sent > 0) this.logger.info({ batches: sent }, "buffered sightings sent to the hub");
  }

  private trim(): void {
    const oldest = this.clock.now() - this.limits.bufferMs;
    let dropped = 0;
    while (this.queue.length > 0 && (this.queue[0]!.at < oldest || this.bytes > this.limits.bufferMaxBytes)) {
      this.bytes -= this.queue.shift()!.message.length;
      dropped++;
    }
    if (dropped > 0) {
      this.dropped += dropped;
      this.droppedSinceConnect += dropped;
      this.onDrop(dropped);
    }
  }
}

/** MQTT 3.1.1 §3.2.2.3: CONNACK 4 = bad user name or password, 5 = not authorized. */
const REFUSED = new Set([4, 5]);

export async function startSatellite(options: SatelliteOptions): Promise<Satellite> {
  const { config, venue, hub, logger } = options;
  const clock = options.clock ?? systemClock;
  const registry = options.registry;
  const scannerId = satelliteScannerId(config);
  if (!venue.scanners.some((s) => s.id === scannerId))
    throw new ProximaError(
      "bad_config",
      `satellite scanner "${scannerId}" is not a scanner of venue ${venue.venueId} (scanners: ${venue.scanners
        .map((s) => s.id)
        .join(", ")}); set hub.scannerId or the gateway id to one of them`,
    );

  const droppedCounter = registry
    ? new Counter({
        name: "proxima_satellite_dropped_batches_total",
        help: "sightings batches dropped because the hub stayed unreachable longer than the buffer allows",
        registers: [registry],
      })
    : null;

  const client = mqtt.connect(hub.url, {
    protocolVersion: 4,
    clientId: scannerId,
    username: scannerId,
    password: hub.password,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    queueQoSZero: false,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const buffering = new BufferingClient(
    client,
    { bufferMs: hub.bufferMs, bufferMaxBytes: hub.bufferMaxBytes },
    clock,
    logger,
    (n) => droppedCounter?.inc(n),
  );
  if (registry)
    new Gauge({
      name: "proxima_satellite_buffered_batches",
      help: "sightings batches waiting for the hub to come back",
      registers: [registry],
      collect() {
        this.set(buffering.size);
      },
    });

  let resolveFailed!: (error: ProximaError) => void;
  const failed = new Promise<ProximaError>((resolve) => {
    resolveFailed = resolve;
  });
  let wasConnected = false;
  let warnedSinceConnect = false;
  client.on("connect", () => {
    logger.info({ hub: hub.url, scanner: scannerId, buffered: buffering.size }, "hub connected");
    wasConnected = true;
    warnedSinceConnect = false;
    buffering.drain();
  });
  client.on("close", () => {
    if (wasConnected)
      logger.warn({ hub: hub.url }, "hub connection lost; buffering sightings and reconnecting");
    wasConnected = false;
  });
  client.on("error", (error: Error & { code?: unknown }) => {
    if (typeof error.code === "number" && REFUSED.has(error.code)) {
      resolveFailed(
        new ProximaError(
          "unauthorized",
          `the hub ${hub.url} refused scanner "${scannerId}" (CONNACK ${error.code}): on the hub run \`proxima-gateway kiosk add ${scannerId} --role scanner --config gateway.json\` and put the printed secret in hub.password`,
        ),
      );
      return;
    }
    // once per outage: MQTT.js retries every second and would repeat it all along
    if (!warnedSinceConnect) logger.warn({ hub: hub.url, err: error.message }, "hub connection error");
    warnedSinceConnect = true;
  });

  const forwarder: SightingsForwarder = createSightingsForwarder({
    client: buffering,
    venueId: venue.venueId,
    scannerId,
    clock,
    logger,
    flushMs: hub.flushMs,
  });
  let ignored = 0;
  // simulate and replay model the whole venue: forward only what this satellite's radio hears
  const onAdvertisement = (ad: TraceRecord) => {
    if (ad.scanner === scannerId) forwarder.push(ad);
    else ignored++;
  };
  const scanner =
    options.scanner ??
    (await createScanner(config.scanner, {
      venue,
      clock,
      logger: logger.child({ component: "scanner" }),
      scannerId,
      ...(options.baseDir ? { baseDir: options.baseDir } : {}),
      ...(registry ? { registry } : {}),
    }));
  try {
    await scanner.start(onAdvertisement);
  } catch (error) {
    await client.endAsync(true);
    throw error;
  }

  let closed = false;
  return {
    scannerId,
    failed,
    stats: () => ({
      forwarded: forwarder.stats().records,
      ignored,
      buffered: buffering.size,
      bufferedBytes: buffering.bytes,
      droppedBatches: buffering.dropped,
    }),
    async close() {
      if (closed) return;
      closed = true;
      await scanner.stop();
      forwarder.close();
      await client.endAsync();
    },
  };
}
