import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { isProximaError, ProximaError, type Topics, topicsFor, type Venue } from "@proxima/shared";
import { Aedes, type AedesOptions, type AuthenticateError, type Client, type PublishPacket } from "aedes";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import { createWebSocketStream, WebSocketServer } from "ws";
import type { CredentialStore } from "../kiosks/credentials.js";
import { canPublish, canSubscribe, type Principal, principalFor } from "./acl.js";

export interface BrokerLimits {
  /** largest PUBLISH payload accepted (bytes) */
  maxPayloadBytes: number;
  /** deepest topic accepted (levels); aedes clamps to 100 */
  maxTopicLevels: number;
  /** packets a client may send before its CONNECT is accepted (aedes `queueLimit`); more closes it */
  maxQueuedBeforeConnack: number;
  /** inbound QoS 2 messages awaiting PUBREL per client */
  maxInflightInbound: number;
  /** a client whose socket stays unwritable this long is disconnected, so it cannot stall the others */
  drainTimeoutMs: number;
  /** CONNECT must arrive within this long after the socket opens */
  connectTimeoutMs: number;
  /**
   * aedes heartbeat; wills stored by a previous run that crashed are published within
   * four heartbeats of the next start (kiosks that never came back show offline)
   */
  heartbeatMs: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPayloadBytes: 262_144,
  maxTopicLevels: 12,
  maxQueuedBeforeConnack: 42,
  maxInflightInbound: 100,
  drainTimeoutMs: 5000,
  connectTimeoutMs: 10_000,
  heartbeatMs: 15_000,
};

