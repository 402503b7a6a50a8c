import { describe, expect, it } from "vitest";
import { Campaign } from "./campaign.js";
import { Catalogue, StockLevels } from "./catalogue.js";
import { EdgeProfile } from "./profile.js";
import { describeIssues } from "./result.js";
import { SyncPage } from "./sync.js";

const catalogue = {
  version: "2026-11-01",
  brands: [{ id: "cola", name: "Cola", color: "#c8102e" }],
  ingredients: [
    { id: "cola-base", name: "Cola", kind: "base", brandId: "cola", color: "#3b1f14" },
    { id: "cherry", name: "Cherry", kind: "flavour", color: "#9b111e" },
  ],
  products: [
    {
      id: "cherry-cola",
      name: "Cherry Cola",
      brandId: "cola",
      baseId: "cola-base",
      flavourIds: ["cherry"],
      priceCents: 250,
    },
  ],
};
const profile = {
  id: "cus_1",
  firstName: "Ana",
  identities: [{ type: "loyalty", value: "L-1" }],
  consent: { personalization: true },
  favourites: ["cherry-cola"],
  updatedAt: 1,
};
const campaign = {
  id: "summer",
  name: "Summer cherry",
  status: "active",
  channels: ["kiosk"],
  startsAt: 0,
  audience: { segments: ["regulars"] },
  holdoutPct: 10,
  variants: [
    { id: "A", weight: 1, productId: "cherry-cola", title: "Cherry Cola", reason: "New this summer" },
    {
      id: "B",
      weight: 1,
      productId: "cherry-cola",
      title: "Cherry Cola −20%",
      reason: "20% off today",
      discountPct: 20,
    },
  ],
};

describe("catalogue, profile, campaign and sync schemas", () => {
  it("accept realistic values and fill defaults", () => {
    expect(Catalogue.parse(catalogue).ingredients[0]!.tags).toEqual([]);
    expect(EdgeProfile.parse(profile)).toMatchObject({ segments: [], recent: [] });
    expect(Campaign.parse(campaign).audience.includeAnonymous).toBe(false);
    expect(StockLevels.safeParse({ ts: 1, levels: { cherry: 0.2 } }).success).toBe(true);
    const page = SyncPage.parse({
      cursor: "42",
      hasMore: false,
      changes: [
        { kind: "profile.upsert", profile },
        { kind: "profile.delete", id: "cus_2" },
        { kind: "campaign.upsert", campaign },
        { kind: "catalogue.replace", catalogue },
      ],
    });
    expect(page.changes).toHaveLength(4);
  });

  it("name the bad field", () => {
    const cases: [unknown, string][] = [
      [
        Catalogue.safeParse({ ...catalogue, brands: [{ id: "x", name: "X", color: "red" }] }),
        "brands[0].color",
      ],
      [EdgeProfile.safeParse({ ...profile, identities: [] }), "identities"],
      [Campaign.safeParse({ ...campaign, variants: [] }), "variants"],
      [Campaign.safeParse({ ...campaign, holdoutPct: 120 }), "holdoutPct"],
      [
        SyncPage.safeParse({ cursor: "1", hasMore: false, changes: [{ kind: "profile.merge" }] }),
        "changes[0].kind",
      ],
      [StockLevels.safeParse({ ts: 1, levels: { cherry: 2 } }), "levels.cherry"],
    ];
    for (const [result, path] of cases) {
      const r = result as { success: boolean; error?: import("zod").ZodError };
      expect(r.success).toBe(false);
      expect(describeIssues(r.error!).join("\n")).toContain(`${path}:`);
    }
  });

  it("limits build-your-own drinks to three flavour shots", () => {
    const product = { ...catalogue.products[0], flavourIds: ["a", "b", "c", "d"] };
    expect(Catalogue.safeParse({ ...catalogue, products: [product] }).success).toBe(false);
  });
});
