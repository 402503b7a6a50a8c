import {
  type Clock,
  decodeJson,
  EventEnvelope,
  type KioskProvisioning,
  Nearby,
  newId,
  ProximaError,
  parseWith,
  RPC_METHODS,
  type RpcMethod,
  type RpcParams,
  RpcResponse,
  type RpcResult,
  systemClock,
  type TimerHandle,
  topicsFor,
} from "@proxima/shared";
import "./node-globals.js";
// types from the package entry: they read the same under Bundler and NodeNext resolution
import type { IClientOptions, MqttClient as MqttClientClass, StreamBuilder } from "mqtt";
import * as clientModule from "mqtt/lib/client";
import { browserStreamBuilder } from "mqtt/lib/connect/ws";
import { DEFAULT_RPC_TIMEOUT_MS, type KioskLink, LinkSignals, type LinkState } from "./link.js";

export interface MqttLinkOptions {
  config: Pick<KioskProvisioning, "gatewayUrl" | "venueId" | "kioskId" | "secret">;
  clock?: Clock;
  /** how long to wait between reconnect attempts */
  reconnectPeriodMs?: number;
  /**
   * How bytes reach the broker; default mqtt.js's browser WebSocket transport. Tests in
   * Node pass mqtt.js's TCP one (`mqtt/lib/connect/tcp`) with an `mqtt://` URL.
   */
  transport?: StreamBuilder;
  /** problems with incoming payloads go here (a kiosk has no log shipping; the console is it) */
  onProblem?: (message: string) => void;
}

/**
 * mqtt/lib/client is CommonJS with `exports.default`: depending on the bundler's interop
 * the class sits one or two `.default`s deep, so take the first function found.
 */
function cjsDefault<T>(module: unknown): T {
  let value = module;
  for (let depth = 0; depth < 3 && typeof value !== "function"; depth++)
    value = (value as { default?: unknown } | null)?.default;
  if (typeof value !== "function") throw new Error("mqtt/lib/client has no client class: is mqtt installed?");
  return value as T;
}
const MqttClient = cjsDefault<typeof MqttClientClass>(clientModule);
type MqttClient = MqttClientClass;

interface Pending {
  method: RpcMethod;
  resolve: (value: unknown) => void;
  reject: (error: ProximaError) => void;
  timer: TimerHandle;
}

/**
 * MQTT 3.1.1 (protocolVersion 4: aedes speaks no MQTT 5) over WebSocket. Every payload
 * that arrives is validated with its shared schema before the app sees it.
 */
export class MqttLink extends LinkSignals implements KioskLink {
  private readonly client: MqttClient;
  private readonly topics;
  private readonly clock: Clock;
  private readonly pending = new Map<string, Pending>();
  private readonly onProblem: (message: string) => void;

  constructor(private readonly options: MqttLinkOptions) {
    super("connecting");
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.onProblem = options.onProblem ?? ((message) => console.warn(`[kiosk] ${message}`));
    const topics = topicsFor(config.venueId);
    this.topics = {
      status: topics.kioskStatus(config.kioskId),
      request: topics.rpcRequest(config.kioskId),
      response: topics.rpcResponse(config.kioskId),
      events: topics.kioskEvents(config.kioskId),
      nearby: topics.kioskNearby(config.kioskId),
    };
    const url = new URL(config.gatewayUrl);
    // mqtt.js's own client and browser WebSocket transport, without its Node-compatible
    // `connect()` wrapper (URL parsing with a url/punycode polyfill, TCP/TLS/WeChat transports)
    const clientOptions: IClientOptions = {
      protocol: url.protocol.replace(/:$/, "") as "ws" | "wss" | "mqtt",
      hostname: url.hostname,
      port: Number(url.port) || (url.protocol === "wss:" ? 443 : url.protocol === "mqtt:" ? 1883 : 80),
      path: `${url.pathname}${url.search}`,
      protocolVersion: 4,
      clientId: config.kioskId,
      username: config.kioskId,
      password: config.secret,
      clean: true,
      // the app re-subscribes itself on every connect, before it says it is online
      resubscribe: false,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 5000,
      keepalive: 15,
      will: {
        topic: this.topics.status,
        payload: JSON.stringify({ state: "offline", ts: this.clock.now() }),
        qos: 1,
        retain: true,
      },
    };
    // the builder gets only the client, as in mqtt.connect(): options come by closure
    const transport = options.transport ?? browserStreamBuilder;
    this.client = new MqttClient((client) => transport(client, clientOptions), clientOptions);
    this.client.on("connect", () => void this.onConnect());
    this.client.on("close", () => this.setState("offline"));
    this.client.on("offline", () => this.setState("offline"));
    this.client.on("error", (error) => this.onProblem(`gateway connection: ${error.message}`));
    this.client.on("message", (topic, payload) => this.onMessage(topic, payload));
  }

