export { canPublish, canSubscribe, type Principal, principalFor } from "./broker/acl.js";
export {
  type BrokerLimits,
  type BrokerOptions,
  DEFAULT_LIMITS,
  type RunningBroker,
  startBroker,
} from "./broker/broker.js";
export { SqlitePersistence } from "./broker/persistence.js";
export { type LoadedGatewayConfig, loadGatewayConfig, loadVenue } from "./config/load.js";
export { type Gateway, type GatewayOptions, startGateway } from "./gateway.js";
export { CLIENT_ROLES, type ClientRole, CredentialStore } from "./kiosks/credentials.js";
export type { Outbox, OutboxQueue, OutboxStats, PendingBatch } from "./outbox/port.js";
export {
  outboxPath,
  readOutboxStats,
  SqliteOutbox,
  type SqliteOutboxOptions,
} from "./outbox/sqlite-outbox.js";
export { type Decision, type DecisionInput, decide } from "./personalize/engine.js";
export { type ProfileCache, SqliteProfileCache } from "./profiles/cache.js";
export {
  DEMO_CAMPAIGNS,
  DEMO_CATALOGUE,
  DEMO_SEGMENTS,
  demoBundle,
  demoProfiles,
  loyaltyNumber,
} from "./profiles/demo-data.js";
export { parseProfileFile, readProfileFile } from "./profiles/load-file.js";
export { MemoryProfileCache } from "./profiles/memory-cache.js";
export * from "./sensing.js";
export { CURSOR_KEY, DeltaPull, type DeltaPullOptions } from "./sync/delta-pull.js";
export { EventSync, type EventSyncOptions, type EventSyncStatus } from "./sync/event-sync.js";
