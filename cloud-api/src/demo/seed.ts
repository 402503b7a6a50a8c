import { readFileSync } from "node:fs";
import { type Clock, type EventEnvelope, systemClock, Venue } from "@proxima/shared";
import type { Analytics } from "../analytics/service.js";
import { simulateHistory } from "./history.js";
import { HARBOUR } from "./venues.js";

export interface SeedOptions {
  analytics: Analytics;
  venues: Venue[];
  days: number;
  clock?: Clock;
  /** ingest through the customer store (timelines, profiles); its analytics projection folds the rollups */
  ingest?: (events: EventEnvelope[]) => Promise<unknown>;
  onDay?: (venueId: string, day: number, events: number) => void;
}

/** Registers the venues and folds `days` of simulated history into the rollups, a day per batch. */
export async function seedHistory(options: SeedOptions): Promise<{ events: number; ms: number }> {
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  let total = 0;
  for (const [i, venue] of options.venues.entries()) {
    const stored = await options.analytics.venues.put(venue, clock.now());
    let day = 0;
    // Fold a couple of weeks per transaction: far fewer round trips than a day per batch.
    let pending: EventEnvelope[] = [];
    const flush = async () => {
      if (options.ingest) {
        // Presence is ~85 % of the history and only analytics needs it: straight into
        // the rollups in bulk; everything naming a customer goes through the store
        // (profiles, timelines), whose analytics projection folds it in.
        await options.analytics.project(pending.filter((e) => e.type.startsWith("presence.")));
        await options.ingest(pending.filter((e) => !e.type.startsWith("presence.")));
      } else await options.analytics.project(pending);
      total += pending.length;
      pending = [];
    };
    for (const events of simulateHistory({
      venue,
      timeZone: stored.timeZone,
      endTs: clock.now(),
      days: options.days,
      visitorsPerDay: 260 - i * 60,
      members: 1500 - i * 400,
      seed: 42 + i,
    })) {
      pending.push(...events);
      if (++day % 15 === 0) await flush();
      options.onDay?.(venue.venueId, day, events.length);
    }
    await flush();
  }
  return { events: total, ms: performance.now() - started };
}

/** The two demo venues: the example gateway's venue file and Harbour. */
export function demoVenues(exampleVenuePath: string): Venue[] {
  return [Venue.parse(JSON.parse(readFileSync(exampleVenuePath, "utf8"))), HARBOUR];
}
