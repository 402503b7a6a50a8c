import { type Campaign, type Catalogue, type EdgeProfile, type Segment, seededRandom } from "@proxima/shared";

/**
 * Demo data for a Freestyle-style venue: a catalogue of bases, flavour shots and mixes
 * of made-up brands, the segments and campaigns a marketer would run, and as many
 * deterministic customer profiles as asked. The first profiles carry the beacon
 * subjects the simulated venue's visitors wear, so `nearby` greetings happen in the demo.
 */

const DEMO_EPOCH = 1_732_262_400_000; // 2024-11-22, the simulator's start

export const DEMO_CATALOGUE: Catalogue = {
  version: "demo-2024.11",
  brands: [
    { id: "fizzco", name: "FizzCo", color: "#d62d20" },
    { id: "zest", name: "Zest", color: "#4caf50" },
    { id: "sunny", name: "Sunny", color: "#ff9800" },
    { id: "peak", name: "Peak Tea", color: "#8d6e63" },
    { id: "clear", name: "Clear Springs", color: "#29b6f6" },
  ],
  ingredients: [
    { id: "cola", name: "Cola", kind: "base", brandId: "fizzco", color: "#3e1f0d", tags: ["caffeine"] },
    {
      id: "cola-zero",
      name: "Cola Zero",
      kind: "base",
      brandId: "fizzco",
      color: "#2b1409",
      tags: ["zero-sugar", "caffeine"],
    },
    { id: "lemon-lime", name: "Lemon-Lime", kind: "base", brandId: "zest", color: "#e6f5c9", tags: [] },
    { id: "orange", name: "Orange Soda", kind: "base", brandId: "sunny", color: "#ff8c00", tags: [] },
    { id: "iced-tea", name: "Iced Tea", kind: "base", brandId: "peak", color: "#a0522d", tags: ["caffeine"] },
    {
      id: "sparkling-water",
      name: "Sparkling Water",
      kind: "base",
      brandId: "clear",
      color: "#e0f7fa",
      tags: ["zero-sugar"],
    },
    { id: "cherry", name: "Cherry", kind: "flavour", color: "#b71c1c", tags: [] },
    { id: "vanilla", name: "Vanilla", kind: "flavour", color: "#f3e5ab", tags: [] },
    { id: "lime", name: "Lime", kind: "flavour", color: "#7cb342", tags: [] },
    { id: "raspberry", name: "Raspberry", kind: "flavour", color: "#c2185b", tags: [] },
    { id: "peach", name: "Peach", kind: "flavour", color: "#ffb07c", tags: [] },
    { id: "lemon", name: "Lemon", kind: "flavour", color: "#fff176", tags: [] },
  ],
  products: [
    {
      id: "fizz-cola",
      name: "FizzCo Cola",
      brandId: "fizzco",
      baseId: "cola",
      flavourIds: [],
      priceCents: 249,
      calories: 140,
      tags: ["popular", "lunch"],
    },
    {
      id: "fizz-zero",
      name: "FizzCo Zero",
      brandId: "fizzco",
      baseId: "cola-zero",
      flavourIds: [],
      priceCents: 249,
      calories: 0,
      tags: ["popular", "health-conscious"],
    },
    {
      id: "cherry-cola",
      name: "Cherry Cola",
      brandId: "fizzco",
      baseId: "cola",
      flavourIds: ["cherry"],
      priceCents: 279,
      calories: 150,
      tags: ["evening"],
    },
    {
      id: "vanilla-cola",
      name: "Vanilla Cola",
      brandId: "fizzco",
      baseId: "cola",
      flavourIds: ["vanilla"],
      priceCents: 279,
      calories: 150,
      tags: ["afternoon"],
    },
    {
      id: "cherry-vanilla-zero",
      name: "Cherry Vanilla Zero",
      brandId: "fizzco",
      baseId: "cola-zero",
      flavourIds: ["cherry", "vanilla"],
      priceCents: 299,
      calories: 0,
      tags: ["health-conscious", "night-owls"],
    },
    {
      id: "zest-classic",
      name: "Zest",
      brandId: "zest",
      baseId: "lemon-lime",
      flavourIds: [],
      priceCents: 239,
      calories: 140,
      tags: ["popular"],
    },
    {
      id: "zest-lime",
      name: "Zest Extra Lime",
      brandId: "zest",
      baseId: "lemon-lime",
      flavourIds: ["lime"],
      priceCents: 259,
      calories: 145,
      tags: ["afternoon"],
    },
    {
      id: "sunny-orange",
      name: "Sunny Orange",
      brandId: "sunny",
      baseId: "orange",
      flavourIds: [],
      priceCents: 239,
      calories: 160,
      tags: ["morning"],
    },
    {
      id: "sunny-peach",
      name: "Sunny Peach",
      brandId: "sunny",
      baseId: "orange",
      flavourIds: ["peach"],
      priceCents: 269,
      calories: 165,
      tags: ["afternoon"],
    },
    {
      id: "peak-lemon",
      name: "Peak Lemon Tea",
      brandId: "peak",
      baseId: "iced-tea",
      flavourIds: ["lemon"],
      priceCents: 259,
      calories: 90,
      tags: ["morning", "lunch"],
    },
    {
      id: "peak-peach",
      name: "Peak Peach Tea",
      brandId: "peak",
      baseId: "iced-tea",
      flavourIds: ["peach"],
      priceCents: 259,
      calories: 95,
      tags: ["afternoon"],
    },
    {
      id: "clear-raspberry",
      name: "Clear Raspberry",
      brandId: "clear",
      baseId: "sparkling-water",
      flavourIds: ["raspberry"],
      priceCents: 229,
      calories: 0,
      tags: ["health-conscious", "morning"],
    },
    {
      id: "clear-lime",
      name: "Clear Lime",
      brandId: "clear",
      baseId: "sparkling-water",
      flavourIds: ["lime"],
      priceCents: 229,
      calories: 0,
      tags: ["health-conscious"],
    },
    {
      id: "raspberry-zest",
      name: "Raspberry Zest",
      brandId: "zest",
      baseId: "lemon-lime",
      flavourIds: ["raspberry"],
      priceCents: 269,
      calories: 150,
      tags: ["night-owls", "evening"],
    },
  ],
};

