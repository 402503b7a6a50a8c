import { z } from "zod";
import { Catalogue, StockLevels } from "./catalogue.js";
import { ERROR_CODES } from "./errors.js";
import { Identity } from "./events.js";
import { Id } from "./venue.js";

/** How a kiosk names the shopper in front of it (`qr` is a scanned loyalty QR). */
export const ShopperIdentity = z.object({
  type: z.enum(["loyalty", "subject", "qr", "anonymous"]),
  value: z.string().max(256),
});
export type ShopperIdentity = z.infer<typeof ShopperIdentity>;

export const PersonalizeParams = z.object({
  identity: ShopperIdentity,
  /** how many offers the screen has room for */
  limit: z.number().int().min(1).max(20).optional(),
});
export type PersonalizeParams = z.infer<typeof PersonalizeParams>;

export const Offer = z.object({
  offerId: z.string().min(1),
  title: z.string().min(1),
  /** why this offer, in plain words for the shopper */
  reason: z.string().min(1),
  productId: z.string().min(1).optional(),
  campaignId: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
  priceCents: z.number().int().nonnegative().optional(),
});
export type Offer = z.infer<typeof Offer>;

export const CustomerSummary = z.object({
  id: z.string().min(1),
  firstName: z.string().optional(),
  segments: z.array(z.string()).default([]),
});
export type CustomerSummary = z.infer<typeof CustomerSummary>;

export const PersonalizeResult = z.object({
  decisionId: z.string().min(1),
  customer: CustomerSummary.nullable(),
  offers: z.array(Offer),
});
export type PersonalizeResult = z.infer<typeof PersonalizeResult>;

export const EchoParams = z.record(z.string(), z.unknown());

/** `catalogue` takes no params: the gateway knows which kiosk asks from the topic. */
export const CatalogueParams = z.object({});
export type CatalogueParams = z.infer<typeof CatalogueParams>;

/** What a kiosk can pour right now: the catalogue, live cartridge levels, and what sells here today. */
export const CatalogueResult = z.object({
  catalogue: Catalogue,
  stock: StockLevels,
  /** product ids, most poured at this venue recently first */
  popular: z.array(Id).default([]),
});
export type CatalogueResult = z.infer<typeof CatalogueResult>;

/**
 * `reportStock`: the kiosk's cartridge levels (what it can pour now). The gateway keeps
 * the newest report per kiosk and never offers a drink that report says cannot be poured.
 */
export const ReportStockParams = StockLevels;
export type ReportStockParams = z.infer<typeof ReportStockParams>;
export const ReportStockResult = z.object({
  /** false when a newer report from this kiosk was already held */
  accepted: z.boolean(),
  /** products of the catalogue the kiosk can pour with these levels */
  pourable: z.array(Id),
});
export type ReportStockResult = z.infer<typeof ReportStockResult>;

/**
 * RPC methods a gateway serves. Each entry is the single definition of its params and
 * result; the gateway validates params with it and the kiosk client types its calls.
 */
export const RPC_METHODS = {
  personalize: { params: PersonalizeParams, result: PersonalizeResult },
  echo: { params: EchoParams, result: EchoParams },
  catalogue: { params: CatalogueParams, result: CatalogueResult },
  reportStock: { params: ReportStockParams, result: ReportStockResult },
} as const;
export type RpcMethod = keyof typeof RPC_METHODS;
export type RpcParams<M extends RpcMethod> = z.infer<(typeof RPC_METHODS)[M]["params"]>;
export type RpcResult<M extends RpcMethod> = z.infer<(typeof RPC_METHODS)[M]["result"]>;

/** `kiosk/<kioskId>/rpc/request` — MQTT 3.1.1 has no correlation data, so `id` lives in the payload. */
export const RpcRequest = z.object({
  id: z.string().min(1).max(128),
  method: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type RpcRequest = z.infer<typeof RpcRequest>;

export const RpcError = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

/** `kiosk/<kioskId>/rpc/response`: every request is answered exactly once. */
export const RpcResponse = z.discriminatedUnion("ok", [
  z.object({ id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.string(), ok: z.literal(false), error: RpcError }),
]);
export type RpcResponse = z.infer<typeof RpcResponse>;

/** `kiosk/<kioskId>/status`, retained, and the kiosk's last will. */
export const KioskStatus = z.looseObject({
  state: z.enum(["online", "offline"]),
  ts: z.number().int().nonnegative(),
});
export type KioskStatus = z.infer<typeof KioskStatus>;

/** `kiosk/<kioskId>/nearby`: a consented, known visitor just walked up. */
export const Nearby = z.object({
  ts: z.number().int().nonnegative(),
  subject: z.string().min(1),
  customer: CustomerSummary,
  identity: Identity.optional(),
});
export type Nearby = z.infer<typeof Nearby>;
