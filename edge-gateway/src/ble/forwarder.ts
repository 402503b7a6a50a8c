import {
  type Clock,
  type SightingsBatch,
  systemClock,
  type TimerHandle,
  type TraceRecord,
  topicsFor,
} from "@proxima/shared";
import type { Logger } from "pino";

/** The part of an MQTT.js client the forwarder needs. */
export interface PublishingClient {
  publish(
    topic: string,
    message: string,
    options: { qos: 0 | 1; retain?: boolean },
    callback?: (error?: Error) => void,
  ): unknown;
}

export interface SightingsForwarderOptions {
  client: PublishingClient;
  venueId: string;
  /** this satellite's scanner id (a venue scanner) */
  scannerId: string;
  clock?: Clock;
  logger?: Logger;
  /** publish at least this often while sightings arrive (default 250 ms) */
  flushMs?: number;
  /** and as soon as a batch holds this many (default 500; the schema allows 10,000) */
  maxBatch?: number;
  /** QoS of the batches (default 0: a late sighting is worth nothing, retries only add lag) */
  qos?: 0 | 1;
}

export interface SightingsForwarder {
  /** Queues one advertisement heard by this satellite. */
  push(ad: TraceRecord): void;
  /** Publishes what is queued now. */
  flush(): void;
  /** Flushes and stops the timer. */
  close(): void;
  stats(): { batches: number; records: number; errors: number };
}

/**
 * A satellite scanner's half of multi-scanner venues: its sightings are batched and
 * published to the hub broker on `scanner/<id>/sightings`, where the hub's presence
 * pipeline decides zones from every scanner's readings.
 */
export function createSightingsForwarder(options: SightingsForwarderOptions): SightingsForwarder {
  const clock = options.clock ?? systemClock;
  const flushMs = options.flushMs ?? 250;
  const maxBatch = Math.min(10_000, options.maxBatch ?? 500);
  const topic = topicsFor(options.venueId).scannerSightings(options.scannerId);
  const qos = options.qos ?? 0;
  let queue: TraceRecord[] = [];
  let timer: TimerHandle | undefined;
  let closed = false;
  const stats = { batches: 0, records: 0, errors: 0 };

  const flush = () => {
    if (timer) clock.clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return;
    const batch: SightingsBatch = { scanner: options.scannerId, ts: clock.now(), records: queue };
    queue = [];
    stats.batches++;
    stats.records += batch.records.length;
    options.client.publish(topic, JSON.stringify(batch), { qos }, (error) => {
      if (!error) return;
      stats.errors++;
      options.logger?.warn(
        { scanner: options.scannerId, topic, err: error.message },
        "could not publish sightings",
      );
    });
  };

  return {
    push(ad) {
      if (closed) return;
      queue.push(ad.scanner === options.scannerId ? ad : { ...ad, scanner: options.scannerId });
      if (queue.length >= maxBatch) flush();
      else timer ??= clock.setTimeout(flush, flushMs);
    },
    flush,
    close() {
      flush();
      closed = true;
    },
    stats: () => ({ ...stats }),
  };
}