export const DEMO_SEGMENTS: Segment[] = [
  { id: "regulars", name: "Regulars", description: "visit at least weekly" },
  { id: "health-conscious", name: "Health-conscious", description: "mostly zero-sugar choices" },
  { id: "night-owls", name: "Night owls", description: "most visits after 8 pm" },
  { id: "new-customers", name: "New customers", description: "first visit in the last 30 days" },
];

export const DEMO_CAMPAIGNS: Campaign[] = [
  {
    id: "winter-warmers",
    name: "Winter mixes A/B",
    status: "active",
    channels: ["kiosk"],
    startsAt: DEMO_EPOCH - 30 * 86_400_000,
    audience: { segments: ["regulars"], includeAnonymous: false },
    holdoutPct: 10,
    variants: [
      {
        id: "A",
        weight: 1,
        productId: "vanilla-cola",
        title: "Vanilla Cola, 20% off",
        reason: "A regulars' treat: 20% off today",
        discountPct: 20,
      },
      {
        id: "B",
        weight: 1,
        productId: "cherry-cola",
        title: "Cherry Cola, 20% off",
        reason: "A regulars' treat: 20% off today",
        discountPct: 20,
      },
    ],
    priority: 10,
  },
  {
    id: "zero-switch",
    name: "Try zero sugar",
    status: "active",
    channels: ["kiosk", "prompt"],
    startsAt: DEMO_EPOCH - 30 * 86_400_000,
    audience: { segments: ["health-conscious"], includeAnonymous: false },
    holdoutPct: 20,
    variants: [
      {
        id: "A",
        weight: 1,
        productId: "cherry-vanilla-zero",
        title: "Cherry Vanilla Zero",
        reason: "All the flavour, zero sugar",
      },
    ],
    priority: 5,
  },
  {
    id: "lunch-deal",
    name: "Lunchtime tea",
    status: "active",
    channels: ["kiosk"],
    startsAt: DEMO_EPOCH - 30 * 86_400_000,
    audience: { segments: [], includeAnonymous: true },
    hours: { from: 11, to: 14 },
    holdoutPct: 0,
    variants: [
      {
        id: "A",
        weight: 1,
        productId: "peak-lemon",
        title: "Peak Lemon Tea, 50 cents off",
        reason: "Lunchtime deal",
        discountPct: 20,
      },
    ],
    priority: 1,
  },
  {
    id: "late-night",
    name: "Late-night raspberry",
    status: "active",
    channels: ["kiosk"],
    startsAt: DEMO_EPOCH - 30 * 86_400_000,
    audience: { segments: ["night-owls"], includeAnonymous: false },
    hours: { from: 20, to: 2 },
    holdoutPct: 10,
    variants: [
      {
        id: "A",
        weight: 1,
        productId: "raspberry-zest",
        title: "Raspberry Zest",
        reason: "For night owls like you",
      },
    ],
    priority: 3,
  },
];

