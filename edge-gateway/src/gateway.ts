/**
 * The running gateway: the composition root. Wires the scanner and presence pipeline
 * to MQTT topics and the outbox, the broker to the kiosks' credentials, the RPC
 * methods to the profile cache and the offer engine, and kiosk events to the outbox
 * (acknowledged only once durable).
 */
import { join } from "node:path";
import {
  CatalogueParams,
  type CatalogueResult,
  type Clock,
  decodeJson,
  EchoParams,
  EventEnvelope,
  type EventEnvelope as EventEnvelopeType,
  type GatewayConfig,
  KioskStatus,
  newId,
  type Occupancy,
  PersonalizeParams,
  type PresenceEvent,
  ProximaError,
  parseTopic,
  ReportStockParams,
  type ReportStockResult,
  systemClock,
  type Venue,
} from "@proxima/shared";
import type { Aedes, AedesPublishPacket, PublishPacket } from "aedes";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { Principal } from "./broker/acl.js";
import { type BrokerLimits, type RunningBroker, startBroker, type TlsFiles } from "./broker/broker.js";
import { SqlitePersistence } from "./broker/persistence.js";
import type { CredentialStore } from "./kiosks/credentials.js";
import { Greeter } from "./kiosks/greeter.js";
import type { Outbox } from "./outbox/port.js";
import { canPour } from "./personalize/engine.js";
import { createPersonalizer } from "./personalize/personalizer.js";
import { PopularityWindow } from "./personalize/popularity.js";
import type { ProfileCache } from "./profiles/cache.js";
import { method, startRpcServer } from "./rpc/server.js";
import type { PresencePipeline, Scanner } from "./sensing.js";
import { createPresencePipeline, createScanner, decodeSightings } from "./sensing.js";

export interface GatewayOptions {
  config: GatewayConfig;
  venue: Venue;
  /** where broker state lives (`broker.sqlite`) */
  dataDir: string;
  /** the config file's folder: relative trace paths resolve against it */
  baseDir?: string;
  outbox: Outbox;
  cache: ProfileCache;
  credentials: CredentialStore;
  logger: Logger;
  clock?: Clock;
  registry?: Registry;
  /** the radio; default: built from `config.scanner`; null: no scanner (broker and RPC only) */
  scanner?: Scanner | null;
  /** the presence pipeline; default: a live one on the venue */
  presence?: PresencePipeline;
  /** default: broker state in `<dataDir>/broker.sqlite`; "memory" keeps nothing across restarts */
  brokerState?: "sqlite" | "memory";
  tls?: TlsFiles;
  limits?: Partial<BrokerLimits>;
}

export interface Gateway {
  broker: RunningBroker;
  port: number;
  wsPort: number | null;
  presence: PresencePipeline | null;
  close(): Promise<void>;
}

/** How often a running gateway re-reads the credentials file to drop revoked kiosks. */
const REVOKE_CHECK_MS = 5000;

