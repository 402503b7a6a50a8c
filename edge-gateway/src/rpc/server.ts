import {
  type ErrorCode,
  isProximaError,
  parseJson,
  parseTopic,
  parseWith,
  RpcRequest,
  type RpcResponse,
  type Topics,
} from "@proxima/shared";
import type { Aedes, AedesPublishPacket } from "aedes";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import type { z } from "zod";

/** One RPC method: its params schema (from shared RPC_METHODS) and what it does for a kiosk. */
export interface RpcHandler<P extends z.ZodType = z.ZodType> {
  params: P;
  handle(kioskId: string, params: z.infer<P>): unknown | Promise<unknown>;
}

export function method<P extends z.ZodType>(
  params: P,
  handle: (kioskId: string, params: z.infer<P>) => unknown | Promise<unknown>,
): RpcHandler {
  return { params, handle } as RpcHandler;
}

export interface RpcServerOptions {
  aedes: Aedes;
  topics: Topics;
  handlers: Record<string, RpcHandler>;
  logger: Logger;
  /** whether this kiosk may still call (false after a revoke, before its session is closed) */
  isAuthorized?: (kioskId: string) => boolean;
  registry?: Registry;
}

/** Answers kept per kiosk for retransmitted requests (QoS 1 DUP, reconnect). */
const REMEMBERED_PER_KIOSK = 64;

/**
 * RPC over MQTT 3.1.1: requests on `kiosk/<id>/rpc/request`, replies on
 * `kiosk/<id>/rpc/response`, correlated by the `id` in the payload (3.1.1 has no
 * correlation data). Every request is answered exactly once: a result, or an error with
 * a code for malformed JSON, a bad envelope, an unknown method, bad params, an
 * unauthorised caller or a failing handler. A request repeated with the same id gets the
 * same reply again, not a second decision.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<{ close(): Promise<void> }> {
  const { aedes, topics, handlers, logger } = options;
  const calls = options.registry
    ? new Counter({
        name: "proxima_rpc_requests_total",
        help: "RPC requests answered, by method and outcome",
        labelNames: ["method", "outcome"],
        registers: [options.registry],
      })
    : null;
  const duration = options.registry
    ? new Histogram({
        name: "proxima_rpc_duration_seconds",
        help: "time from a request's arrival to its reply being handed to the broker, by method",
        labelNames: ["method"],
        buckets: [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
        registers: [options.registry],
      })
    : null;
  const remembered = new Map<string, Map<string, Buffer>>();

  const reply = (kioskId: string, response: RpcResponse) => {
    const payload = Buffer.from(JSON.stringify(response));
    let recent = remembered.get(kioskId);
    if (!recent) {
      recent = new Map();
      remembered.set(kioskId, recent);
    }
    if (response.id !== "") {
      recent.set(response.id, payload);
      if (recent.size > REMEMBERED_PER_KIOSK) recent.delete(recent.keys().next().value as string);
    }
    send(kioskId, payload);
  };
  const send = (kioskId: string, payload: Buffer) =>
    aedes.publish(
      { cmd: "publish", topic: topics.rpcResponse(kioskId), payload, qos: 1, retain: false, dup: false },
      (error) => {
        if (error) logger.error({ kioskId, err: error }, "rpc reply could not be published");
      },
    );
  const fail = (kioskId: string, id: string, method: string, code: ErrorCode, message: string) => {
    calls?.inc({ method, outcome: code });
    logger.warn({ clientId: kioskId, requestId: id, method, code }, `rpc refused: ${message}`);
    reply(kioskId, { id, ok: false, error: { code, message } });
  };

  const onRequest = (packet: AedesPublishPacket, done: () => void) => {
    done();
    const parsed = parseTopic(packet.topic);
    if (parsed?.kind !== "kiosk") return;
    const kioskId = parsed.kioskId;
    const json = parseJson(packet.payload, "rpc request");
    if (!json.ok) return fail(kioskId, "", "?", "bad_json", json.error.message);
    const request = parseWith(RpcRequest, json.value, "rpc request");
    if (!request.ok) {
      // keep the caller's id when it sent a usable one, so it can still correlate
      const raw = (json.value as { id?: unknown } | null)?.id;
      const id = typeof raw === "string" && raw.length <= 128 ? raw : "";
      return fail(kioskId, id, "?", "bad_request", request.error.message);
    }
    const { id, method: name } = request.value;
    const again = remembered.get(kioskId)?.get(id);
    if (again) return send(kioskId, again);
    if (options.isAuthorized && !options.isAuthorized(kioskId))
      return fail(
        kioskId,
        id,
        name,
        "unauthorized",
        `kiosk ${kioskId} is not (or no longer) allowed to call`,
      );
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!handler)
      return fail(
        kioskId,
        id,
        name,
        "unknown_method",
        `unknown method "${name}"; known: ${Object.keys(handlers).join(", ")}`,
      );
    const params = parseWith(handler.params, request.value.params ?? {}, `params of ${name}`);
    if (!params.ok) return fail(kioskId, id, name, "bad_request", params.error.message);
    const started = duration ? performance.now() : 0;
    const succeed = (result: unknown) => {
      calls?.inc({ method: name, outcome: "ok" });
      duration?.observe({ method: name }, (performance.now() - started) / 1000);
      reply(kioskId, { id, ok: true, result });
    };
    const crash = (error: unknown) => {
      if (isProximaError(error)) return fail(kioskId, id, name, error.code, error.message);
      logger.error({ clientId: kioskId, requestId: id, method: name, err: error }, "rpc handler failed");
      calls?.inc({ method: name, outcome: "internal" });
      reply(kioskId, {
        id,
        ok: false,
        error: { code: "internal", message: "the gateway failed to answer; try again" },
      });
    };
    try {
      const result = handler.handle(kioskId, params.value);
      if (result instanceof Promise) result.then(succeed, crash);
      else succeed(result);
    } catch (error) {
      crash(error);
    }
  };

  await new Promise<void>((resolve) => aedes.subscribe(topics.filters.allRpcRequests, onRequest, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => aedes.unsubscribe(topics.filters.allRpcRequests, onRequest, resolve)),
  };
}
