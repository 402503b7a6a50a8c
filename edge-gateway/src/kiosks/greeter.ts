import type { Nearby, PresenceEvent, Venue } from "@proxima/shared";
import type { ProfileCache } from "../profiles/cache.js";

/** A visitor who lingers at the edge of a kiosk zone re-enters it; greet them once per this. */
export const GREET_COOLDOWN_MS = 10 * 60_000;

/**
 * Decides who a kiosk is told about (`kiosk/<kioskId>/nearby`): a visitor entering a
 * kiosk zone whose beacon subject belongs to a cached profile that said yes to
 * personalization — explicitly, since a greeting uses their location — and at most once
 * per GREET_COOLDOWN_MS per kiosk (never spam).
 */
export class Greeter {
  private readonly kioskOfZone: Map<string, string>;
  private readonly lastGreeted = new Map<string, number>();

  constructor(
    venue: Venue,
    private readonly cache: Pick<ProfileCache, "byIdentity">,
    private readonly cooldownMs = GREET_COOLDOWN_MS,
  ) {
    this.kioskOfZone = new Map(
      venue.zones.filter((z) => z.kind === "kiosk" && z.kioskId).map((z) => [z.id, z.kioskId!] as const),
    );
  }

  /** The kiosk to tell and what to tell it, or null. */
  greet(event: PresenceEvent): { kioskId: string; nearby: Nearby } | null {
    const kioskId = this.kioskOfZone.get(event.zone);
    if (event.type !== "enter" || !kioskId) return null;
    const identity = { type: "subject" as const, value: event.subject };
    const profile = this.cache.byIdentity(identity);
    if (profile?.consent.personalization !== true) return null;
    const key = `${kioskId}\u0000${profile.id}`;
    const last = this.lastGreeted.get(key);
    if (last !== undefined && event.ts - last < this.cooldownMs) return null;
    this.lastGreeted.set(key, event.ts);
    if (this.lastGreeted.size > 10_000) this.forgetBefore(event.ts - this.cooldownMs);
    return {
      kioskId,
      nearby: {
        ts: event.ts,
        subject: event.subject,
        customer: {
          id: profile.id,
          ...(profile.firstName !== undefined ? { firstName: profile.firstName } : {}),
          segments: profile.segments,
        },
        identity,
      },
    };
  }

  private forgetBefore(ts: number): void {
    for (const [key, at] of this.lastGreeted) if (at < ts) this.lastGreeted.delete(key);
  }
}