export interface TlsFiles {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface BrokerOptions {
  venue: Venue;
  credentials: CredentialStore;
  logger: Logger;
  host?: string;
  /** 0 picks a free port */
  tcpPort: number;
  /** 0 picks a free port; null: no WebSocket listener */
  wsPort: number | null;
  /** when given, TCP becomes MQTTS and WebSocket becomes WSS */
  tls?: TlsFiles;
  limits?: Partial<BrokerLimits>;
  /** accept clients without credentials from 127.0.0.1/::1 only — development switch */
  allowAnonymousLoopback?: boolean;
  /** aedes persistence (retained, sessions, wills); default in memory */
  persistence?: AedesOptions["persistence"];
  registry?: Registry;
  /**
   * Gateway-bound publishes (after the ACL). The PUBLISH is acknowledged only when this
   * resolves, so a QoS 1 PUBACK means "done" — e.g. the event is durable in the outbox.
   * A rejection closes the client's connection without PUBACK: the client sends again.
   */
  onPublish?: (principal: Principal, packet: PublishPacket) => Promise<void> | void;
  /** plain HTTP requests on the WebSocket port (health, metrics); default 404 */
  onHttpRequest?: (request: IncomingMessage, response: ServerResponse) => void;
}

export interface RunningBroker {
  aedes: Aedes;
  topics: Topics;
  port: number;
  wsPort: number | null;
  tls: boolean;
  /** the principal of a connected client, by aedes client */
  principalOf(client: Client): Principal | undefined;
  /** disconnects every session of `clientId` (after a revoke) */
  disconnect(clientId: string): void;
  close(): Promise<void>;
}

/** aedes' connect refusal: CONNACK with this MQTT 3.1.1 return code (§3.2.2.3), then close. */
function refusal(returnCode: AuthenticateError["returnCode"], message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

function remoteAddress(client: Client): string | undefined {
  return client.req?.socket.remoteAddress ?? (client.conn as { remoteAddress?: string }).remoteAddress;
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function listen(server: NetServer | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ProximaError(
              "bad_config",
              `${what} port ${port} on ${host} is already in use (another broker?): stop it, or set a free port in gateway.json (0 picks one)`,
            )
          : error.code === "EACCES"
            ? new ProximaError("bad_config", `${what} port ${port} needs privileges: use a port above 1023`)
            : error,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

/**
 * The embedded MQTT 3.1.1 broker kiosks talk to: aedes behind a TCP listener (noDelay:
 * Nagle + delayed ACK would add ~44 ms to every QoS 1 round trip) and a WebSocket
 * listener for the kiosks' browsers, optionally both over TLS.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { venue, credentials, logger } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const topics = topicsFor(venue.venueId);
  const host = options.host ?? "0.0.0.0";
  const principals = new WeakMap<Client, Principal>();
  const emptyIdPersistent = new WeakSet<Client>();

  const connected = options.registry
    ? new Gauge({
        name: "proxima_broker_clients",
        help: "connected MQTT clients",
        registers: [options.registry],
      })
    : null;
  const refused = options.registry
    ? new Counter({
        name: "proxima_broker_refused_total",
        help: "connections, publishes and subscriptions the broker refused",
        labelNames: ["what", "reason"],
        registers: [options.registry],
      })
    : null;

  const aedes = await Aedes.createBroker({
    id: undefined,
    persistence: options.persistence,
    concurrency: 100,
    drainTimeout: limits.drainTimeoutMs,
    connectTimeout: limits.connectTimeoutMs,
    heartbeatInterval: limits.heartbeatMs,
    maxTopicLevels: limits.maxTopicLevels,
    queueLimit: limits.maxQueuedBeforeConnack,
    maxInflightInbound: limits.maxInflightInbound,
    maxClientsIdLength: 64,

    preConnect(client, packet, done) {
      // remembered for authenticate, where aedes has already invented an id
      if (packet.clientId === "" && !packet.clean) emptyIdPersistent.add(client);
      done(null, true);
    },

    authenticate(client, username, password, done) {
      const log = { clientId: client.id, remote: remoteAddress(client), username };
      const refuse = (code: AuthenticateError["returnCode"], reason: string, message: string) => {
        refused?.inc({ what: "connect", reason });
        logger.warn({ ...log, reason }, message);
        done(refusal(code, message), false);
      };
      // MQTT-3.1.3-8: a zero-byte client id with CleanSession=0 gets CONNACK 0x02 (identifier rejected)
      if (emptyIdPersistent.has(client))
        return refuse(
          2,
          "empty_client_id",
          "refused: empty client id with a persistent session (MQTT-3.1.3-8)",
        );
      if (username === undefined && password === undefined) {
        if (options.allowAnonymousLoopback && isLoopback(remoteAddress(client))) {
          principals.set(client, { role: "dev", id: client.id });
          logger.info(log, "anonymous loopback client accepted (development switch)");
          return done(null, true);
        }
        return refuse(5, "anonymous", "refused: anonymous clients are not allowed");
      }
      if (username !== client.id)
        return refuse(4, "username_mismatch", "refused: the username must be the client id");
      credentials.verify(client.id, password?.toString("utf8") ?? "").then(
        (role) => {
          if (role === null) {
            const known = credentials.active(client.id) !== undefined;
            return known
              ? refuse(4, "bad_password", "refused: wrong password")
              : refuse(5, "unknown_client", "refused: unknown or revoked client id");
          }
          const principal = principalFor(role, client.id, venue);
          const will = (client as unknown as { _will?: { topic: string } })._will;
          if (will && !canPublish(principal, will.topic, venue.venueId))
            return refuse(
              5,
              "will_acl",
              `refused: last will on ${will.topic} is outside the client's topics`,
            );
          principals.set(client, principal);
          done(null, true);
        },
        (error: Error) => {
          if (isProximaError(error) && error.code === "rate_limited")
            return refuse(
              3,
              "rate_limited",
              "refused: too many credential checks at once (server unavailable)",
            );
          logger.error({ ...log, err: error }, "credential check failed");
          done(refusal(3, "server unavailable"), false);
        },
      );
    },

    authorizePublish(client, packet, done) {
      // client is null for wills published on behalf of a client that already left
      const principal = client ? principals.get(client) : undefined;
      if (!client || !principal) return done(null);
      const log = { clientId: client.id, topic: packet.topic, bytes: packet.payload.length };
      if (packet.payload.length > limits.maxPayloadBytes) {
        refused?.inc({ what: "publish", reason: "payload_too_large" });
        logger.warn(
          { ...log, limit: limits.maxPayloadBytes },
          "publish refused: payload over the limit; closing the connection",
        );
        return done(new ProximaError("payload_too_large", "payload over the broker limit"));
      }
      // MQTT-3.3.5-2: an unauthorised PUBLISH gets a positive ack or a closed connection; we close
      if (!canPublish(principal, packet.topic, venue.venueId)) {
        refused?.inc({ what: "publish", reason: "forbidden" });
        logger.warn(log, "publish refused: outside the client's topics; closing the connection");
        return done(new ProximaError("forbidden", `not allowed to publish on ${packet.topic}`));
      }
      if (!options.onPublish) return done(null);
      let result: Promise<void> | void;
      try {
        result = options.onPublish(principal, packet);
      } catch (error) {
        return done(error as Error);
      }
      if (result === undefined) return done(null);
      result.then(
        () => done(null),
        (error: Error) => {
          logger.error({ ...log, err: error }, "publish not acknowledged: the gateway could not take it");
          done(error);
        },
      );
    },

    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      if (principal && canSubscribe(principal, subscription.topic, topics)) return done(null, subscription);
      refused?.inc({ what: "subscribe", reason: "forbidden" });
      logger.warn(
        { clientId: client.id, filter: subscription.topic },
        "subscription refused: outside the client's topics",
      );
      // MQTT 3.1.1 §3.9.3: SUBACK return code 0x80 for this filter; the connection stays
      done(null, null);
    },
  });

  aedes.on("clientReady", (client) => {
    connected?.inc();
    logger.debug({ clientId: client.id, role: principals.get(client)?.role }, "client connected");
  });
  aedes.on("clientDisconnect", (client) => {
    connected?.dec();
    logger.debug({ clientId: client.id }, "client disconnected");
  });
  aedes.on("clientError", (client, error) => {
    logger.warn({ clientId: client.id, err: error.message }, "client error; connection closed");
  });
  aedes.on("connectionError", (client, error) => {
    logger.warn(
      { remote: remoteAddress(client), err: error.message },
      "connection error before CONNECT completed",
    );
  });

  const tcpServer = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, (socket) => {
        socket.setNoDelay(true);
        aedes.handle(socket);
      })
    : createNetServer({ noDelay: true }, (socket) => aedes.handle(socket));

  let httpServer: HttpServer | null = null;
  let wss: WebSocketServer | null = null;
  const closeAll = async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all([
      new Promise<void>((resolve) => tcpServer.close(() => resolve())),
      new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve())),
    ]);
    wss?.close();
    await (options.persistence as { destroy?: () => Promise<void> } | undefined)?.destroy?.();
  };

  try {
    const port = await listen(tcpServer, options.tcpPort, host, options.tls ? "MQTTS" : "MQTT TCP");
    let wsPort: number | null = null;
    if (options.wsPort !== null) {
      httpServer = options.tls
        ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert })
        : createHttpServer();
      httpServer.on("connection", (socket) => socket.setNoDelay(true));
      httpServer.on(
        "request",
        options.onHttpRequest ??
          ((_request: IncomingMessage, response: ServerResponse) => response.writeHead(404).end()),
      );
      wss = new WebSocketServer({
        server: httpServer,
        // WebSocket frame overhead + MQTT fixed header on top of the payload limit
        maxPayload: limits.maxPayloadBytes + 64 * 1024,
        // MQTT over WebSocket names its subprotocol "mqtt" (MQTT 3.1.1 §6)
        handleProtocols: (protocols) =>
          protocols.has("mqtt") ? "mqtt" : protocols.has("mqttv3.1") ? "mqttv3.1" : false,
      });
      wss.on("connection", (socket, request: IncomingMessage) => {
        const stream = createWebSocketStream(socket);
        stream.on("error", () => socket.terminate());
        aedes.handle(stream, request);
      });
      wsPort = await listen(httpServer, options.wsPort, host, options.tls ? "MQTT WSS" : "MQTT WebSocket");
    }
    return {
      aedes,
      topics,
      port,
      wsPort,
      tls: options.tls !== undefined,
      principalOf: (client) => principals.get(client),
      disconnect(clientId) {
        const clients = (aedes as unknown as { clients: Record<string, Client & { close(): void }> }).clients;
        clients[clientId]?.close();
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
