import { EventEmitter } from "node:events";
import { type Clock, type EventEnvelope, systemClock } from "@proxima/shared";
import type { Logger } from "pino";
import { withMigrationLock } from "../store/migrations.js";
import { AnalyticsQueries } from "./queries.js";
import { projectEvents } from "./rollup.js";
import { migrateAnalytics } from "./schema.js";
import { openSql, type Sql } from "./sql.js";
import { VenueRegistry } from "./venues.js";

export interface AnalyticsOptions {
  sql: Sql;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Analytics for the cloud: a projection the store runs on every ingest batch's
 * accepted events (`project`), the read side (`queries`), the venue registry, and a
 * bus that tells live-occupancy streams a venue changed.
 */
export class Analytics {
  readonly sql: Sql;
  readonly clock: Clock;
  readonly venues: VenueRegistry;
  readonly queries: AnalyticsQueries;
  /** emits "venue" with a venueId whenever presence there changed */
  readonly changes = new EventEmitter();
  private readonly logger: Logger | undefined;

  private constructor(options: AnalyticsOptions) {
    this.sql = options.sql;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.venues = new VenueRegistry(this.sql);
    this.queries = new AnalyticsQueries(this.sql, this.venues);
    this.changes.setMaxListeners(0);
  }

  static async open(options: AnalyticsOptions): Promise<Analytics> {
    const analytics = new Analytics(options);
    await withMigrationLock(analytics.sql, () => migrateAnalytics(analytics.sql));
    await analytics.venues.load();
    // Venues registered through another instance (or the CLI) show up within 30 s.
    const reload = setInterval(() => void analytics.venues.load().catch(() => undefined), 30_000);
    reload.unref();
    return analytics;
  }

  /** Opens a database URL (SQLite path or postgres://) just for analytics: tests, benchmarks, CLI. */
  static async openUrl(url: string, clock?: Clock, logger?: Logger): Promise<Analytics> {
    return Analytics.open({ sql: await openSql(url), clock, logger });
  }

  /** Folds events into the rollups in their own transaction (seeding, tests, benchmarks). */
  project = (events: readonly EventEnvelope[], resolveCustomer?: (e: EventEnvelope) => string | undefined) =>
    this.projectInto(this.sql, events, resolveCustomer);

  /** Folds events into the rollups within `tx` (the store's ingest transaction), then wakes live streams. */
  async projectInto(
    tx: Sql,
    events: readonly EventEnvelope[],
    resolveCustomer?: (e: EventEnvelope) => string | undefined,
  ): Promise<void> {
    if (events.length === 0) return;
    const started = performance.now();
    const changes = await projectEvents(tx, events, { timeZoneOf: this.venues.timeZoneOf, resolveCustomer });
    // Streams re-read ~100 ms later, after the batch's transaction has committed.
    for (const venueId of new Set(changes.map((c) => c.venueId))) this.changes.emit("venue", venueId);
    this.logger?.debug({ events: events.length, ms: performance.now() - started }, "analytics projected");
  }
}
