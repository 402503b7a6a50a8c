import { z } from "zod";
import { Id } from "./venue.js";

export const Segment = z.object({
  id: Id,
  name: z.string().min(1),
  description: z.string().optional(),
});
export type Segment = z.infer<typeof Segment>;

export const CampaignVariant = z.object({
  id: Id,
  /** relative share of the treated audience */
  weight: z.number().positive(),
  productId: Id,
  title: z.string().min(1),
  reason: z.string().min(1),
  discountPct: z.number().min(0).max(100).optional(),
});
export type CampaignVariant = z.infer<typeof CampaignVariant>;

/**
 * A campaign with its audience, channel and A/B variants. Assignment is deterministic
 * by customer and campaign; `holdoutPct` of the audience is kept out to measure lift.
 */
export const Campaign = z.object({
  id: Id,
  name: z.string().min(1),
  status: z.enum(["draft", "active", "paused", "ended"]),
  channels: z.array(z.enum(["kiosk", "prompt", "email", "app"])).min(1),
  startsAt: z.number().int().nonnegative(),
  endsAt: z.number().int().nonnegative().optional(),
  audience: z.object({
    /** any of these segments; empty = everyone identified */
    segments: z.array(Id).default([]),
    venues: z.array(Id).optional(),
    includeAnonymous: z.boolean().default(false),
  }),
  /** local hours the campaign runs, e.g. {from: 11, to: 14} for lunchtime */
  hours: z.object({ from: z.number().int().min(0).max(23), to: z.number().int().min(1).max(24) }).optional(),
  holdoutPct: z.number().min(0).max(100).default(0),
  variants: z.array(CampaignVariant).min(1),
  priority: z.number().int().default(0),
});
export type Campaign = z.infer<typeof Campaign>;
