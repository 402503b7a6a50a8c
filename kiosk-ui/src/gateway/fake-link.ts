import {
  type EventEnvelope,
  type Nearby,
  ProximaError,
  RPC_METHODS,
  type RpcMethod,
  type RpcParams,
  type RpcResult,
} from "@proxima/shared";
import { type KioskLink, LinkSignals, type LinkState } from "./link.js";

type Handler<M extends RpcMethod> = (params: RpcParams<M>) => RpcResult<M> | Promise<RpcResult<M>>;

/**
 * An in-memory gateway for component tests: answers RPCs with the handlers it is given
 * (results still pass through the shared schemas, as on the real link) and records
 * every acknowledged event.
 */
export class FakeLink extends LinkSignals implements KioskLink {
  readonly published: EventEnvelope[] = [];
  readonly calls: { method: RpcMethod; params: unknown }[] = [];
  private readonly handlers: { [M in RpcMethod]?: Handler<M> } = {};
  constructor(state: LinkState = "online") {
    super(state);
  }

  handle<M extends RpcMethod>(method: M, handler: Handler<M>): this {
    (this.handlers as Record<string, unknown>)[method] = handler;
    return this;
  }

  setState(state: LinkState): void {
    this.emitState(state);
  }

  walkUp(nearby: Nearby): void {
    this.emitNearby(nearby);
  }

  async call<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>> {
    this.calls.push({ method, params });
    if (this.current !== "online") throw new ProximaError("unavailable", `offline: cannot call ${method}`);
    const handler = this.handlers[method] as Handler<M> | undefined;
    if (!handler) throw new ProximaError("unknown_method", `no fake handler for ${method}`);
    const result = RPC_METHODS[method].result.safeParse(await handler(params));
    if (!result.success) throw new ProximaError("bad_request", `fake ${method} result is invalid`);
    return result.data as RpcResult<M>;
  }

  async publishEvent(event: EventEnvelope): Promise<void> {
    if (this.current !== "online") throw new ProximaError("unavailable", "offline");
    this.published.push(event);
  }

  async close(): Promise<void> {
    this.setState("offline");
  }

  eventTypes(): string[] {
    return this.published.map((e) => e.type);
  }
}
