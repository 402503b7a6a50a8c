export { type LoadedGatewayConfig, loadGatewayConfig, loadVenue } from "./config/load.js";
export type { Outbox, OutboxQueue, OutboxStats, PendingBatch } from "./outbox/port.js";
export {
  outboxPath,
  readOutboxStats,
  SqliteOutbox,
  type SqliteOutboxOptions,
} from "./outbox/sqlite-outbox.js";
export { CURSOR_KEY, DeltaPull, type DeltaPullOptions } from "./sync/delta-pull.js";
export { EventSync, type EventSyncOptions, type EventSyncStatus } from "./sync/event-sync.js";
