/**
 * What the kiosk end-to-end tests and the kiosk benchmark load into a real gateway: a
 * Freestyle-style catalogue (brands, bases, flavour shots, products), a campaign, and
 * shoppers — a few named ones the tests recognise, plus as many generated as asked.
 */
import type { Campaign, Catalogue, EdgeProfile } from "@proxima/shared";

export const VENUE_ID = "store-042";
export const ANA = {
  loyalty: "L00100042",
  subject: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:4242:1",
  firstName: "Ana",
};

const base = (id: string, name: string, color: string, brandId: string) => ({
  id,
  name,
  kind: "base" as const,
  brandId,
  color,
  tags: [],
});
const flavour = (id: string, name: string, color: string) => ({
  id,
  name,
  kind: "flavour" as const,
  color,
  tags: [],
});
const product = (
  id: string,
  name: string,
  brandId: string,
  baseId: string,
  flavourIds: string[],
  tags: string[] = [],
) => ({
  id,
  name,
  brandId,
  baseId,
  flavourIds,
  priceCents: 199 + flavourIds.length * 30,
  tags,
});

export const catalogue: Catalogue = {
  version: "e2e-1",
  brands: [
    { id: "fizzco", name: "FizzCo", color: "#d62d20" },
    { id: "zest", name: "Zest", color: "#2e9d57" },
    { id: "sunny", name: "Sunny", color: "#ef7d00" },
    { id: "clear", name: "Clear Springs", color: "#1e88c7" },
  ],
  ingredients: [
    base("cola", "Cola", "#3e1f0d", "fizzco"),
    base("cola-zero", "Cola Zero", "#2b1409", "fizzco"),
    base("lemon-lime", "Lemon-Lime", "#e6f5c9", "zest"),
    base("orange", "Orange Soda", "#ff8c00", "sunny"),
    base("sparkling-water", "Sparkling Water", "#e0f7fa", "clear"),
    flavour("cherry", "Cherry", "#b71c1c"),
    flavour("vanilla", "Vanilla", "#f3e5ab"),
    flavour("lime", "Lime", "#7cb342"),
    flavour("raspberry", "Raspberry", "#c2185b"),
    flavour("peach", "Peach", "#ffb07c"),
    flavour("lemon", "Lemon", "#fff176"),
  ],
  products: [
    product("fizz-cola", "FizzCo Cola", "fizzco", "cola", [], ["popular"]),
    product("fizz-zero", "FizzCo Zero", "fizzco", "cola-zero", []),
    product("cherry-cola", "Cherry Cola", "fizzco", "cola", ["cherry"]),
    product("vanilla-cola", "Vanilla Cola", "fizzco", "cola", ["vanilla"]),
    product("cherry-vanilla-zero", "Cherry Vanilla Zero", "fizzco", "cola-zero", ["cherry", "vanilla"]),
    product("zest-classic", "Zest", "zest", "lemon-lime", []),
    product("zest-lime", "Zest Extra Lime", "zest", "lemon-lime", ["lime"]),
    product("raspberry-zest", "Raspberry Zest", "zest", "lemon-lime", ["raspberry"]),
    product("sunny-orange", "Sunny Orange", "sunny", "orange", []),
    product("sunny-peach", "Sunny Peach", "sunny", "orange", ["peach"]),
    product("clear-lime", "Clear Lime", "clear", "sparkling-water", ["lime"]),
    product("clear-raspberry", "Clear Raspberry", "clear", "sparkling-water", ["raspberry"]),
  ],
};

export const campaigns: Campaign[] = [
  {
    id: "zero-week",
    name: "Zero week",
    status: "active",
    channels: ["kiosk"],
    startsAt: 0,
    audience: { segments: ["regulars"], includeAnonymous: false },
    holdoutPct: 0,
    variants: [
      {
        id: "A",
        weight: 1,
        productId: "cherry-vanilla-zero",
        title: "Cherry Vanilla Zero, 20% off",
        reason: "20% off this week, for regulars",
        discountPct: 20,
      },
    ],
    priority: 10,
  },
];

export const segments = [{ id: "regulars", name: "Regulars" }];

export function ana(updatedAt: number): EdgeProfile {
  return {
    id: "cust-ana",
    firstName: ANA.firstName,
    identities: [
      { type: "loyalty", value: ANA.loyalty },
      { type: "subject", value: ANA.subject },
    ],
    consent: { personalization: true, location: true },
    segments: ["regulars"],
    favourites: ["cherry-cola"],
    recent: [{ productId: "vanilla-cola", ts: updatedAt - 86_400_000 }],
    updatedAt,
  };
}

/** Generated shoppers `L1xxxxxxx`: half regulars, favourites spread over the catalogue. */
export function* generatedProfiles(count: number, updatedAt: number): Generator<EdgeProfile> {
  for (let i = 0; i < count; i++) {
    const p = catalogue.products;
    yield {
      id: `cust-${i}`,
      firstName: `Guest${i}`,
      identities: [{ type: "loyalty", value: loyaltyCode(i) }],
      consent: { personalization: i % 10 !== 0 },
      segments: i % 2 === 0 ? ["regulars"] : [],
      favourites: [p[i % p.length]!.id, p[(i * 7 + 3) % p.length]!.id],
      recent: [{ productId: p[(i * 3) % p.length]!.id, ts: updatedAt - (i % 1000) * 60_000 }],
      updatedAt,
    };
  }
}

export function loyaltyCode(i: number): string {
  return `L${String(100_000_000 + i)}`;
}

/** NDJSON sync changes: the catalogue, segments, campaigns, then profiles. */
export function seedLines(profileCount: number, updatedAt = 1_732_262_400_000): string[] {
  return [
    JSON.stringify({ kind: "catalogue.replace", catalogue }),
    ...segments.map((segment) => JSON.stringify({ kind: "segment.upsert", segment })),
    ...campaigns.map((campaign) => JSON.stringify({ kind: "campaign.upsert", campaign })),
    JSON.stringify(ana(updatedAt)),
    ...Array.from(generatedProfiles(profileCount, updatedAt), (p) => JSON.stringify(p)),
  ];
}
