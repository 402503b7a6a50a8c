import { z } from "zod";
import { ERROR_CODES } from "./errors.js";
import { CONSENT_PURPOSES, EventEnvelope, IDENTITY_TYPES } from "./events.js";
import { Id } from "./venue.js";

/** Error body of every HTTP endpoint. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.unknown().optional() }),
});

/** `POST /v1/events`: each element is validated on its own, so one bad event never sinks the batch. */
export const IngestRequest = z.object({ events: z.array(z.unknown()).min(1).max(10_000) });
export const IngestResponse = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.array(
    z.object({ index: z.number().int().nonnegative(), code: z.enum(ERROR_CODES), message: z.string() }),
  ),
});
export type IngestResponse = z.infer<typeof IngestResponse>;

export const CustomerLookupQuery = z.object({
  identityType: z.enum(IDENTITY_TYPES),
  value: z.string().min(1),
});

export const TimelineQuery = z.object({
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const Customer360 = z.object({
  id: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  profile: z.record(z.string(), z.unknown()),
  identities: z.array(
    z.object({
      type: z.enum(IDENTITY_TYPES),
      value: z.string(),
      firstSeen: z.number().int(),
      lastSeen: z.number().int(),
      /** seen with two people (a family email, a shared device): never stitches profiles */
      shared: z.boolean().optional(),
    }),
  ),
  consent: z.record(z.enum(CONSENT_PURPOSES), z.boolean()),
  traits: z.record(z.string(), z.unknown()),
  segments: z.array(z.string()),
  timeline: z.object({ items: z.array(EventEnvelope), nextCursor: z.string().nullable() }),
});
export type Customer360 = z.infer<typeof Customer360>;

const Instant = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const FootfallQuery = z
  .object({
    venueId: Id,
    from: z.coerce.number().int().nonnegative().or(Instant),
    to: z.coerce.number().int().nonnegative().or(Instant),
    bucket: z.enum(["hour", "day"]).default("hour"),
  })
  .refine((q) => q.to > q.from, { message: "to must be after from", path: ["to"] });
export type FootfallQuery = z.infer<typeof FootfallQuery>;

export const FootfallBucket = z.object({
  start: z.number().int(),
  visitors: z.number().int().nonnegative(),
  visits: z.number().int().nonnegative(),
  dwellP50Ms: z.number().nonnegative().nullable(),
  dwellP90Ms: z.number().nonnegative().nullable(),
});
export const FootfallResponse = z.object({
  venueId: z.string(),
  bucket: z.enum(["hour", "day"]),
  from: z.number().int(),
  to: z.number().int(),
  zones: z.array(z.object({ zone: z.string(), buckets: z.array(FootfallBucket) })),
});
export type FootfallResponse = z.infer<typeof FootfallResponse>;

export const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  service: z.string(),
  version: z.string(),
  uptimeS: z.number().nonnegative(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })).optional(),
});
export type Health = z.infer<typeof Health>;
