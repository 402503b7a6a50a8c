import {
  type EventEnvelope,
  type Nearby,
  ProximaError,
  RPC_METHODS,
  type RpcMethod,
  type RpcParams,
  type RpcResult,
} from "@proxima/shared";
import type { KioskLink, LinkState } from "./link.js";

type Handler<M extends RpcMethod> = (params: RpcParams<M>) => RpcResult<M> | Promise<RpcResult<M>>;

/**
 * An in-memory gateway for component tests: answers RPCs with the handlers it is given
 * (results still pass through the shared schemas, as on the real link) and records
 * every acknowledged event.
 */
export class FakeLink implements KioskLink {
  readonly published: EventEnvelope[] = [];
  readonly calls: { method: RpcMethod; params: unknown }[] = [];
  private current: LinkState;
  private readonly handlers: { [M in RpcMethod]?: Handler<M> } = {};
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private readonly nearbyListeners = new Set<(nearby: Nearby) => void>();

  constructor(state: LinkState = "online") {
    this.current = state;
  }

  handle<M extends RpcMethod>(method: M, handler: Handler<M>): this {
    (this.handlers as Record<string, unknown>)[method] = handler;
    return this;
  }

  get state(): LinkState {
    return this.current;
  }

  setState(state: LinkState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  walkUp(nearby: Nearby): void {
    for (const listener of this.nearbyListeners) listener(nearby);
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNearby(listener: (nearby: Nearby) => void): () => void {
    this.nearbyListeners.add(listener);
    return () => this.nearbyListeners.delete(listener);
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
