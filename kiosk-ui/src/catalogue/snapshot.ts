import {
  type Catalogue,
  type CatalogueResult,
  CatalogueResult as CatalogueResultSchema,
  type Ingredient,
  type Product,
  parseJson,
  parseWith,
  type StockLevels,
} from "@proxima/shared";

/** Below this cartridge level an ingredient counts as out of stock (the last drops are not a drink). */
export const EMPTY_LEVEL = 0.02;

/** The last catalogue the gateway sent: the kiosk keeps pouring from it when offline. */
export type CatalogueSnapshot = CatalogueResult;

export interface SnapshotStore {
  load(): CatalogueSnapshot | null;
  save(snapshot: CatalogueSnapshot): void;
}

export function localSnapshotStore(storage: Storage, key = "proxima.kiosk.catalogue"): SnapshotStore {
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      const json = parseJson(raw, "cached catalogue");
      if (!json.ok) return null;
      const snapshot = parseWith(CatalogueResultSchema, json.value, "cached catalogue");
      return snapshot.ok ? snapshot.value : null;
    },
    save(snapshot) {
      storage.setItem(key, JSON.stringify(snapshot));
    },
  };
}

export function inStock(stock: StockLevels, ingredientId: string): boolean {
  const level = stock.levels[ingredientId];
  return level !== undefined && level >= EMPTY_LEVEL;
}

export function canPour(stock: StockLevels, baseId: string, flavourIds: readonly string[]): boolean {
  return inStock(stock, baseId) && flavourIds.every((id) => inStock(stock, id));
}

export function productAvailable(stock: StockLevels, product: Product): boolean {
  return canPour(stock, product.baseId, product.flavourIds);
}

/** Lookups the screens need, built once per catalogue version. */
export class Menu {
  readonly products = new Map<string, Product>();
  readonly ingredients = new Map<string, Ingredient>();
  readonly brands;
  readonly bases: Ingredient[];
  readonly flavours: Ingredient[];

  constructor(
    readonly catalogue: Catalogue,
    readonly stock: StockLevels,
    readonly popular: readonly string[],
  ) {
    for (const p of catalogue.products) this.products.set(p.id, p);
    for (const i of catalogue.ingredients) this.ingredients.set(i.id, i);
    this.brands = new Map(catalogue.brands.map((b) => [b.id, b]));
    this.bases = catalogue.ingredients.filter((i) => i.kind === "base");
    this.flavours = catalogue.ingredients.filter((i) => i.kind === "flavour");
  }

  static from(snapshot: CatalogueSnapshot): Menu {
    return new Menu(snapshot.catalogue, snapshot.stock, snapshot.popular);
  }

  available(product: Product): boolean {
    return productAvailable(this.stock, product);
  }

  inStock(ingredientId: string): boolean {
    return inStock(this.stock, ingredientId);
  }

  /** The catalogue product with exactly this base and these shots, if there is one. */
  match(baseId: string, flavourIds: readonly string[]): Product | undefined {
    const wanted = [...flavourIds].sort().join(",");
    return this.catalogue.products.find(
      (p) => p.baseId === baseId && [...p.flavourIds].sort().join(",") === wanted,
    );
  }

  colours(baseId: string, flavourIds: readonly string[]): string[] {
    return [baseId, ...flavourIds].map((id) => this.ingredients.get(id)?.color ?? "#888888");
  }
}

/** Share of a cartridge one pour uses: a 20 l bag-in-box base, a 4 l flavour cartridge per 100 ml shot. */
export const BASE_PER_POUR = 0.02;
export const SHOT_PER_POUR = 0.025;

/**
 * Cartridge levels after a pour. The dispenser is simulated: it spends what the drink
 * needs from the levels the gateway last held and reports the result (`reportStock`),
 * so the gateway never offers what this kiosk can no longer pour.
 */
export function levelsAfterPour(
  stock: StockLevels,
  baseId: string,
  flavourIds: readonly string[],
  now: number,
): StockLevels {
  const levels = { ...stock.levels };
  const spend = (id: string, amount: number) => {
    const level = levels[id];
    if (level !== undefined) levels[id] = Math.max(0, Math.round((level - amount) * 1000) / 1000);
  };
  spend(baseId, BASE_PER_POUR);
  for (const id of flavourIds) spend(id, SHOT_PER_POUR);
  return { ts: Math.max(now, stock.ts + 1), levels };
}
