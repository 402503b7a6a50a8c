import type { EdgeProfile, PresenceEvent, Venue } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { MemoryProfileCache } from "../profiles/memory-cache.js";
import { GREET_COOLDOWN_MS, Greeter } from "./greeter.js";

const venue = {
  venueId: "v",
  name: "V",
  scanners: [{ id: "s", zone: "k1", position: { x: 0, y: 0 } }],
  zones: [
    { id: "k1", name: "Kiosk", kind: "kiosk", kioskId: "kiosk-1" },
    { id: "aisle", name: "Aisle", kind: "area" },
  ],
} as Venue;
const subject = (n: number) => `ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:${n}`;
const profile = (n: number, consent: EdgeProfile["consent"]): EdgeProfile => ({
  id: `c${n}`,
  firstName: "Ada",
  identities: [{ type: "subject", value: subject(n) }],
  consent,
  segments: ["regulars"],
  favourites: [],
  recent: [],
  updatedAt: 1,
});
const enter = (n: number, zone: string, ts: number): PresenceEvent => ({
  type: "enter",
  ts,
  venueId: "v",
  zone,
  subject: subject(n),
});

async function greeter() {
  const cache = new MemoryProfileCache();
  await cache.applyChanges([
    { kind: "profile.upsert", profile: profile(1, { personalization: true }) },
    { kind: "profile.upsert", profile: profile(2, {}) },
    { kind: "profile.upsert", profile: profile(3, { personalization: false }) },
  ]);
  return new Greeter(venue, cache);
}

describe("Greeter", () => {
  it("tells the zone's kiosk about a known visitor who said yes to personalization", async () => {
    expect((await greeter()).greet(enter(1, "k1", 1000))).toEqual({
      kioskId: "kiosk-1",
      nearby: {
        ts: 1000,
        subject: subject(1),
        customer: { id: "c1", firstName: "Ada", segments: ["regulars"] },
        identity: { type: "subject", value: subject(1) },
      },
    });
  });

  it("stays silent for unknown visitors, missing or refused consent, other zones and exits", async () => {
    const g = await greeter();
    expect(g.greet(enter(9, "k1", 1))).toBeNull();
    expect(g.greet(enter(2, "k1", 1))).toBeNull();
    expect(g.greet(enter(3, "k1", 1))).toBeNull();
    expect(g.greet(enter(1, "aisle", 1))).toBeNull();
    expect(g.greet({ ...enter(1, "k1", 1), type: "exit", dwellMs: 5 })).toBeNull();
  });

  it("greets the same visitor at the same kiosk at most once per cooldown", async () => {
    const g = await greeter();
    expect(g.greet(enter(1, "k1", 0))).not.toBeNull();
    expect(g.greet(enter(1, "k1", 60_000))).toBeNull();
    expect(g.greet(enter(1, "k1", GREET_COOLDOWN_MS))).not.toBeNull();
  });
});
