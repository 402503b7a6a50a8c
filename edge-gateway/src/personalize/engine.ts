import type {
  Campaign,
  CampaignVariant,
  Catalogue,
  EdgeProfile,
  Offer,
  Product,
  StockLevels,
} from "@proxima/shared";

/**
 * The offer engine: pure functions over (profile, context, catalogue, campaigns, stock).
 * No I/O, no clock, no randomness — the same input always gives the same offers, which
 * is what makes A/B assignment honest and decisions reproducible from the log.
 */

export interface DecisionContext {
  now: number;
  venueId: string;
  kioskId: string;
  /** wall-clock hour at the venue, 0–23 */
  localHour: number;
}

export interface DecisionInput {
  /** null: anonymous or unknown shopper */
  profile: EdgeProfile | null;
  /** stable key for assigning anonymous shoppers (e.g. the kiosk session); ignored when a profile is known */
  anonymousKey: string;
  context: DecisionContext;
  catalogue: Catalogue;
  campaigns: readonly Campaign[];
  /** the kiosk's cartridge levels; null when it has not reported yet (then everything installed counts as pourable) */
  stock: StockLevels | null;
  /** product ids most poured at this venue lately, most first */
  popular: readonly string[];
  /** display names of segments, for reasons ("Picked for Night owls") */
  segmentName?: (id: string) => string | undefined;
  limit: number;
}

export type OfferRule = "campaign" | "favourite" | "recent" | "segment" | "daypart" | "popular" | "discover";

export interface RankedOffer extends Offer {
  rule: OfferRule;
}

export interface Assignment {
  campaignId: string;
  /** the variant shown, or null when the shopper is in the holdout */
  variant: string | null;
  holdout: boolean;
  /** false when the variant's product could not be poured, so nothing was shown */
  shown: boolean;
}

export interface Decision {
  offers: RankedOffer[];
  /** every campaign whose audience the shopper is in, with its assignment: the denominator of campaign reporting */
  assignments: Assignment[];
  /** whether personal data (favourites, history, segments) was used */
  personalized: boolean;
}

/** Below this a cartridge cannot reliably pour a full drink. */
export const MIN_POUR_LEVEL = 0.05;

const DAYPARTS: readonly { tag: string; from: number; to: number; reason: string }[] = [
  { tag: "morning", from: 5, to: 11, reason: "A good start to the morning" },
  { tag: "lunch", from: 11, to: 14, reason: "A lunchtime favourite" },
  { tag: "afternoon", from: 14, to: 18, reason: "Made for the afternoon" },
  { tag: "evening", from: 18, to: 23, reason: "An evening favourite" },
];

