import { z } from "zod";
import { Campaign, Segment } from "./campaign.js";
import { Catalogue } from "./catalogue.js";
import { EdgeProfile } from "./profile.js";

/**
 * Cloud → gateway deltas, pulled by cursor (`GET /v1/sync/{venueId}/changes?cursor=…`).
 * Applying the same page twice is harmless; `delete` carries erasures to the edge.
 */
export const SyncChange = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("profile.upsert"), profile: EdgeProfile }),
  z.object({ kind: z.literal("profile.delete"), id: z.string().min(1) }),
  z.object({ kind: z.literal("segment.upsert"), segment: Segment }),
  z.object({ kind: z.literal("campaign.upsert"), campaign: Campaign }),
  z.object({ kind: z.literal("campaign.delete"), id: z.string().min(1) }),
  z.object({ kind: z.literal("catalogue.replace"), catalogue: Catalogue }),
]);
export type SyncChange = z.infer<typeof SyncChange>;

export const SyncPage = z.object({
  /** pass back as `cursor` to get what changed after this page */
  cursor: z.string(),
  hasMore: z.boolean(),
  changes: z.array(SyncChange),
});
export type SyncPage = z.infer<typeof SyncPage>;