/**
 * The beacon subject the simulated venue gives visitor `i` (src/simulate/simulator.ts:
 * iBeacon for i%4 ∈ {0,3}, Eddystone-UID for 1, AltBeacon for 2).
 */
export function simulatedVisitorSubject(i: number, seed: number): string {
  const flavour = i % 4;
  if (flavour === 0 || flavour === 3)
    return `ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:${1000 + seed}:${i + 1}`;
  if (flavour === 1) return `eddystone:edd1ebeac04e5defa017:${(0x100000 + i).toString(16).padStart(12, "0")}`;
  return `altbeacon:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d:7:${100 + i}`;
}

const FIRST_NAMES = [
  "Ada",
  "Ben",
  "Chloe",
  "Dev",
  "Emma",
  "Farid",
  "Grace",
  "Hugo",
  "Iris",
  "Jon",
  "Kemi",
  "Lea",
  "Mo",
  "Nina",
  "Omar",
  "Pia",
];

export function loyaltyNumber(i: number): string {
  return `L${String(100_000 + i).padStart(8, "0")}`;
}

/**
 * `count` profiles, ids `cust-000001…`, loyalty numbers `L00100000…`; the first
 * `visitors` also wear the simulated venue's beacons (seed `simulationSeed`).
 */
export function demoProfiles(
  count: number,
  options: { seed?: number; visitors?: number; simulationSeed?: number } = {},
): EdgeProfile[] {
  const rand = seededRandom(options.seed ?? 42);
  const productIds = DEMO_CATALOGUE.products.map((p) => p.id);
  const pick = () => productIds[Math.floor(rand() * productIds.length)]!;
  const profiles: EdgeProfile[] = [];
  for (let i = 0; i < count; i++) {
    const identities: EdgeProfile["identities"] = [{ type: "loyalty", value: loyaltyNumber(i) }];
    if (i < (options.visitors ?? 0))
      identities.push({ type: "subject", value: simulatedVisitorSubject(i, options.simulationSeed ?? 1) });
    const segments = DEMO_SEGMENTS.filter(() => rand() < 0.3).map((s) => s.id);
    const favourites = [...new Set(Array.from({ length: Math.floor(rand() * 4) }, pick))];
    const recent = Array.from({ length: Math.floor(rand() * 3) }, (_, k) => ({
      productId: pick(),
      ts: DEMO_EPOCH - (k + 1) * 86_400_000 - Math.floor(rand() * 3_600_000),
    }));
    profiles.push({
      id: `cust-${String(i + 1).padStart(6, "0")}`,
      firstName: FIRST_NAMES[i % FIRST_NAMES.length]!,
      identities,
      consent: { personalization: rand() < 0.85, location: rand() < 0.7, marketing: rand() < 0.5 },
      segments,
      favourites,
      recent,
      lifecycleStage: (["acquisition", "conversion", "retention", "loyalty"] as const)[
        Math.floor(rand() * 4)
      ]!,
      updatedAt: DEMO_EPOCH,
    });
  }
  return profiles;
}

export function demoBundle(count: number, options: { visitors?: number; simulationSeed?: number } = {}) {
  return {
    catalogue: DEMO_CATALOGUE,
    segments: DEMO_SEGMENTS,
    campaigns: DEMO_CAMPAIGNS,
    profiles: demoProfiles(count, options),
  };
}
