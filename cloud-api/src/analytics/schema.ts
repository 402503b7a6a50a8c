import type { Sql } from "./sql.js";

/**
 * Analytics tables (rollups, venue files, who is where now). Same DDL on both adapters:
 * BIGINT/TEXT/DOUBLE PRECISION mean the same to SQLite's type affinity.
 *
 * - analytics_zone_hours: one row per zone and UTC day holding that day's 24 hourly
 *   cells packed as JSON ({visits, visitors, p50, p90}[24]) plus the dwell sketches, so a
 *   90-day hourly query over 100 zones reads 9,100 rows, not 216,000. `packed` holds the
 *   same cells as 96 little-endian int32 (visitors[24], visits[24], p50[24], p90[24], -1 =
 *   null): the columnar footfall answer reads it without any JSON.parse.
 * - analytics_zone_day: one row per zone and venue-local day (its own exact unique count).
 * - analytics_subject_day: which hours of a local day a subject was in a zone: the
 *   dedup set that makes `visitors` exact (unique subjects) as events arrive.
 * Zone "*" holds venue-wide figures (unique subjects in any zone).
 */
export const ANALYTICS_DDL = `
CREATE TABLE IF NOT EXISTS analytics_venue (
  venue_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  file TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS analytics_zone_hours (
  venue_id TEXT NOT NULL,
  zone TEXT NOT NULL,
  day_start BIGINT NOT NULL,
  cells TEXT NOT NULL,
  sketches TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (venue_id, zone, day_start)
);
CREATE TABLE IF NOT EXISTS analytics_zone_day (
  venue_id TEXT NOT NULL,
  zone TEXT NOT NULL,
  day TEXT NOT NULL,
  day_start BIGINT NOT NULL,
  visits BIGINT NOT NULL,
  visitors BIGINT NOT NULL,
  p50 DOUBLE PRECISION,
  p90 DOUBLE PRECISION,
  sketch TEXT NOT NULL,
  PRIMARY KEY (venue_id, zone, day)
);
CREATE INDEX IF NOT EXISTS analytics_zone_day_start ON analytics_zone_day (venue_id, day_start);
CREATE TABLE IF NOT EXISTS analytics_subject_day (
  venue_id TEXT NOT NULL,
  day TEXT NOT NULL,
  subject TEXT NOT NULL,
  zone TEXT NOT NULL,
  hours BIGINT NOT NULL,
  PRIMARY KEY (venue_id, day, subject, zone)
);
CREATE TABLE IF NOT EXISTS analytics_kiosk_day (
  venue_id TEXT NOT NULL,
  kiosk_id TEXT NOT NULL,
  day TEXT NOT NULL,
  day_start BIGINT NOT NULL,
  sessions BIGINT NOT NULL,
  offers_shown BIGINT NOT NULL,
  offers_accepted BIGINT NOT NULL,
  pours BIGINT NOT NULL,
  purchases BIGINT NOT NULL,
  revenue DOUBLE PRECISION NOT NULL,
  rating_sum BIGINT NOT NULL,
  rating_count BIGINT NOT NULL,
  PRIMARY KEY (venue_id, kiosk_id, day)
);
CREATE TABLE IF NOT EXISTS analytics_customer (
  venue_id TEXT NOT NULL,
  customer TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  last_day TEXT NOT NULL,
  active_days BIGINT NOT NULL,
  PRIMARY KEY (venue_id, customer)
);
CREATE TABLE IF NOT EXISTS analytics_customer_month (
  venue_id TEXT NOT NULL,
  month TEXT NOT NULL,
  customer TEXT NOT NULL,
  active_days BIGINT NOT NULL,
  purchases BIGINT NOT NULL,
  revenue DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (venue_id, month, customer)
);
CREATE TABLE IF NOT EXISTS analytics_presence_now (
  venue_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  zone TEXT NOT NULL,
  since BIGINT NOT NULL,
  PRIMARY KEY (venue_id, subject)
);
`;

export async function migrateAnalytics(sql: Sql): Promise<void> {
  await sql.exec(ANALYTICS_DDL);
  // databases from before row versions: add the column (fails harmlessly when present)
  await sql
    .exec("ALTER TABLE analytics_zone_hours ADD COLUMN version BIGINT NOT NULL DEFAULT 0")
    .catch(() => undefined);
  // databases from before the packed cells: add the column; rows written earlier keep it
  // NULL and are read from `cells` instead
  await sql
    .exec(
      `ALTER TABLE analytics_zone_hours ADD COLUMN packed ${sql.dialect === "postgres" ? "BYTEA" : "BLOB"}`,
    )
    .catch(() => undefined);
}
