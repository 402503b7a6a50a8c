import type { Campaign, EdgeProfile, StockLevels } from "@proxima/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEMO_CAMPAIGNS, DEMO_CATALOGUE, DEMO_SEGMENTS } from "../profiles/demo-data.js";
import {
  assign,
  canPour,
  type DecisionInput,
  decide,
  inAudience,
  inHours,
  isLive,
  MIN_POUR_LEVEL,
  unitHash,
} from "./engine.js";

const NOW = 1_732_280_000_000;
const fullStock: StockLevels = {
  ts: NOW,
  levels: Object.fromEntries(DEMO_CATALOGUE.ingredients.map((i) => [i.id, 1])),
};

function profile(overrides: Partial<EdgeProfile> = {}): EdgeProfile {
  return {
    id: "cust-1",
    firstName: "Ada",
    identities: [{ type: "loyalty", value: "L1" }],
    consent: { personalization: true },
    segments: [],
    favourites: [],
    recent: [],
    updatedAt: 1,
    ...overrides,
  };
}

function campaign(overrides: Partial<Campaign> = {}): Campaign {
  return {
    id: "c1",
    name: "Campaign",
    status: "active",
    channels: ["kiosk"],
    startsAt: NOW - 1000,
    audience: { segments: [], includeAnonymous: false },
    holdoutPct: 0,
    variants: [{ id: "A", weight: 1, productId: "fizz-zero", title: "Zero!", reason: "Because" }],
    priority: 0,
    ...overrides,
  };
}

function input(overrides: Partial<DecisionInput> = {}): DecisionInput {
  return {
    profile: null,
    anonymousKey: "session-1",
    context: { now: NOW, venueId: "store-042", kioskId: "kiosk-1", localHour: 16 },
    catalogue: DEMO_CATALOGUE,
    campaigns: [],
    stock: fullStock,
    popular: [],
    segmentName: (id) => DEMO_SEGMENTS.find((s) => s.id === id)?.name,
    limit: 6,
    ...overrides,
  };
}

const product = (id: string) => DEMO_CATALOGUE.products.find((p) => p.id === id)!;

describe("stock", () => {
  it("never offers a drink whose base or a flavour is empty or not installed", () => {
    const stock: StockLevels = { ts: NOW, levels: { ...fullStock.levels, cherry: 0 } };
    delete stock.levels.peach;
    expect(canPour(product("cherry-cola"), stock)).toBe(false);
    expect(canPour(product("sunny-peach"), stock)).toBe(false);
    expect(canPour(product("fizz-cola"), stock)).toBe(true);
    const levels = { ...fullStock.levels, cola: MIN_POUR_LEVEL / 2 };
    expect(canPour(product("fizz-cola"), { ts: NOW, levels })).toBe(false);
  });

  it("skips a favourite the kiosk cannot pour and says why the others were chosen", () => {
    const stock: StockLevels = { ts: NOW, levels: { ...fullStock.levels, cherry: 0 } };
    const decision = decide(input({ profile: profile({ favourites: ["cherry-cola", "zest-lime"] }), stock }));
    expect(decision.offers.map((o) => o.productId)).not.toContain("cherry-cola");
    expect(decision.offers[0]).toMatchObject({ productId: "zest-lime", rule: "favourite" });
  });
});

describe("personal rules", () => {
  it("puts favourites first, then what they had lately", () => {
    const decision = decide(
      input({
        profile: profile({
          favourites: ["clear-lime"],
          recent: [{ productId: "sunny-orange", ts: NOW - 1000 }],
        }),
      }),
    );
    expect(decision.offers.slice(0, 2).map((o) => [o.productId, o.reason])).toEqual([
      ["clear-lime", "Your favourite"],
      ["sunny-orange", "You had this last time"],
    ]);
    expect(decision.personalized).toBe(true);
  });

  it("picks products tagged with the shopper's segments, naming the segment", () => {
    const decision = decide(input({ profile: profile({ segments: ["night-owls"] }) }));
    const pick = decision.offers.find((o) => o.rule === "segment");
    expect(pick?.reason).toBe("Picked for Night owls");
    expect(product(pick!.productId!).tags).toContain("night-owls");
  });

  it("does not use favourites or segments of a customer who opted out of personalization", () => {
    const decision = decide(
      input({
        profile: profile({
          consent: { personalization: false },
          favourites: ["clear-lime"],
          segments: ["night-owls"],
        }),
      }),
    );
    expect(decision.personalized).toBe(false);
    expect(decision.offers.some((o) => o.rule === "favourite" || o.rule === "segment")).toBe(false);
  });
});

