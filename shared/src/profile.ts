import { z } from "zod";
import { ConsentPurpose, Identity } from "./events.js";
import { Id } from "./venue.js";

/**
 * The slice of a customer the cloud sends a venue's gateways for local decisions:
 * enough to greet and personalize, nothing more (no timeline, no contact data).
 */
export const EdgeProfile = z.object({
  id: z.string().min(1),
  firstName: z.string().max(64).optional(),
  identities: z.array(Identity).min(1),
  consent: z.partialRecord(ConsentPurpose, z.boolean()).default({}),
  segments: z.array(z.string()).default([]),
  /** product ids, most liked first */
  favourites: z.array(Id).default([]),
  /** last products poured, newest first */
  recent: z.array(z.object({ productId: Id, ts: z.number().int().nonnegative() })).default([]),
  lifecycleStage: z.enum(["reach", "acquisition", "conversion", "retention", "loyalty"]).optional(),
  updatedAt: z.number().int().nonnegative(),
});
export type EdgeProfile = z.infer<typeof EdgeProfile>;
