import {
  addDays,
  dayStart,
  type EventEnvelope,
  HOUR_MS,
  localDay,
  localParts,
  newId,
  seededRandom,
  type Venue,
} from "@proxima/shared";

/**
 * Simulated venue history: loyal customers with their own visit rhythm and anonymous
 * tag carriers walk entrance → areas → kiosks → checkout in venue-local opening hours,
 * busier at lunch, in the evening and at weekends. Deterministic for a seed, so demos and
 * tests see the same store.
 */
export interface HistoryOptions {
  venue: Venue;
  timeZone: string;
  /** last instant simulated (exclusive) */
  endTs: number;
  days: number;
  /** mean visitors on a weekday */
  visitorsPerDay: number;
  members: number;
  seed: number;
}

// Arrivals by venue-local hour (opening 8–22): lunch and after-work peaks.
const HOURLY = [0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 7, 10, 9, 6, 5, 6, 8, 10, 9, 6, 4, 0, 0];
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);
// Monday … Sunday
const WEEKDAY = [0.8, 0.85, 0.9, 0.95, 1.15, 1.4, 1.1];

interface Member {
  loyalty: string;
  subject: string;
  /** chance to visit on a given day */
  frequency: number;
  joinedDay: number;
  spend: number;
}

const uuidOf = (venue: string) => {
  let h = 0;
  for (const ch of venue) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-0000-4000-8000-${hex}0000`;
};

/** Yields the events of each simulated venue-local day, oldest first, ts-ordered within a day. */
export function* simulateHistory(options: HistoryOptions): Generator<EventEnvelope[]> {
  const rand = seededRandom(options.seed);
  const { venue, timeZone } = options;
  const entrance = venue.zones.find((z) => z.kind === "entrance")?.id ?? venue.zones[0]!.id;
  const checkout = venue.zones.find((z) => z.kind === "checkout")?.id;
  const kiosks = venue.zones.filter((z) => z.kind === "kiosk");
  const areas = venue.zones.filter((z) => z.kind === "area" || z.kind === "stand");
  const beaconUuid = uuidOf(venue.venueId);
  const members: Member[] = Array.from({ length: options.members }, (_, i) => ({
    loyalty: `L-${venue.venueId}-${String(10000 + i)}`,
    subject: `ibeacon:${beaconUuid}:${1 + (i >> 12)}:${i & 0xfff}`,
    frequency: 0.02 + rand() * rand() * 0.35,
    // a third were already customers before the window; the rest join over time
    joinedDay: rand() < 0.35 ? -1 : Math.floor(rand() * options.days),
    spend: 2 + rand() * 10,
  }));
  let anonymous = 0;
  // Customers from before the window bought a few times in the nine months before it,
  // so acquisition, growth and lifecycle have a base to compare with.
  const windowStart = dayStart(addDays(localDay(options.endTs - 1, timeZone), -(options.days - 1)), timeZone);
  const before: EventEnvelope[] = [];
  for (const m of members) {
    if (m.joinedDay !== -1) continue;
    const purchases = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < purchases; i++) {
      const ts = windowStart - Math.floor(rand() * 270 * 86_400_000) - 1;
      before.push({
        id: newId(ts),
        ts,
        venueId: venue.venueId,
        source: { kind: "pos", id: `${venue.venueId}-pos-1` },
        type: "purchase.completed",
        identity: { type: "loyalty", value: m.loyalty },
        data: { amount: Math.round(m.spend * (0.6 + rand()) * 90) / 100, currency: "EUR" },
      });
    }
  }
  yield before.sort((a, b) => a.ts - b.ts);
  const lastDay = localDay(options.endTs - 1, timeZone);
  const firstDay = addDays(lastDay, -(options.days - 1));
  for (let d = 0; d < options.days; d++) {
    const day = addDays(firstDay, d);
    const start = dayStart(day, timeZone);
    const next = dayStart(addDays(day, 1), timeZone);
    const weekday = localParts(start + 12 * HOUR_MS, timeZone).weekday;
    const growth = 0.85 + (0.3 * d) / options.days;
    const events: EventEnvelope[] = [];
    const visitors: { member: Member | null; subject: string }[] = [];
    for (const m of members)
      if (m.joinedDay <= d && rand() < m.frequency * WEEKDAY[weekday]! * growth)
        visitors.push({ member: m, subject: m.subject });
    const anonymousCount = Math.round(
      options.visitorsPerDay * 0.5 * WEEKDAY[weekday]! * growth * (0.8 + rand() * 0.4),
    );
    for (let i = 0; i < anonymousCount; i++)
      visitors.push({ member: null, subject: `ibeacon:${beaconUuid}:9000:${anonymous++ % 60000}` });
    for (const v of visitors) {
      // arrival hour by the profile; minutes uniform
      let pick = rand() * HOURLY_SUM;
      let hour = 0;
      while (pick >= HOURLY[hour]!) pick -= HOURLY[hour++]!;
      let t = start + hour * HOUR_MS + Math.floor(rand() * HOUR_MS);
      if (t >= next || t >= options.endTs) continue;
      const path = [entrance];
      for (const a of areas) if (rand() < 0.55) path.push(a.id);
      const kiosk =
        kiosks.length > 0 && rand() < (v.member ? 0.6 : 0.3)
          ? kiosks[Math.floor(rand() * kiosks.length)]!
          : null;
      if (kiosk) path.push(kiosk.id);
      if (checkout && rand() < 0.7) path.push(checkout);
      const identity = { type: "subject" as const, value: v.subject };
      const source = { kind: "gateway" as const, id: venue.scanners[0]!.id };
      for (const zone of path) {
        const dwellMs = Math.round(
          zone === entrance ? 5_000 + rand() * 40_000 : 30_000 + rand() * rand() * 900_000,
        );
        events.push({
          id: newId(t),
          ts: t,
          venueId: venue.venueId,
          source,
          type: "presence.enter",
          identity,
          data: { zone },
        });
        if (kiosk && zone === kiosk.id && v.member) {
          const kioskSource = { kind: "kiosk" as const, id: kiosk.kioskId ?? kiosk.id };
          const who = { type: "loyalty" as const, value: v.member.loyalty };
          const identities = [identity];
          const at = (dt: number) => t + Math.min(dwellMs - 1000, dt);
          const decisionId = newId(at(2000));
          const kioskEvent = (dt: number, type: EventEnvelope["type"], data: EventEnvelope["data"]) =>
            events.push({
              id: newId(at(dt)),
              ts: at(dt),
              venueId: venue.venueId,
              source: kioskSource,
              type,
              identity: who,
              identities,
              data,
            });
          kioskEvent(1000, "kiosk.session_started", {});
          kioskEvent(2000, "offer.shown", { decisionId, offerId: "offer-refill" });
          if (rand() < 0.45) kioskEvent(8000, "offer.accepted", { decisionId, offerId: "offer-refill" });
          if (rand() < 0.8) kioskEvent(20000, "pour.completed", { productId: "cola-zero", ml: 400 });
          if (rand() < 0.35)
            kioskEvent(25000, "feedback.submitted", {
              rating: Math.min(5, Math.max(1, Math.round(3.2 + rand() * 2.3 + (d / options.days) * 0.4))),
            });
        }
        if (zone === checkout && v.member && rand() < 0.8)
          events.push({
            id: newId(t + 1000),
            ts: t + 1000,
            venueId: venue.venueId,
            source: { kind: "pos", id: `${venue.venueId}-pos-1` },
            type: "purchase.completed",
            identity: { type: "loyalty", value: v.member.loyalty },
            data: {
              amount:
                Math.round(v.member.spend * (0.6 + rand()) * (0.9 + (0.2 * d) / options.days) * 100) / 100,
              currency: "EUR",
            },
          });
        t += dwellMs;
        events.push({
          id: newId(t),
          ts: t,
          venueId: venue.venueId,
          source,
          type: "presence.exit",
          identity,
          data: { zone, dwellMs },
        });
        t += 2_000 + Math.floor(rand() * 20_000);
      }
    }
    events.sort((a, b) => a.ts - b.ts);
    yield events.filter((e) => e.ts < options.endTs);
  }
}