/** FNV-1a (32-bit) of the parts, as a number in [0, 1): stable across processes and releases. */
export function unitHash(...parts: string[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0x1f; // separator, so ("ab","c") and ("a","bc") differ
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so nearby ids spread over the whole range
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** Whether the kiosk can pour `product` now: its base and every flavour installed and above the minimum. */
export function canPour(product: Product, stock: StockLevels | null): boolean {
  if (stock === null) return true;
  const level = (id: string) => stock.levels[id] ?? 0;
  if (level(product.baseId) < MIN_POUR_LEVEL) return false;
  for (const flavour of product.flavourIds) if (level(flavour) < MIN_POUR_LEVEL) return false;
  return true;
}

export function inHours(hours: Campaign["hours"], localHour: number): boolean {
  if (!hours) return true;
  // a window may wrap midnight: {from: 22, to: 2}
  return hours.from < hours.to
    ? localHour >= hours.from && localHour < hours.to
    : localHour >= hours.from || localHour < hours.to;
}

/** A campaign is live at this kiosk now: active, on the kiosk channel, in its dates, venues and hours. */
export function isLive(campaign: Campaign, context: DecisionContext): boolean {
  return (
    campaign.status === "active" &&
    campaign.channels.includes("kiosk") &&
    campaign.startsAt <= context.now &&
    (campaign.endsAt === undefined || context.now < campaign.endsAt) &&
    (campaign.audience.venues === undefined || campaign.audience.venues.includes(context.venueId)) &&
    inHours(campaign.hours, context.localHour)
  );
}

/**
 * Audience membership. Identified shoppers who allow personalization match on segments
 * (an empty list means everyone identified); anyone else — anonymous, unknown, or opted
 * out — only reaches campaigns that include anonymous shoppers.
 */
export function inAudience(campaign: Campaign, profile: EdgeProfile | null): boolean {
  if (profile === null || !allowsPersonalization(profile)) return campaign.audience.includeAnonymous;
  const segments = campaign.audience.segments;
  return segments.length === 0 || segments.some((s) => profile.segments.includes(s));
}

/**
 * Kiosk personalization uses a profile unless the customer opted out. The shopper
 * identified themselves at the kiosk, which is not the case for `nearby` greetings —
 * those need an explicit yes (see the gateway).
 */
export function allowsPersonalization(profile: EdgeProfile): boolean {
  return profile.consent.personalization !== false;
}

/**
 * Deterministic assignment by hash(unit, campaign): the same customer always lands in
 * the same arm of the same campaign, on every kiosk and gateway, with no shared state.
 */
export function assign(
  campaign: Campaign,
  unit: string,
): { holdout: true } | { holdout: false; variant: CampaignVariant } {
  if (unitHash(unit, campaign.id, "holdout") * 100 < campaign.holdoutPct) return { holdout: true };
  const total = campaign.variants.reduce((sum, v) => sum + v.weight, 0);
  let point = unitHash(unit, campaign.id, "variant") * total;
  for (const variant of campaign.variants) {
    point -= variant.weight;
    if (point < 0) return { holdout: false, variant };
  }
  return { holdout: false, variant: campaign.variants[campaign.variants.length - 1]! };
}

export function discounted(priceCents: number, discountPct: number | undefined): number {
  return discountPct ? Math.round(priceCents * (1 - discountPct / 100)) : priceCents;
}

export function decide(input: DecisionInput): Decision {
  const { profile, context, catalogue, stock, limit } = input;
  const personalized = profile !== null && allowsPersonalization(profile);
  const products = new Map(catalogue.products.map((p) => [p.id, p]));
  const offers: RankedOffer[] = [];
  const used = new Set<string>();
  const assignments: Assignment[] = [];

  const add = (product: Product | undefined, rule: OfferRule, reason: string, extra: Partial<Offer> = {}) => {
    if (!product || used.has(product.id) || offers.length >= limit || !canPour(product, stock)) return false;
    used.add(product.id);
    offers.push({
      offerId: extra.campaignId ? `${extra.campaignId}:${extra.variant}` : `${rule}:${product.id}`,
      title: product.name,
      reason,
      productId: product.id,
      priceCents: product.priceCents,
      ...extra,
      rule,
    });
    return true;
  };

  // 1. campaigns the shopper is in, highest priority first (ties: by id, for determinism)
  const unit = profile?.id ?? input.anonymousKey;
  const live = input.campaigns
    .filter((c) => isLive(c, context) && inAudience(c, profile))
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
  for (const campaign of live) {
    const arm = assign(campaign, unit);
    if (arm.holdout) {
      assignments.push({ campaignId: campaign.id, variant: null, holdout: true, shown: false });
      continue;
    }
    const { variant } = arm;
    const product = products.get(variant.productId);
    const shown = add(product, "campaign", variant.reason, {
      title: variant.title,
      campaignId: campaign.id,
      variant: variant.id,
      ...(product ? { priceCents: discounted(product.priceCents, variant.discountPct) } : {}),
    });
    assignments.push({ campaignId: campaign.id, variant: variant.id, holdout: false, shown });
  }

  if (personalized) {
    // 2. favourites, most liked first
    for (const [i, id] of profile.favourites.entries())
      add(products.get(id), "favourite", i === 0 ? "Your favourite" : "One of your favourites");
    // 3. what they had lately
    for (const [i, r] of profile.recent.entries())
      add(
        products.get(r.productId),
        "recent",
        i === 0 ? "You had this last time" : "You enjoyed this recently",
      );
    // 4. products made for one of their segments (tagged with the segment id)
    for (const segmentId of profile.segments) {
      const name = input.segmentName?.(segmentId);
      for (const product of catalogue.products)
        if (product.tags.includes(segmentId))
          add(product, "segment", name ? `Picked for ${name}` : "Picked for people like you");
    }
  }

  // 5. right for the time of day
  const daypart = DAYPARTS.find((d) => context.localHour >= d.from && context.localHour < d.to);
  let daypartPicks = 0;
  if (daypart)
    for (const product of catalogue.products)
      if (daypartPicks < 2 && product.tags.includes(daypart.tag) && add(product, "daypart", daypart.reason))
        daypartPicks++;

  // 6. popular at this venue right now, then the catalogue's own "popular" picks
  for (const id of input.popular) add(products.get(id), "popular", "Popular here right now");
  for (const product of catalogue.products)
    if (product.tags.includes("popular")) add(product, "popular", "A crowd favourite");
  // 7. fill the screen with anything pourable
  for (const product of catalogue.products) add(product, "discover", "Try something new");

  return { offers, assignments, personalized };
}
