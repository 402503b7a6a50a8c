import { z } from "zod";
import { Id } from "./venue.js";

/**
 * What a Freestyle-style kiosk can pour. Drinks are a base plus flavour shots; both
 * come from cartridges whose levels the kiosk reports, so availability is live.
 */
export const Brand = z.object({
  id: Id,
  name: z.string().min(1),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
});
export type Brand = z.infer<typeof Brand>;

export const Ingredient = z.object({
  id: Id,
  name: z.string().min(1),
  kind: z.enum(["base", "flavour"]),
  brandId: Id.optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  tags: z.array(z.string()).default([]),
});
export type Ingredient = z.infer<typeof Ingredient>;

export const Product = z.object({
  id: Id,
  name: z.string().min(1),
  brandId: Id,
  baseId: Id,
  /** flavour shots, at most three (the kiosk's build-your-own limit) */
  flavourIds: z.array(Id).max(3).default([]),
  priceCents: z.number().int().nonnegative(),
  calories: z.number().int().nonnegative().optional(),
  tags: z.array(z.string()).default([]),
});
export type Product = z.infer<typeof Product>;

export const Catalogue = z.object({
  version: z.string().min(1),
  brands: z.array(Brand),
  ingredients: z.array(Ingredient),
  products: z.array(Product),
});
export type Catalogue = z.infer<typeof Catalogue>;

/** Cartridge levels a kiosk reports (0 = empty, 1 = full). Missing ingredient = not installed. */
export const StockLevels = z.object({
  ts: z.number().int().nonnegative(),
  levels: z.record(Id, z.number().min(0).max(1)),
});
export type StockLevels = z.infer<typeof StockLevels>;
