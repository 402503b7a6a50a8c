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
