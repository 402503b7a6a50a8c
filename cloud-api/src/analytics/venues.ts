import { isTimeZone, ProximaError, Venue } from "@proxima/shared";
import type { Sql } from "./sql.js";

export interface StoredVenue {
  venue: Venue;
  timeZone: string;
}

/**
 * Venue files known to the cloud (floor plans, zone kinds, time zones). Registered by
 * `proxima-cloud venue add <file>` or `PUT /v1/venues/{id}`; cached in memory because
 * every rollup write needs the venue's time zone.
 */
export class VenueRegistry {
  private cache = new Map<string, StoredVenue>();
  private loaded = false;

  constructor(private readonly sql: Sql) {}

  async load(): Promise<void> {
    const rows = await this.sql.all<{ file: string; time_zone: string }>(
      "SELECT file, time_zone FROM analytics_venue",
    );
    this.cache = new Map();
    for (const r of rows) {
      const venue = Venue.parse(JSON.parse(r.file));
      this.cache.set(venue.venueId, { venue, timeZone: r.time_zone });
    }
    this.loaded = true;
  }

  async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  /** Time zone of a venue's local calendar; UTC for venues not registered (yet), and without a venue. */
  timeZoneOf = (venueId: string | undefined): string =>
    (venueId === undefined ? undefined : this.cache.get(venueId))?.timeZone ?? "UTC";

  get(venueId: string): StoredVenue | undefined {
    return this.cache.get(venueId);
  }

  list(): StoredVenue[] {
    return [...this.cache.values()].sort((a, b) => a.venue.venueId.localeCompare(b.venue.venueId));
  }

  async put(venue: Venue, now: number): Promise<StoredVenue> {
    const timeZone = venue.timeZone ?? "UTC";
    if (!isTimeZone(timeZone))
      throw new ProximaError(
        "bad_request",
        `unknown time zone "${timeZone}": use an IANA name like Europe/Berlin`,
      );
    await this.sql.run(
      `INSERT INTO analytics_venue (venue_id, name, time_zone, file, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (venue_id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone, file = excluded.file, updated_at = excluded.updated_at`,
      [venue.venueId, venue.name, timeZone, JSON.stringify(venue), now],
    );
    const stored = { venue, timeZone };
    this.cache.set(venue.venueId, stored);
    return stored;
  }
}