describe("time of day and anonymous defaults", () => {
  it("offers morning drinks in the morning", () => {
    const decision = decide(input({ context: { ...input().context, localHour: 8 } }));
    const daypart = decision.offers.filter((o) => o.rule === "daypart");
    expect(daypart.length).toBeGreaterThan(0);
    for (const o of daypart) expect(product(o.productId!).tags).toContain("morning");
  });

  it("gives anonymous shoppers what is popular at this venue right now", () => {
    const decision = decide(input({ popular: ["peak-peach", "zest-classic"] }));
    const popular = decision.offers.filter((o) => o.rule === "popular");
    expect(popular.slice(0, 2).map((o) => o.productId)).toEqual(["peak-peach", "zest-classic"]);
    expect(popular[0]!.reason).toBe("Popular here right now");
    expect(decision.offers).toHaveLength(6);
  });

  it("fills the screen up to the limit and never repeats a product", () => {
    const decision = decide(input({ limit: 20, profile: profile({ favourites: ["fizz-cola"] }) }));
    const ids = decision.offers.map((o) => o.productId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(DEMO_CATALOGUE.products.length);
  });
});

describe("campaigns", () => {
  it("is live only when active, on the kiosk channel, in its dates, venues and hours", () => {
    const ctx = input().context;
    expect(isLive(campaign(), ctx)).toBe(true);
    expect(isLive(campaign({ status: "paused" }), ctx)).toBe(false);
    expect(isLive(campaign({ channels: ["email"] }), ctx)).toBe(false);
    expect(isLive(campaign({ startsAt: NOW + 1 }), ctx)).toBe(false);
    expect(isLive(campaign({ endsAt: NOW }), ctx)).toBe(false);
    expect(
      isLive(campaign({ audience: { segments: [], includeAnonymous: false, venues: ["other"] } }), ctx),
    ).toBe(false);
    expect(isLive(campaign({ hours: { from: 11, to: 14 } }), ctx)).toBe(false);
  });

  it("handles hour windows that wrap midnight", () => {
    expect(inHours({ from: 20, to: 2 }, 23)).toBe(true);
    expect(inHours({ from: 20, to: 2 }, 1)).toBe(true);
    expect(inHours({ from: 20, to: 2 }, 2)).toBe(false);
    expect(inHours({ from: 11, to: 14 }, 14)).toBe(false);
  });

  it("reaches only its audience: segments for identified shoppers, anonymous only when included", () => {
    const c = campaign({ audience: { segments: ["regulars"], includeAnonymous: false } });
    expect(inAudience(c, profile({ segments: ["regulars"] }))).toBe(true);
    expect(inAudience(c, profile({ segments: ["night-owls"] }))).toBe(false);
    expect(inAudience(c, null)).toBe(false);
    expect(inAudience(campaign(), profile())).toBe(true);
    expect(inAudience(campaign(), null)).toBe(false);
    expect(inAudience(campaign({ audience: { segments: [], includeAnonymous: true } }), null)).toBe(true);
  });

  it("leads with the campaign's variant and carries campaignId, variant, discounted price and reason", () => {
    const c = campaign({
      variants: [
        {
          id: "A",
          weight: 1,
          productId: "vanilla-cola",
          title: "Vanilla, 20% off",
          reason: "Treat",
          discountPct: 20,
        },
      ],
    });
    const decision = decide(input({ profile: profile({ favourites: ["fizz-cola"] }), campaigns: [c] }));
    expect(decision.offers[0]).toMatchObject({
      offerId: "c1:A",
      campaignId: "c1",
      variant: "A",
      title: "Vanilla, 20% off",
      reason: "Treat",
      priceCents: Math.round(product("vanilla-cola").priceCents * 0.8),
    });
    expect(decision.assignments).toEqual([{ campaignId: "c1", variant: "A", holdout: false, shown: true }]);
  });

  it("assigns deterministically by customer and campaign, with weights and holdout honoured", () => {
    const c = campaign({
      holdoutPct: 20,
      variants: [
        { id: "A", weight: 3, productId: "fizz-zero", title: "A", reason: "A" },
        { id: "B", weight: 1, productId: "fizz-cola", title: "B", reason: "B" },
      ],
    });
    const counts = { holdout: 0, A: 0, B: 0 };
    for (let i = 0; i < 20_000; i++) {
      const arm = assign(c, `cust-${i}`);
      expect(assign(c, `cust-${i}`)).toEqual(arm);
      if (arm.holdout) counts.holdout++;
      else counts[arm.variant.id as "A" | "B"]++;
    }
    expect(counts.holdout / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.A / (counts.A + counts.B)).toBeCloseTo(0.75, 1);
    // another campaign splits the same customers independently
    expect(unitHash("cust-1", "c1", "variant")).not.toBe(unitHash("cust-1", "c2", "variant"));
  });

  it("records a holdout without showing the campaign", () => {
    const c = campaign({ holdoutPct: 100 });
    const decision = decide(input({ profile: profile(), campaigns: [c] }));
    expect(decision.offers.some((o) => o.campaignId)).toBe(false);
    expect(decision.assignments).toEqual([{ campaignId: "c1", variant: null, holdout: true, shown: false }]);
  });

  it("does not show a campaign whose product cannot be poured, and says so in the assignment", () => {
    const stock: StockLevels = { ts: NOW, levels: { ...fullStock.levels, "cola-zero": 0 } };
    const decision = decide(input({ profile: profile(), campaigns: [campaign()], stock }));
    expect(decision.offers.some((o) => o.campaignId)).toBe(false);
    expect(decision.assignments[0]).toMatchObject({ shown: false, holdout: false });
  });
});

describe("property: offers are always pourable and within their campaign's audience", () => {
  const ingredientIds = DEMO_CATALOGUE.ingredients.map((i) => i.id);
  const productIds = DEMO_CATALOGUE.products.map((p) => p.id);
  const segmentIds = DEMO_SEGMENTS.map((s) => s.id);

  const arbStock = fc.record({
    ts: fc.constant(NOW),
    // each ingredient: missing, empty, nearly empty, or some level
    levels: fc
      .array(
        fc.tuple(
          fc.constantFrom(...ingredientIds),
          fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
        ),
      )
      .map((pairs) => Object.fromEntries(pairs)),
  });
  const arbProfile = fc.option(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 12 }),
      identities: fc.constant([{ type: "loyalty" as const, value: "L" }]),
      consent: fc.record({ personalization: fc.boolean() }),
      segments: fc.subarray(segmentIds),
      favourites: fc.array(fc.constantFrom(...productIds), { maxLength: 5 }),
      recent: fc.array(fc.record({ productId: fc.constantFrom(...productIds), ts: fc.nat() }), {
        maxLength: 4,
      }),
      updatedAt: fc.nat(),
    }),
    { nil: null },
  );
  const arbCampaign = fc.record({
    id: fc.constantFrom("c1", "c2", "c3", "c4"),
    name: fc.constant("x"),
    status: fc.constantFrom("draft", "active", "paused", "ended"),
    channels: fc.constantFrom<Campaign["channels"]>(["kiosk"], ["email"], ["kiosk", "prompt"]),
    startsAt: fc.constantFrom(0, NOW + 1),
    audience: fc.record({
      segments: fc.subarray(segmentIds),
      includeAnonymous: fc.boolean(),
    }),
    hours: fc.option(
      fc.record({ from: fc.integer({ min: 0, max: 23 }), to: fc.integer({ min: 1, max: 24 }) }),
      {
        nil: undefined,
      },
    ),
    holdoutPct: fc.integer({ min: 0, max: 100 }),
    variants: fc.array(
      fc.record({
        id: fc.constantFrom("A", "B", "C"),
        weight: fc.integer({ min: 1, max: 5 }),
        productId: fc.constantFrom(...productIds),
        title: fc.constant("t"),
        reason: fc.constant("r"),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    priority: fc.integer({ min: -5, max: 5 }),
  });

  it("holds for random shoppers, stock, campaigns, hours and limits", () => {
    fc.assert(
      fc.property(
        arbProfile,
        arbStock,
        fc.array(arbCampaign, { maxLength: 4 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 20 }),
        (shopper, stock, campaigns, localHour, limit) => {
          const decision = decide(
            input({
              profile: shopper as EdgeProfile | null,
              stock,
              campaigns: campaigns as Campaign[],
              context: { ...input().context, localHour },
              limit,
            }),
          );
          expect(decision.offers.length).toBeLessThanOrEqual(limit);
          for (const offer of decision.offers) {
            expect(canPour(product(offer.productId!), stock)).toBe(true);
            if (offer.campaignId) {
              const c = (campaigns as Campaign[]).find((x) => x.id === offer.campaignId)!;
              expect(inAudience(c, shopper as EdgeProfile | null)).toBe(true);
              expect(isLive(c, { ...input().context, localHour })).toBe(true);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("is deterministic: the same input gives the same offers", () => {
    const fixed = input({ profile: profile({ segments: ["regulars"] }), campaigns: DEMO_CAMPAIGNS });
    expect(decide(fixed)).toEqual(decide(fixed));
  });
});
