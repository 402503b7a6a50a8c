import { z } from "zod";
import { Customer360 } from "./api.js";
import { ConsentPurpose, EventEnvelope } from "./events.js";

/** `PUT /v1/customers/{id}/consent`: the purposes to change; the others stay as they are. */
export const ConsentUpdate = z
  .partialRecord(ConsentPurpose, z.boolean())
  .refine((c) => Object.keys(c).length > 0, {
    message: "name at least one purpose: personalization, location, marketing",
  });
export type ConsentUpdate = z.infer<typeof ConsentUpdate>;

/** `POST /v1/customers/{id}/merges`: an operator merges another profile into this one. */
export const MergeRequest = z.object({
  loserId: z.string().min(1).max(64),
  reason: z.string().min(1).max(500),
});
export type MergeRequest = z.infer<typeof MergeRequest>;

export const MergeRecord = z.object({
  id: z.string(),
  winnerId: z.string(),
  loserId: z.string(),
  /** identity keys (`type:value`) the merge moved from loser to winner */
  moved: z.array(z.string()),
  reason: z.string(),
  at: z.number().int(),
  reversedAt: z.number().int().nullable(),
});
export type MergeRecord = z.infer<typeof MergeRecord>;
export const MergeList = z.object({ merges: z.array(MergeRecord) });

export const ErasureReceipt = z.object({
  profileId: z.string(),
  erasedAt: z.number().int(),
  identities: z.number().int().nonnegative(),
  events: z.number().int().nonnegative(),
  /** venues whose gateways get a `profile.delete` on their next sync */
  venuesNotified: z.number().int().nonnegative(),
});
export type ErasureReceipt = z.infer<typeof ErasureReceipt>;

/** `GET /v1/customers/{id}/export`: everything stored about one person. */
export const CustomerExport = z.object({
  customer: Customer360,
  events: z.array(EventEnvelope),
  merges: z.array(MergeRecord),
});
export type CustomerExport = z.infer<typeof CustomerExport>;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((s) => (s === "" ? undefined : s))
    .optional();
const optionalFlag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ["", "yes", "no", "true", "false", "1", "0", "y", "n"].includes(s), {
    message: "must be yes/no, true/false or 1/0 (or empty)",
  })
  .transform((s) => (s === "" ? undefined : ["yes", "true", "1", "y"].includes(s)))
  .optional();

/**
 * One row of a customer CSV from a CRM or POS (`proxima-cloud import customers`).
 * Column names are these (case-insensitive); at least one identity column is required.
 */
export const CustomerCsvRow = z
  .object({
    loyalty: optionalText(256),
    email: optionalText(256).refine((s) => s === undefined || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s), {
      message: "is not an email address",
    }),
    phone: optionalText(32).refine((s) => s === undefined || /^\+?[0-9 ()-]{6,}$/.test(s), {
      message: "is not a phone number (digits, optional leading +)",
    }),
    app: optionalText(256),
    firstName: optionalText(64),
    lastName: optionalText(64),
    postcode: optionalText(16),
    language: optionalText(16),
    birthYear: optionalText(4).refine((s) => s === undefined || /^(19|20)\d\d$/.test(s), {
      message: "must be a four-digit year",
    }),
    consentPersonalization: optionalFlag,
    consentLocation: optionalFlag,
    consentMarketing: optionalFlag,
  })
  .refine((r) => r.loyalty || r.email || r.phone || r.app, {
    message: "needs at least one identity: loyalty, email, phone or app",
  });
export type CustomerCsvRow = z.infer<typeof CustomerCsvRow>;
