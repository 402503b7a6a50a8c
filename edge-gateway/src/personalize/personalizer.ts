import {
  type Clock,
  type EventEnvelope,
  type Identity,
  localParts,
  newId,
  type PersonalizeParams,
  type PersonalizeResult,
  type ShopperIdentity,
} from "@proxima/shared";
import type { ProfileCache } from "../profiles/cache.js";
import { type Decision, decide } from "./engine.js";
import type { PopularityWindow } from "./popularity.js";

export interface PersonalizerOptions {
  venueId: string;
  timeZone: string;
  cache: ProfileCache;
  popularity: PopularityWindow;
  clock: Clock;
  /** the decision log: every decision becomes a `decision.made` event */
  logDecision: (event: EventEnvelope) => void;
}

export interface PersonalizeOutcome {
  result: PersonalizeResult;
  decision: Decision;
}

const DEFAULT_LIMIT = 6;

/** The cache's identity for what the kiosk scanned: a loyalty QR carries the loyalty number. */
export function cacheIdentity(identity: ShopperIdentity): Identity | null {
  if (identity.type === "anonymous" || identity.value === "") return null;
  return { type: identity.type === "qr" ? "loyalty" : identity.type, value: identity.value };
}

/**
 * Turns a kiosk's `personalize` request into a decision: looks the shopper up in the
 * cache (a map read), runs the pure engine, and logs the decision for response tracking.
 */
export function createPersonalizer(options: PersonalizerOptions) {
  const { cache, clock } = options;
  let hourCache = { minute: -1, hour: 0 };
  const localHour = (now: number) => {
    const minute = Math.floor(now / 60_000);
    if (minute !== hourCache.minute) hourCache = { minute, hour: localParts(now, options.timeZone).hour };
    return hourCache.hour;
  };

  return {
    personalize(kioskId: string, params: PersonalizeParams): PersonalizeOutcome {
      const now = clock.now();
      const decisionId = newId(now);
      const lookup = cacheIdentity(params.identity);
      const profile = lookup ? (cache.byIdentity(lookup) ?? null) : null;
      const catalogue = cache.catalogue();
      const decision: Decision = catalogue
        ? decide({
            profile,
            anonymousKey: params.identity.value || decisionId,
            context: { now, venueId: options.venueId, kioskId, localHour: localHour(now) },
            catalogue,
            campaigns: cache.campaigns(),
            stock: cache.stock(kioskId),
            popular: options.popularity.top(now),
            segmentName: (id) => cache.segment(id)?.name,
            limit: params.limit ?? DEFAULT_LIMIT,
          })
        : { offers: [], assignments: [], personalized: false };
      const offers = decision.offers.map(({ rule: _rule, ...offer }) => offer);
      const result: PersonalizeResult = {
        decisionId,
        customer: profile
          ? {
              id: profile.id,
              ...(profile.firstName !== undefined ? { firstName: profile.firstName } : {}),
              segments: decision.personalized ? profile.segments : [],
            }
          : null,
        offers,
      };
      options.logDecision({
        id: newId(now),
        ts: now,
        venueId: options.venueId,
        source: { kind: "kiosk", id: kioskId },
        type: "decision.made",
        identity: profile
          ? (lookup as Identity)
          : { type: "anonymous", value: params.identity.value || `decision:${decisionId}` },
        ...(profile && lookup?.type !== "loyalty"
          ? { identities: profile.identities.filter((i) => i.type === "loyalty").slice(0, 1) }
          : {}),
        data: {
          decisionId,
          offerIds: offers.map((o) => o.offerId),
          customerId: profile?.id ?? null,
          personalized: decision.personalized,
          offers: decision.offers.map((o) => ({
            offerId: o.offerId,
            productId: o.productId,
            rule: o.rule,
            ...(o.campaignId ? { campaignId: o.campaignId, variant: o.variant } : {}),
          })),
          assignments: decision.assignments,
          catalogueVersion: catalogue?.version ?? null,
        },
      });
      return { result, decision };
    },
  };
}
export type Personalizer = ReturnType<typeof createPersonalizer>;
