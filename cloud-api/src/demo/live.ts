import {
  type Clock,
  type EventEnvelope,
  newId,
  seededRandom,
  systemClock,
  type Venue,
} from "@proxima/shared";

/**
 * Keeps a venue moving for the demo: a few dozen tag carriers walk between zones, a
 * presence change every second or so, ingested like synced events.
 */
export function runLiveVenue(
  ingest: (events: EventEnvelope[]) => Promise<unknown>,
  venue: Venue,
  options: { clock?: Clock; seed?: number } = {},
) {
  const clock = options.clock ?? systemClock;
  const rand = seededRandom(options.seed ?? 7);
  const where = new Map<string, { zone: string; since: number }>();
  const source = { kind: "gateway" as const, id: venue.scanners[0]!.id };
  const tick = async () => {
    const now = clock.now();
    const subject = `ibeacon:00000000-0000-4000-8000-00000000d3e0:1:${Math.floor(rand() * 40)}`;
    const identity = { type: "subject" as const, value: subject };
    const events: EventEnvelope[] = [];
    const at = where.get(subject);
    if (at) {
      events.push({
        id: newId(now),
        ts: now,
        venueId: venue.venueId,
        source,
        type: "presence.exit",
        identity,
        data: { zone: at.zone, dwellMs: now - at.since },
      });
      where.delete(subject);
    }
    if (!at || rand() < 0.7) {
      const zone = venue.zones[Math.floor(rand() * venue.zones.length)]!.id;
      events.push({
        id: newId(now + 1),
        ts: now + 1,
        venueId: venue.venueId,
        source,
        type: "presence.enter",
        identity,
        data: { zone },
      });
      where.set(subject, { zone, since: now + 1 });
    }
    await ingest(events);
  };
  const timer = setInterval(() => void tick().catch(() => undefined), 1200);
  return { stop: () => clearInterval(timer) };
}
