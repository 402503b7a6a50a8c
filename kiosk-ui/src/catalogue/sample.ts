import type { CatalogueResult } from "@proxima/shared";

/** A small menu for component tests (the running app only ever shows the gateway's). */
export function sampleMenu(levels: Record<string, number> = {}): CatalogueResult {
  const ingredients = [
    { id: "cola", name: "Cola", kind: "base" as const, color: "#5b2a16", tags: [] },
    { id: "cola-zero", name: "Cola Zero", kind: "base" as const, color: "#3a1f14", tags: ["zero"] },
    { id: "lemon-lime", name: "Lemon-Lime", kind: "base" as const, color: "#d9f2a0", tags: [] },
    { id: "cherry", name: "Cherry", kind: "flavour" as const, color: "#b0102a", tags: [] },
    { id: "vanilla", name: "Vanilla", kind: "flavour" as const, color: "#f3e2b3", tags: [] },
    { id: "lime", name: "Lime", kind: "flavour" as const, color: "#7ac943", tags: [] },
    { id: "peach", name: "Peach", kind: "flavour" as const, color: "#ffb07c", tags: [] },
  ];
  return {
    catalogue: {
      version: "test-1",
      brands: [
        { id: "classic", name: "Classic Cola", color: "#c8102e" },
        { id: "spark", name: "Citrus Spark", color: "#2e9d57" },
      ],
      ingredients,
      products: [
        {
          id: "cola",
          name: "Classic Cola",
          brandId: "classic",
          baseId: "cola",
          flavourIds: [],
          priceCents: 199,
          tags: [],
        },
        {
          id: "cherry-cola",
          name: "Cherry Cola",
          brandId: "classic",
          baseId: "cola",
          flavourIds: ["cherry"],
          priceCents: 229,
          tags: [],
        },
        {
          id: "vanilla-zero",
          name: "Vanilla Zero",
          brandId: "classic",
          baseId: "cola-zero",
          flavourIds: ["vanilla"],
          priceCents: 229,
          tags: [],
        },
        {
          id: "lime-spark",
          name: "Lime Spark",
          brandId: "spark",
          baseId: "lemon-lime",
          flavourIds: ["lime"],
          priceCents: 209,
          tags: [],
        },
        {
          id: "peach-spark",
          name: "Peach Spark",
          brandId: "spark",
          baseId: "lemon-lime",
          flavourIds: ["peach"],
          priceCents: 219,
          tags: [],
        },
      ],
    },
    stock: { ts: 1, levels: { ...Object.fromEntries(ingredients.map((i) => [i.id, 0.8])), ...levels } },
    popular: ["lime-spark", "cola"],
  };
}
