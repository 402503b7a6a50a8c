import type { EventEnvelope } from "@proxima/shared";

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");

/** One readable line per event: what happened, where, through which channel. */
export function describeEvent(e: EventEnvelope): string {
  const d = e.data as Record<string, unknown>;
  const where = e.venueId ? ` at ${e.venueId}` : "";
  switch (e.type) {
    case "presence.enter":
      return `Walked into ${str(d.zone)}${where}`;
    case "presence.exit":
      return `Left ${str(d.zone)}${where} after ${Math.round(Number(d.dwellMs ?? 0) / 1000)} s`;
    case "kiosk.session_started":
      return `Started a session at kiosk ${e.source.id}`;
    case "kiosk.session_ended":
      return `Ended the session at kiosk ${e.source.id}`;
    case "kiosk.identified":
      return `Identified at kiosk ${e.source.id}`;
    case "decision.made":
      return `Was offered ${Array.isArray(d.offerIds) ? d.offerIds.length : 0} offers at ${e.source.id}`;
    case "offer.shown":
      return `Saw offer ${str(d.offerId)}${d.campaignId ? ` (campaign ${str(d.campaignId)}${d.variant ? `, variant ${str(d.variant)}` : ""})` : ""}`;
    case "offer.accepted":
      return `Accepted offer ${str(d.offerId)}`;
    case "offer.declined":
      return `Declined offer ${str(d.offerId)}`;
    case "product.chosen":
      return `Chose ${str(d.productId)}`;
    case "pour.started":
      return `Started pouring ${str(d.productId)}`;
    case "pour.completed":
      return `Poured ${str(d.productId)}${d.ml ? ` (${str(d.ml)} ml)` : ""} at ${e.source.id}`;
    case "feedback.submitted":
      return `Rated the experience ${"★".repeat(Number(d.rating ?? 0))}${"☆".repeat(5 - Number(d.rating ?? 0))} (${str(d.rating)}/5)`;
    case "purchase.completed":
      return `Bought for ${str(d.amount)} ${str(d.currency)}${where}`;
    case "email.sent":
      return `Was sent an email${d.subject ? `: “${str(d.subject)}”` : ""}`;
    case "email.opened":
      return "Opened an email";
    case "email.clicked":
      return "Clicked a link in an email";
    case "call.note":
      return `Call centre note${d.note ? `: ${str(d.note)}` : ""}`;
    case "app.opened":
      return "Opened the app";
    case "web.page_viewed":
      return `Viewed ${str(d.path ?? d.url)} on the web`;
    case "consent.updated":
      return `Changed consent: ${Object.entries((d.consent ?? {}) as Record<string, boolean>)
        .map(([k, v]) => `${k} ${v ? "on" : "off"}`)
        .join(", ")}`;
    case "profile.updated":
      return "Profile updated";
    case "identity.linked":
      return "Linked another identity";
    case "prompt.shown":
      return `Was shown a prompt${d.zone ? ` in ${str(d.zone)}` : ""}`;
    default:
      return e.type;
  }
}

export const CHANNEL_LABELS: Record<EventEnvelope["source"]["kind"], string> = {
  kiosk: "Kiosk",
  gateway: "In store",
  web: "Web",
  app: "App",
  email: "Email",
  call_center: "Call centre",
  pos: "Till",
};
