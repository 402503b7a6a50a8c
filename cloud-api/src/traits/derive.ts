import type { EdgeProfile } from "@proxima/shared";
import type { ItemCount, StatsDelta } from "./contributions.js";

export type LifecycleStage = NonNullable<EdgeProfile["lifecycleStage"]>;

/** What the store aggregates over a profile's identities before deriving traits. */
export interface TraitInputs {
  stats: StatsDelta | null;
  items: ItemCount[];
  /** distinct visit days (UTC day numbers, any venue), ascending */
  visitDays: number[];
  /** the profile has a person-level identity (loyalty, email, phone, app) */
  identified: boolean;
}

const DAY_MS = 86_400_000;

/** Score 5 (best) … 1 by fixed thresholds: comparable across venues and stable over time. */
const RECENCY_DAYS = [7, 30, 90, 180];
const FREQUENCY_VISITS = [20, 10, 5, 2];
const MONETARY = [200, 100, 40, 10];

const scoreLowIsGood = (value: number, limits: number[]) => {
  const i = limits.findIndex((limit) => value <= limit);
  return i === -1 ? 1 : 5 - i;
};
const scoreHighIsGood = (value: number, limits: number[]) => {
  const i = limits.findIndex((limit) => value >= limit);
  return i === -1 ? 1 : 5 - i;
};

/**
 * Lifecycle stages after the seeds' customer lifecycle (reach → acquisition →
 * conversion → retention → loyalty):
 * - reach: we have only seen a device (beacon subject, anonymous kiosk session);
 * - acquisition: the person identified (loyalty, email, phone, app) but never bought or poured;
 * - conversion: bought or poured on one visit day;
 * - retention: converted and came back (activity on 2+ visit days);
 * - loyalty: 5+ visit days, 3+ purchases or pours, and active in the last 60 days.
 */
export function lifecycleStage(inputs: TraitInputs, now: number): LifecycleStage {
  if (!inputs.identified) return "reach";
  const stats = inputs.stats;
  const conversions = stats ? stats.purchases + stats.pours : 0;
  if (conversions === 0) return "acquisition";
  const visits = inputs.visitDays.length;
  const recentDays = stats ? (now - stats.lastTs) / DAY_MS : Number.POSITIVE_INFINITY;
  if (visits >= 5 && conversions >= 3 && recentDays <= 60) return "loyalty";
  if (visits >= 2) return "retention";
  return "conversion";
}

const top = (items: ItemCount[], kind: ItemCount["kind"], n: number) =>
  items
    .filter((i) => i.kind === kind)
    .sort((a, b) => b.count - a.count || b.lastTs - a.lastTs || a.item.localeCompare(b.item))
    .slice(0, n)
    .map((i) => i.item);

/** The traits record of the 360 view, derived from incrementally kept aggregates. */
export function deriveTraits(inputs: TraitInputs, now: number): Record<string, unknown> {
  const s = inputs.stats;
  const visits = inputs.visitDays.length;
  const firstVisitDay = inputs.visitDays[0];
  const lastVisitDay = inputs.visitDays[visits - 1];
  const recencyDays = s ? Math.max(0, Math.floor((now - s.lastTs) / DAY_MS)) : null;
  // visits per 30 days over the span since the first visit (at least one month)
  const spanMonths =
    firstVisitDay === undefined ? null : Math.max(1, (now - firstVisitDay * DAY_MS) / (30 * DAY_MS));
  const revenue = round2(s?.revenue ?? 0);
  const cost = round2(s?.cost ?? 0);
  const rfm =
    s === null
      ? null
      : {
          recency: scoreLowIsGood(recencyDays ?? Number.POSITIVE_INFINITY, RECENCY_DAYS),
          frequency: scoreHighIsGood(visits, FREQUENCY_VISITS),
          monetary: scoreHighIsGood(revenue, MONETARY),
        };
  return {
    firstSeen: s?.firstTs ?? null,
    lastSeen: s?.lastTs ?? null,
    firstVisit: firstVisitDay === undefined ? null : firstVisitDay * DAY_MS,
    lastVisit: lastVisitDay === undefined ? null : lastVisitDay * DAY_MS,
    visitCount: visits,
    visitsPerMonth: spanMonths === null ? 0 : round2(visits / spanMonths),
    events: s?.events ?? 0,
    pours: s?.pours ?? 0,
    purchases: s?.purchases ?? 0,
    revenue,
    servicingCost: cost,
    profitability: round2(revenue - cost),
    favouriteProducts: top(inputs.items, "product", 5),
    favouriteFlavours: top(inputs.items, "flavour", 3),
    rfm: rfm && { ...rfm, score: `${rfm.recency}${rfm.frequency}${rfm.monetary}` },
    recencyDays,
    lifecycleStage: lifecycleStage(inputs, now),
    satisfaction:
      s && s.ratingCount > 0
        ? { average: round2(s.ratingSum / s.ratingCount), ratings: s.ratingCount }
        : null,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
