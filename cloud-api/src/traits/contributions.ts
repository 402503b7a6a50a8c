import type { ConsentPurpose, EventEnvelope } from "@proxima/shared";
import { CONSENT_PURPOSES, localDayNumber } from "@proxima/shared";

/**
 * What one event adds to the traits of the identity that carried it. Every
 * contribution is commutative (sums, minima, maxima, set inserts, latest-by-ts), so
 * batches from several cloud instances can apply in any order, and a profile's traits
 * are simply the combination of its identities' rows — a merge or un-merge needs no
 * recomputation.
 */
export interface StatsDelta {
  events: number;
  firstTs: number;
  lastTs: number;
  purchases: number;
  /** money in the purchase currency's major unit */
  revenue: number;
  /** servicing cost, see SERVICING_COST */
  cost: number;
  ratingSum: number;
  ratingCount: number;
  pours: number;
  lastPurchaseTs: number;
}

/**
 * Customer profitability is revenue minus the cost of serving the customer; "any
 * behavior that affects customer revenue or servicing costs should be a parameter"
 * (seeds/001). These are the behaviours Proxima sees and what each costs by default,
 * in the same unit as purchase amounts. A purchase may carry its own `data.cost`
 * (cost of goods) and an accepted offer its `data.discount`; both count too.
 */
export const SERVICING_COST: Partial<Record<EventEnvelope["type"], number>> = {
  "call.note": 4, // a call-centre contact
  "email.sent": 0.01,
  "pour.completed": 0.05, // kiosk consumables beyond the drink itself
  "prompt.shown": 0.001,
};

/** Event types that mean the person was physically at the venue (a visit day). */
const IN_VENUE = new Set<string>([
  "presence.enter",
  "presence.exit",
  "kiosk.session_started",
  "kiosk.identified",
  "product.chosen",
  "pour.started",
  "pour.completed",
  "offer.accepted",
]);

export interface ItemCount {
  kind: "product" | "flavour";
  item: string;
  count: number;
  lastTs: number;
}

export interface Contribution {
  stats: StatsDelta;
  items: ItemCount[];
  /** the venue-local calendar day (`localDayNumber`) the person was at `venueId` */
  visitDay: { venueId: string; day: number } | null;
  consent: { purpose: ConsentPurpose; granted: boolean; ts: number }[];
  attributes: { name: string; value: unknown; ts: number }[];
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null =>
  typeof v === "string" && v.length > 0 && v.length <= 128 ? v : null;

/** profile fields an event may set (`profile.updated`, CSV import); anything else is ignored */
export const PROFILE_FIELDS = [
  "firstName",
  "lastName",
  "birthYear",
  "postcode",
  "language",
  "gender",
  "company",
  "notes",
] as const;

/** What one event adds to its identity's traits; `timeZone` is the venue's, for visit days. */
export function contributionOf(event: EventEnvelope, timeZone = "UTC"): Contribution {
  const data = event.data;
  const stats: StatsDelta = {
    events: 1,
    firstTs: event.ts,
    lastTs: event.ts,
    purchases: 0,
    revenue: 0,
    cost: SERVICING_COST[event.type] ?? 0,
    ratingSum: 0,
    ratingCount: 0,
    pours: 0,
    lastPurchaseTs: 0,
  };
  const items: ItemCount[] = [];
  const consent: Contribution["consent"] = [];
  const attributes: Contribution["attributes"] = [];

  switch (event.type) {
    case "purchase.completed":
      stats.purchases = 1;
      stats.revenue = num(data.amount) ?? 0;
      stats.cost += num(data.cost) ?? 0;
      stats.lastPurchaseTs = event.ts;
      break;
    case "offer.accepted":
      stats.cost += num(data.discount) ?? 0;
      break;
    case "feedback.submitted": {
      const rating = num(data.rating);
      if (rating !== null) {
        stats.ratingSum = rating;
        stats.ratingCount = 1;
      }
      break;
    }
    case "pour.completed":
      stats.pours = 1;
      break;
    case "consent.updated": {
      const given = (data.consent ?? {}) as Record<string, unknown>;
      for (const purpose of CONSENT_PURPOSES)
        if (typeof given[purpose] === "boolean")
          consent.push({ purpose, granted: given[purpose] as boolean, ts: event.ts });
      break;
    }
    case "profile.updated":
      for (const name of PROFILE_FIELDS) {
        const value = data[name];
        if (typeof value === "string" || typeof value === "number")
          attributes.push({
            name,
            value: typeof value === "string" ? value.slice(0, 256) : value,
            ts: event.ts,
          });
      }
      break;
  }

  // Which product and flavours: pours and choices count towards favourites.
  if (
    event.type === "pour.completed" ||
    event.type === "product.chosen" ||
    event.type === "purchase.completed"
  ) {
    const product = str(data.productId);
    if (product) items.push({ kind: "product", item: product, count: 1, lastTs: event.ts });
    if (Array.isArray(data.flavourIds))
      for (const flavour of data.flavourIds.slice(0, 8)) {
        const id = str(flavour);
        if (id) items.push({ kind: "flavour", item: id, count: 1, lastTs: event.ts });
      }
  }

  const visitDay =
    event.venueId !== undefined && IN_VENUE.has(event.type)
      ? { venueId: event.venueId, day: localDayNumber(event.ts, timeZone) }
      : null;
  return { stats, items, visitDay, consent, attributes };
}

export function addStats(into: StatsDelta, add: StatsDelta): void {
  into.events += add.events;
  into.firstTs = Math.min(into.firstTs, add.firstTs);
  into.lastTs = Math.max(into.lastTs, add.lastTs);
  into.purchases += add.purchases;
  into.revenue += add.revenue;
  into.cost += add.cost;
  into.ratingSum += add.ratingSum;
  into.ratingCount += add.ratingCount;
  into.pours += add.pours;
  into.lastPurchaseTs = Math.max(into.lastPurchaseTs, add.lastPurchaseTs);
}
