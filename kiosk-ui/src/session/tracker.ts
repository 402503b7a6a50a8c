import {
  type Clock,
  type EventEnvelope,
  type EventType,
  type Identity,
  newId,
  type Offer,
  type ShopperIdentity,
} from "@proxima/shared";
import type { EventQueue } from "../events/queue.js";

export type EndReason = "completed" | "idle" | "cancelled";

/** How a kiosk identity becomes an event identity: a scanned QR carries a loyalty code. */
export function eventIdentity(identity: ShopperIdentity, sessionId: string): Identity {
  if (identity.type === "anonymous" || identity.value === "") return { type: "anonymous", value: sessionId };
  return { type: identity.type === "qr" ? "loyalty" : identity.type, value: identity.value };
}

/**
 * One shopper's session as interaction events: who (the identity once known), which
 * decision the screen answers (its decisionId on every later event), and what was
 * shown, so each shown offer is answered exactly once, accepted or declined.
 */
export class SessionTracker {
  private sessionId: string | null = null;
  private startedAt = 0;
  private identity: Identity = { type: "anonymous", value: "none" };
  private decisionId: string | null = null;
  private shown = new Map<string, Offer>();
  private answered = new Set<string>();

  constructor(
    private readonly queue: EventQueue,
    private readonly source: { venueId: string; kioskId: string },
    private readonly clock: Clock,
  ) {}

  get active(): boolean {
    return this.sessionId !== null;
  }

  get currentDecisionId(): string | null {
    return this.decisionId;
  }

  start(how: "touch" | "nearby"): void {
    if (this.sessionId) return;
    this.sessionId = newId(this.clock.now());
    this.startedAt = this.clock.now();
    this.identity = { type: "anonymous", value: this.sessionId };
    this.track("kiosk.session_started", { trigger: how });
  }

  identify(identity: ShopperIdentity, customerId: string | null): void {
    if (!this.sessionId) return;
    this.identity = eventIdentity(identity, this.sessionId);
    if (this.identity.type !== "anonymous")
      this.track("kiosk.identified", { method: identity.type, ...(customerId ? { customerId } : {}) });
  }

  offersShown(decisionId: string, offers: readonly Offer[]): void {
    this.decisionId = decisionId;
    for (const offer of offers) {
      if (this.shown.has(offer.offerId)) continue;
      this.shown.set(offer.offerId, offer);
      this.track("offer.shown", offerData(decisionId, offer));
    }
  }

  offerAccepted(offerId: string): void {
    const offer = this.shown.get(offerId);
    if (!offer || !this.decisionId || this.answered.has(offerId)) return;
    this.answered.add(offerId);
    this.track("offer.accepted", offerData(this.decisionId, offer));
  }

  /** Every shown offer not accepted by now was declined. */
  declineRemaining(why: string): void {
    if (!this.decisionId) return;
    for (const [offerId, offer] of this.shown) {
      if (this.answered.has(offerId)) continue;
      this.answered.add(offerId);
      this.track("offer.declined", { ...offerData(this.decisionId, offer), why });
    }
  }

  track(type: EventType, data: Record<string, unknown>): EventEnvelope | null {
    if (!this.sessionId) return null;
    const ts = this.clock.now();
    const event: EventEnvelope = {
      id: newId(ts),
      ts,
      venueId: this.source.venueId,
      source: { kind: "kiosk", id: this.source.kioskId },
      type,
      identity: this.identity,
      data: {
        sessionId: this.sessionId,
        ...(this.decisionId && !("decisionId" in data) ? { decisionId: this.decisionId } : {}),
        ...data,
      },
    };
    this.queue.enqueue(event);
    return event;
  }

  /** Ends the session and forgets everything about the shopper. */
  end(reason: EndReason): void {
    if (!this.sessionId) return;
    this.declineRemaining(reason);
    this.track("kiosk.session_ended", { reason, durationMs: this.clock.now() - this.startedAt });
    this.sessionId = null;
    this.identity = { type: "anonymous", value: "none" };
    this.decisionId = null;
    this.shown = new Map();
    this.answered = new Set();
  }
}

function offerData(decisionId: string, offer: Offer): Record<string, unknown> {
  return {
    decisionId,
    offerId: offer.offerId,
    ...(offer.productId ? { productId: offer.productId } : {}),
    ...(offer.campaignId ? { campaignId: offer.campaignId } : {}),
    ...(offer.variant ? { variant: offer.variant } : {}),
  };
}
