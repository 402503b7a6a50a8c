import type { Product } from "@proxima/shared";

/** What the shopper is about to pour: a catalogue product, or their own mix. */
export interface Drink {
  productId: string | null;
  name: string;
  brandId?: string;
  baseId: string;
  flavourIds: string[];
  priceCents?: number;
  /** the offer this drink answers, so every later event carries its decision */
  offer?: { offerId: string; decisionId: string };
}

export function drinkOf(product: Product, offer?: Drink["offer"]): Drink {
  return {
    productId: product.id,
    name: product.name,
    brandId: product.brandId,
    baseId: product.baseId,
    flavourIds: [...product.flavourIds],
    priceCents: product.priceCents,
    ...(offer ? { offer } : {}),
  };
}

export const POUR_ML = 400;

export function price(cents: number | undefined): string {
  return cents === undefined ? "" : `${(cents / 100).toFixed(2)}`;
}
