import type { EventEnvelope, Nearby, RpcMethod, RpcParams, RpcResult } from "@proxima/shared";

/** `online` once connected and subscribed; `offline` after a drop, while mqtt.js retries. */
export type LinkState = "connecting" | "online" | "offline";

/**
 * The kiosk's port to its gateway. The app only ever talks through this interface:
 * `MqttLink` implements it over MQTT 3.1.1 on WebSocket, `FakeLink` in component tests.
 */
export interface KioskLink {
  readonly state: LinkState;
  onState(listener: (state: LinkState) => void): () => void;
  /** a consented, known visitor just walked up to this kiosk */
  onNearby(listener: (nearby: Nearby) => void): () => void;
  /**
   * Typed RPC from `RPC_METHODS`: rejects with a ProximaError (`timeout`, `unavailable`,
   * or the gateway's own code) instead of hanging.
   */
  call<M extends RpcMethod>(
    method: M,
    params: RpcParams<M>,
    options?: { timeoutMs?: number },
  ): Promise<RpcResult<M>>;
  /** resolves once the gateway acknowledged the event (QoS 1 PUBACK); rejects when offline */
  publishEvent(event: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_RPC_TIMEOUT_MS = 3000;

/** What both links keep the same way: the connection state, walk-ups, and their listeners. */
export abstract class LinkSignals {
  private readonly stateListeners = new Set<(state: LinkState) => void>();
  private readonly nearbyListeners = new Set<(nearby: Nearby) => void>();

  constructor(protected current: LinkState) {}

  get state(): LinkState {
    return this.current;
  }

  onState(listener: (state: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onNearby(listener: (nearby: Nearby) => void): () => void {
    this.nearbyListeners.add(listener);
    return () => this.nearbyListeners.delete(listener);
  }

  protected emitState(state: LinkState): void {
    this.current = state;
    for (const listener of this.stateListeners) listener(state);
  }

  protected emitNearby(nearby: Nearby): void {
    for (const listener of this.nearbyListeners) listener(nearby);
  }
}