  call<M extends RpcMethod>(
    method: M,
    params: RpcParams<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<RpcResult<M>> {
    if (this.current !== "online")
      return Promise.reject(
        new ProximaError(
          "unavailable",
          `cannot call ${method}: the gateway at ${this.options.config.gatewayUrl} is not reachable; the kiosk keeps retrying`,
        ),
      );
    const id = newId(this.clock.now());
    const timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    return new Promise<RpcResult<M>>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ProximaError(
            "timeout",
            `the gateway did not answer ${method} within ${timeoutMs} ms; check that it is running`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer });
      this.client.publish(
        this.topics.request,
        JSON.stringify({ id, method, params }),
        { qos: 1 },
        (error) => {
          if (!error) return;
          this.settle(id, new ProximaError("unavailable", `could not send ${method}: ${error.message}`));
        },
      );
    });
  }

  publishEvent(event: EventEnvelope): Promise<void> {
    const checked = parseWith(EventEnvelope, event, "kiosk event");
    if (!checked.ok) return Promise.reject(checked.error);
    if (this.current !== "online")
      return Promise.reject(new ProximaError("unavailable", "offline: the event stays queued"));
    return new Promise((resolve, reject) => {
      // QoS 1: the callback runs on PUBACK, i.e. once the gateway has the event
      this.client.publish(this.topics.events, JSON.stringify(checked.value), { qos: 1 }, (error) =>
        error ? reject(new ProximaError("unavailable", `event not delivered: ${error.message}`)) : resolve(),
      );
    });
  }

  close(): Promise<void> {
    for (const id of [...this.pending.keys()])
      this.settle(id, new ProximaError("unavailable", "the kiosk is shutting its gateway link"));
    return new Promise((resolve) => {
      const goodbye = JSON.stringify({ state: "offline", ts: this.clock.now() });
      if (!this.client.connected) {
        this.client.end(true, {}, () => resolve());
        return;
      }
      this.client.publish(this.topics.status, goodbye, { qos: 1, retain: true }, () =>
        this.client.end(false, {}, () => resolve()),
      );
    });
  }

  private async onConnect(): Promise<void> {
    try {
      await this.client.subscribeAsync({
        [this.topics.response]: { qos: 1 },
        [this.topics.nearby]: { qos: 1 },
      });
      await this.client.publishAsync(
        this.topics.status,
        JSON.stringify({ state: "online", ts: this.clock.now() }),
        { qos: 1, retain: true },
      );
      this.setState("online");
    } catch (error) {
      this.onProblem(`could not subscribe after connecting: ${(error as Error).message}`);
    }
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    if (topic === this.topics.response) {
      const response = decodeJson(RpcResponse, payload, "rpc response");
      if (!response.ok) {
        this.onProblem(response.error.message);
        return;
      }
      const reply = response.value;
      const pending = this.pending.get(reply.id);
      if (!pending) return; // a reply after its timeout: the caller has moved on
      if (!reply.ok) {
        const { code, message } = reply.error;
        this.settle(reply.id, new ProximaError(code, `the gateway refused ${pending.method}: ${message}`));
        return;
      }
      const result = parseWith(RPC_METHODS[pending.method].result, reply.result, `${pending.method} result`);
      if (!result.ok) {
        this.settle(reply.id, result.error);
        return;
      }
      this.clock.clearTimeout(pending.timer);
      this.pending.delete(reply.id);
      pending.resolve(result.value);
      return;
    }
    if (topic === this.topics.nearby) {
      const nearby = decodeJson(Nearby, payload, "nearby");
      if (!nearby.ok) {
        this.onProblem(nearby.error.message);
        return;
      }
      this.emitNearby(nearby.value);
    }
  }

  private settle(id: string, error: ProximaError): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.clock.clearTimeout(pending.timer);
    this.pending.delete(id);
    pending.reject(error);
  }

  private setState(state: LinkState): void {
    if (state === this.current) return;
    this.emitState(state);
    if (state !== "online")
      for (const id of [...this.pending.keys()])
        this.settle(id, new ProximaError("unavailable", "the gateway connection dropped before it answered"));
  }
}
