import type { EventEnvelope } from "@proxima/shared";

/**
 * The gateway's durable queue of events bound for the cloud. Everything that must reach
 * the cloud — kiosk interactions, presence, decisions — goes through `append`, which
 * resolves only once the events are committed to disk: the broker acknowledges a
 * kiosk's QoS 1 publish (PUBACK) only after that.
 */
export interface Outbox {
  /**
   * Durably appends events (in order, per source). Rejects with a ProximaError
   * `storage_full` when the disk quota policy refuses them; never drops silently.
   */
  append(events: readonly EventEnvelope[]): Promise<void>;
  /** backlog for status and metrics */
  stats(): Promise<OutboxStats>;
  close(): Promise<void>;
}

export interface OutboxStats {
  /** events waiting to be sent */
  pending: number;
  /** ts of the oldest unsent event, null when empty */
  oldestPendingTs: number | null;
  /** events dropped by the full-disk policy since the outbox was created */
  dropped: number;
  /** last time the cloud acknowledged a batch, null if never */
  lastSyncAt: number | null;
}
