import { describe, expect, it } from "vitest";
import { Occupancy, PresenceEvent, Prompt, TruthStay } from "./presence.js";

const subject = "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949";

describe("presence contracts", () => {
  it("accepts DESIGN.md's enter and exit examples", () => {
    const enter = { type: "enter", ts: 1732262401000, venueId: "store-042", zone: "kiosk-1", subject };
    const exit = { ...enter, type: "exit", ts: 1732262446000, dwellMs: 45000 };
    expect(PresenceEvent.parse(enter)).toEqual(enter);
    expect(PresenceEvent.parse(exit)).toEqual(exit);
  });

  it("refuses an exit without dwell, a BLE address as subject, and unknown types", () => {
    const base = { ts: 1, venueId: "v", zone: "z", subject };
    expect(PresenceEvent.safeParse({ ...base, type: "exit" }).success).toBe(false);
    expect(PresenceEvent.safeParse({ ...base, type: "enter", subject: "c4:7c:8d:6a:11:02" }).success).toBe(
      false,
    );
    expect(PresenceEvent.safeParse({ ...base, type: "move" }).success).toBe(false);
  });

  it("validates occupancy, prompts and ground truth", () => {
    expect(Occupancy.safeParse({ count: 3, ts: 1 }).success).toBe(true);
    expect(Occupancy.safeParse({ count: -1, ts: 1 }).success).toBe(false);
    expect(Prompt.safeParse({ id: "p1", ts: 1, zone: "stand-b", text: "Stand B has no queue" }).success).toBe(
      true,
    );
    expect(Prompt.safeParse({ id: "p1", ts: 1, zone: "stand-b", text: "" }).success).toBe(false);
    expect(TruthStay.safeParse({ subject, zone: "z", from: 0, to: 10 }).success).toBe(true);
  });
});
