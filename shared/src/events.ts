import { z } from "zod";
import { UUID_RE } from "./ids.js";
import { Id } from "./venue.js";

export const SOURCE_KINDS = ["kiosk", "gateway", "web", "app", "email", "call_center", "pos"] as const;
export const IDENTITY_TYPES = ["loyalty", "subject", "email", "phone", "app", "anonymous"] as const;

export const Source = z.object({ kind: z.enum(SOURCE_KINDS), id: z.string().min(1).max(128) });
export type Source = z.infer<typeof Source>;

export const Identity = z.object({
  type: z.enum(IDENTITY_TYPES),
  value: z.string().min(1).max(256),
});
export type Identity = z.infer<typeof Identity>;

/**
 * Every event type any channel may send. Extend by adding names (and, where the cloud
 * relies on fields, a data schema below); never rename.
 */
export const EVENT_TYPES = [
  "presence.enter",
  "presence.exit",
  "kiosk.session_started",
  "kiosk.session_ended",
  "kiosk.identified",
  "decision.made",
  "offer.shown",
  "offer.accepted",
  "offer.declined",
  "product.chosen",
  "pour.started",
  "pour.completed",
  "feedback.submitted",
  "purchase.completed",
  "email.sent",
  "email.opened",
  "email.clicked",
  "call.note",
  "app.opened",
  "web.page_viewed",
  "consent.updated",
  "profile.updated",
  "identity.linked",
  "prompt.shown",
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

export const CONSENT_PURPOSES = ["personalization", "location", "marketing"] as const;
export const ConsentPurpose = z.enum(CONSENT_PURPOSES);
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

/** The fields the cloud relies on, per type; other fields pass through untouched. */
export const EVENT_DATA: Partial<Record<EventType, z.ZodType>> = {
  "presence.enter": z.looseObject({ zone: Id }),
  "presence.exit": z.looseObject({ zone: Id, dwellMs: z.number().int().nonnegative() }),
  "decision.made": z.looseObject({ decisionId: z.string().min(1), offerIds: z.array(z.string()) }),
  "offer.shown": z.looseObject({ decisionId: z.string().min(1), offerId: z.string().min(1) }),
  "offer.accepted": z.looseObject({ decisionId: z.string().min(1), offerId: z.string().min(1) }),
  "offer.declined": z.looseObject({ decisionId: z.string().min(1), offerId: z.string().min(1) }),
  "feedback.submitted": z.looseObject({ rating: z.number().int().min(1).max(5) }),
  "purchase.completed": z.looseObject({
    amount: z.number().finite().nonnegative(),
    currency: z.string().length(3),
  }),
  "consent.updated": z.looseObject({
    consent: z.partialRecord(ConsentPurpose, z.boolean()),
  }),
};

/** The event envelope: edge and cloud, every channel. `id` makes delivery idempotent end to end. */
export const EventEnvelope = z
  .object({
    id: z.string().regex(UUID_RE, "must be a lowercase UUID"),
    ts: z.number().int().nonnegative(),
    venueId: Id.optional(),
    source: Source,
    type: EventType,
    identity: Identity,
    /** further identities seen together with `identity` in this event (stitched at ingest) */
    identities: z.array(Identity).max(16).optional(),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((event, ctx) => {
    const schema = EVENT_DATA[event.type];
    if (!schema) return;
    const parsed = schema.safeParse(event.data);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: "custom", path: ["data", ...issue.path], message: issue.message });
  });
export type EventEnvelope = z.infer<typeof EventEnvelope>;
export type EventEnvelopeInput = z.input<typeof EventEnvelope>;
