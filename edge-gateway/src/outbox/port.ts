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

/**
 * The sending side of the outbox, what the sync client drives. Events leave in append
 * order; a batch is removed only by `acknowledge`, after the cloud has answered for it,
 * so a crash anywhere re-sends at most the one batch in flight (the cloud dedups by id).
 */
export interface OutboxQueue extends Outbox {
  /** the oldest unsent events after `afterSeq`, bounded by count and bytes; null when none */
  nextBatch(afterSeq: number, maxEvents: number, maxBytes: number): Promise<PendingBatch | null>;
  /** the cloud answered for every event up to `lastSeq`: remove them, record `syncedAt` */
  acknowledge(lastSeq: number, syncedAt: number): Promise<void>;
  /** called after each committed append; returns an unsubscribe */
  onAppend(listener: () => void): () => void;
  /** small durable state beside the queue (the delta-pull cursor) */
  readState(key: string): Promise<string | null>;
  writeState(key: string, value: string): Promise<void>;
}

export interface PendingBatch {
  firstSeq: number;
  lastSeq: number;
  /** each event as the JSON text it was appended as */
  events: string[];
  /** sum of the events' JSON lengths */
  bytes: number;
}
