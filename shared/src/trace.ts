import { z } from "zod";

const hex = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{2})*$/, "must be hex with an even number of digits")
  .transform((s) => s.toLowerCase());

/** One raw advertisement as heard by a scanner: what `record` writes and `replay` reads (JSONL). */
export const TraceRecord = z.object({
  ts: z.number().int().nonnegative(),
  scanner: z.string().min(1),
  address: z.string().min(1).max(64),
  addressType: z.enum(["public", "random", "unknown"]).optional(),
  rssi: z.number().int().min(-127).max(20),
  connectable: z.boolean().optional(),
  localName: z.string().max(64).optional(),
  txPowerLevel: z.number().int().min(-127).max(127).optional(),
  /** hex including the 2-byte little-endian company id, as noble gives it */
  manufacturerData: hex.optional(),
  serviceData: z.array(z.object({ uuid: hex, data: hex })).optional(),
  serviceUuids: z.array(z.string()).optional(),
});
export type TraceRecord = z.infer<typeof TraceRecord>;

/** A satellite scanner's batch of sightings for the hub (`scanner/<id>/sightings`). */
export const SightingsBatch = z.object({
  scanner: z.string().min(1),
  ts: z.number().int().nonnegative(),
  records: z.array(TraceRecord).max(10_000),
});
export type SightingsBatch = z.infer<typeof SightingsBatch>;
