import { z } from "zod";
import { SubjectString } from "./subject.js";
import { Id } from "./venue.js";

const base = {
  ts: z.number().int().nonnegative(),
  venueId: Id,
  zone: Id,
  subject: SubjectString,
  /**
   * When the gateway decided (ms). `ts` is its best estimate of when the move happened,
   * which may be earlier: an exit is dated when the subject was last heard, a move when
   * the new zone started to look closer. Latency is `detectedAt − true time`.
   */
  detectedAt: z.number().int().nonnegative().optional(),
};

export const PresenceEnter = z.object({ type: z.literal("enter"), ...base });
export const PresenceExit = z.object({
  type: z.literal("exit"),
  ...base,
  dwellMs: z.number().int().nonnegative(),
});
/** A subject is in at most one zone at a time; open presences close at the trace's last ts. */
export const PresenceEvent = z.discriminatedUnion("type", [PresenceEnter, PresenceExit]);
export type PresenceEvent = z.infer<typeof PresenceEvent>;

/** Retained `zone/<zoneId>/occupancy`. */
export const Occupancy = z.object({
  count: z.number().int().nonnegative(),
  ts: z.number().int().nonnegative(),
});
export type Occupancy = z.infer<typeof Occupancy>;

/** Location-based prompt on `zone/<zoneId>/prompts`. */
export const Prompt = z.object({
  id: z.string().min(1),
  ts: z.number().int().nonnegative(),
  zone: Id,
  text: z.string().min(1).max(280),
  /** consented subject the prompt is for; absent for signage aimed at everyone */
  subject: SubjectString.optional(),
  expiresAt: z.number().int().nonnegative().optional(),
});
export type Prompt = z.infer<typeof Prompt>;

/** Ground truth for simulated traces (`simulate` writes it, `evaluate` reads it): one stay per line. */
export const TruthStay = z.object({
  subject: SubjectString,
  zone: Id,
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  /** advertising interval of the subject's beacon, ms */
  advertIntervalMs: z.number().int().positive().optional(),
});
export type TruthStay = z.infer<typeof TruthStay>;