/** Event types whose `data.productId` says what shoppers are drinking here. */
const POUR_EVENTS = new Set(["product.chosen", "pour.completed", "purchase.completed"]);

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, venue, outbox, cache, credentials, logger } = options;
  const clock = options.clock ?? systemClock;
  const registry = options.registry;
  const popularity = new PopularityWindow();
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    registry ? new Counter({ name, help, labelNames, registers: [registry] }) : null;
  const eventsRejected = counter(
    "proxima_kiosk_events_rejected_total",
    "kiosk events refused (acknowledged but not stored), by reason",
    ["reason"],
  );
  const eventsStored = counter(
    "proxima_kiosk_events_stored_total",
    "kiosk events durably stored in the outbox",
  );

  const appendQuietly = (events: EventEnvelopeType[], what: string) =>
    outbox
      .append(events)
      .catch((error: Error) =>
        logger.error({ err: error, events: events.length }, `${what} not stored in the outbox`),
      );

  /** A kiosk's event: validated, pinned to its sender, durable before the PUBACK. */
  const onKioskEvent = async (kioskId: string, packet: PublishPacket) => {
    const decoded = decodeJson(EventEnvelope, packet.payload, `event from ${kioskId}`);
    const refuse = (reason: string, message: string) => {
      eventsRejected?.inc({ reason });
      // MQTT 3.1.1 has no negative PUBACK: acknowledging keeps the kiosk from resending a
      // message that will never become valid; the refusal lives in the log and the metric
      logger.warn({ clientId: kioskId, topic: packet.topic, reason }, `kiosk event refused: ${message}`);
    };
    if (!decoded.ok) return refuse(decoded.error.code, decoded.error.message);
    const event = decoded.value;
    if (event.source.kind !== "kiosk" || event.source.id !== kioskId)
      return refuse("forbidden", `source ${event.source.kind}/${event.source.id} is not this kiosk`);
    if (event.venueId !== undefined && event.venueId !== venue.venueId)
      return refuse("forbidden", `venue ${event.venueId} is not this gateway's (${venue.venueId})`);
    const stored: EventEnvelopeType = { ...event, venueId: venue.venueId };
    // rejects (storage_full, disk error) propagate: no PUBACK, the connection closes, the kiosk resends
    await outbox.append([stored]);
    eventsStored?.inc();
    const productId = stored.data.productId;
    if (POUR_EVENTS.has(stored.type) && typeof productId === "string")
      popularity.record(productId, stored.ts);
  };

  const onPublish = (principal: Principal, packet: PublishPacket): Promise<void> | undefined => {
    if (principal.role !== "kiosk") return undefined;
    const parsed = parseTopic(packet.topic);
    if (parsed?.kind !== "kiosk") return undefined;
    if (parsed.leaf === "events") return onKioskEvent(parsed.kioskId, packet);
    if (parsed.leaf === "status" && packet.payload.length > 0) {
      const status = decodeJson(KioskStatus, packet.payload, `status of ${parsed.kioskId}`);
      if (!status.ok)
        logger.warn({ clientId: parsed.kioskId, err: status.error.message }, "kiosk status malformed");
      else logger.info({ clientId: parsed.kioskId, state: status.value.state }, "kiosk status");
    }
    return undefined;
  };

  let aedesRef: Aedes | null = null;
  const persistence =
    options.brokerState === "memory"
      ? undefined
      : await SqlitePersistence.open(join(options.dataDir, "broker.sqlite"));
  const broker = await startBroker({
    venue,
    credentials,
    logger: logger.child({ component: "broker" }),
    host: config.mqtt.host,
    tcpPort: config.mqtt.tcpPort,
    wsPort: config.mqtt.wsPort,
    allowAnonymousLoopback: config.mqtt.allowAnonymousLoopback,
    limits: { maxPayloadBytes: config.mqtt.maxPayloadBytes, ...options.limits },
    persistence,
    onPublish,
    onHttpRequest: (request, response) => {
      if (request.url === "/health")
        void outbox.stats().then(
          (stats) =>
            response.writeHead(200, { "content-type": "application/json" }).end(
              JSON.stringify({
                status: "ok",
                gatewayId: config.gatewayId,
                venueId: venue.venueId,
                clients: aedesRef?.connectedClients ?? 0,
                profiles: cache.size,
                outbox: stats,
              }),
            ),
          (error: Error) =>
            response.writeHead(503, { "content-type": "application/json" }).end(
              JSON.stringify({
                status: "degraded",
                error: { code: "unavailable", message: error.message },
              }),
            ),
        );
      else if (request.url === "/metrics" && registry)
        void registry
          .metrics()
          .then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text));
      else response.writeHead(404).end();
    },
    ...(registry ? { registry } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const { aedes, topics } = broker;
  let closed = false;
  aedesRef = aedes;
  const publish = (topic: string, body: unknown, retain = false) =>
    aedes.publish(
      { cmd: "publish", topic, payload: Buffer.from(JSON.stringify(body)), qos: 1, retain, dup: false },
      (error) => {
        if (error && !closed) logger.error({ topic, err: error }, "gateway publish failed");
      },
    );

  // --- RPC: what a kiosk can ask ---
  const personalizer = createPersonalizer({
    venueId: venue.venueId,
    timeZone: venue.timeZone ?? "UTC",
    cache,
    popularity,
    clock,
    logDecision: (event) => void appendQuietly([event], "decision"),
  });
  const rpc = await startRpcServer({
    aedes,
    topics,
    logger: logger.child({ component: "rpc" }),
    isAuthorized: (kioskId) =>
      credentials.active(kioskId) !== undefined || config.mqtt.allowAnonymousLoopback,
    ...(registry ? { registry } : {}),
    handlers: {
      personalize: method(
        PersonalizeParams,
        (kioskId, params) => personalizer.personalize(kioskId, params).result,
      ),
      echo: method(EchoParams, (_kioskId, params) => params),
      catalogue: method(CatalogueParams, (kioskId): CatalogueResult => {
        const catalogue = cache.catalogue();
        if (!catalogue)
          throw new ProximaError(
            "not_found",
            "no catalogue on this gateway yet: load one with `proxima-gateway profiles load` or wait for the cloud sync",
          );
        // not reported yet: every installed ingredient counts as full (ts 0 says so)
        const stock = cache.stock(kioskId) ?? {
          ts: 0,
          levels: Object.fromEntries(catalogue.ingredients.map((i) => [i.id, 1])),
        };
        return { catalogue, stock, popular: popularity.top(clock.now()) };
      }),
      reportStock: method(ReportStockParams, async (kioskId, stock): Promise<ReportStockResult> => {
        const accepted = await cache.setStock(kioskId, stock);
        const current = cache.stock(kioskId);
        const pourable = (cache.catalogue()?.products ?? [])
          .filter((p) => canPour(p, current))
          .map((p) => p.id);
        return { accepted, pourable };
      }),
    },
  });

  // --- presence: radio → zones → MQTT, outbox, kiosk greetings ---
  const presenceEnvelope = (event: PresenceEvent): EventEnvelopeType => ({
    id: newId(event.ts),
    ts: event.ts,
    venueId: venue.venueId,
    source: { kind: "gateway", id: config.gatewayId },
    type: event.type === "enter" ? "presence.enter" : "presence.exit",
    identity: { type: "subject", value: event.subject },
    data: event.type === "exit" ? { zone: event.zone, dwellMs: event.dwellMs } : { zone: event.zone },
  });
  const greeter = new Greeter(venue, cache);
  const greet = (event: PresenceEvent) => {
    const greeting = greeter.greet(event);
    if (greeting) publish(topics.kioskNearby(greeting.kioskId), greeting.nearby);
  };

  let presence: PresencePipeline | null = null;
  let scanner: Scanner | null = null;
  let sightingsHandler: ((packet: AedesPublishPacket, done: () => void) => void) | null = null;
  if (options.scanner !== null) {
    presence =
      options.presence ??
      createPresencePipeline({
        venue,
        clock,
        logger: logger.child({ component: "presence" }),
        // adverts by kind, tracked/present subjects, occupancy: served on /metrics
        ...(registry ? { registry } : {}),
      });
    presence.onPresence((event) => {
      publish(topics.zonePresence(event.zone), event);
      void appendQuietly([presenceEnvelope(event)], "presence event");
      greet(event);
    });
    presence.onOccupancy((zoneId: string, occupancy: Occupancy) =>
      publish(topics.zoneOccupancy(zoneId), occupancy, true),
    );
    for (const [zoneId, occupancy] of presence.occupancy())
      publish(topics.zoneOccupancy(zoneId), occupancy, true);

    // hub: satellite scanners' batches (the ACL lets each publish only its own)
    const pipeline = presence;
    sightingsHandler = (packet, done) => {
      done();
      const batch = decodeSightings(packet.payload);
      if (!batch.ok) {
        logger.warn({ topic: packet.topic, err: batch.error.message }, "sightings batch refused");
        return;
      }
      const parsed = parseTopic(packet.topic);
      if (parsed?.kind !== "scanner" || parsed.scannerId !== batch.value.scanner) {
        logger.warn(
          { topic: packet.topic, scanner: batch.value.scanner },
          "sightings batch names another scanner",
        );
        return;
      }
      pipeline.ingestSightings(batch.value);
    };
    await new Promise<void>((resolve) =>
      aedes.subscribe(topics.filters.allSightings, sightingsHandler!, resolve),
    );

    scanner =
      options.scanner ??
      (await createScanner(config.scanner, {
        venue,
        clock,
        logger: logger.child({ component: "scanner" }),
        scannerId: config.gatewayId,
        ...(options.baseDir ? { baseDir: options.baseDir } : {}),
        // the radio's restarts, evictions and tracked addresses (noble)
        ...(registry ? { registry } : {}),
      }));
    try {
      await scanner.start((ad) => pipeline.observe(ad));
    } catch (error) {
      // e.g. no Bluetooth adapter: release the ports so the process can exit with the message
      closed = true;
      pipeline.close(clock.now());
      await rpc.close();
      await broker.close();
      throw error;
    }
  }

  // --- revoked kiosks lose their session within REVOKE_CHECK_MS ---
  let revokeTimer = clock.setTimeout(function check() {
    credentials
      .refresh()
      .then(() => {
        const clients = (aedes as unknown as { clients: Record<string, unknown> }).clients;
        for (const clientId of Object.keys(clients)) {
          const principal = broker.principalOf(clients[clientId] as never);
          if (principal && principal.role !== "dev" && !credentials.active(clientId)) {
            logger.warn({ clientId }, "credentials revoked: disconnecting");
            broker.disconnect(clientId);
          }
        }
      })
      .catch((error: Error) =>
        logger.error({ err: error }, "credentials file unreadable; keeping the last good one"),
      )
      .finally(() => {
        if (!closed) revokeTimer = clock.setTimeout(check, REVOKE_CHECK_MS);
      });
  }, REVOKE_CHECK_MS);

  return {
    broker,
    port: broker.port,
    wsPort: broker.wsPort,
    presence,
    async close() {
      if (closed) return;
      closed = true;
      clock.clearTimeout(revokeTimer);
      await scanner?.stop();
      presence?.close(clock.now());
      if (sightingsHandler)
        await new Promise<void>((resolve) =>
          aedes.unsubscribe(topics.filters.allSightings, sightingsHandler!, resolve),
        );
      await rpc.close();
      await broker.close();
    },
  };
}
