import type { Clock, GatewayConfig, SyncChange } from "@proxima/shared";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { OutboxQueue } from "../outbox/port.js";
import { DeltaPull } from "./delta-pull.js";
import { EventSync } from "./event-sync.js";

export interface CloudSyncOptions {
  config: GatewayConfig;
  venueId: string;
  outbox: OutboxQueue;
  /** the profile cache's `applyChanges` (idempotent): pulled pages go there */
  applyChanges: (changes: SyncChange[]) => Promise<unknown>;
  logger?: Logger;
  registry?: Registry;
  clock?: Clock;
}

export interface CloudSync {
  events: EventSync;
  deltas: DeltaPull;
  stop(): Promise<void>;
}

/**
 * Both directions of the gateway ↔ cloud link, from `gateway.json`'s `cloud` section:
 * the outbox drains to `POST /v1/events`, venue changes are pulled into the profile
 * cache. Null when no cloud is configured (events then only queue, which `status` shows).
 */
export function startCloudSync(options: CloudSyncOptions): CloudSync | null {
  const cloud = options.config.cloud;
  if (!cloud) {
    options.logger?.warn("no cloud configured: events queue in the outbox and are not sent");
    return null;
  }
  const logger = options.logger?.child({ component: "sync" });
  const common = {
    url: cloud.url,
    token: cloud.token,
    ...(logger ? { logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const events = new EventSync({
    ...common,
    outbox: options.outbox,
    maxBatchEvents: cloud.batchMaxEvents,
    maxDelayMs: cloud.batchMaxDelayMs,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const deltas = new DeltaPull({
    ...common,
    state: options.outbox,
    venueId: options.venueId,
    intervalMs: cloud.pullIntervalMs,
    apply: async (changes) => {
      await options.applyChanges(changes);
    },
  });
  events.start();
  deltas.start();
  return {
    events,
    deltas,
    async stop() {
      await Promise.all([events.stop(), deltas.stop()]);
    },
  };
}
