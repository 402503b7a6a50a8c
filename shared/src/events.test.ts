import { describe, expect, it } from "vitest";
import { EventEnvelope } from "./events.js";
import { newId } from "./ids.js";
import { describeIssues } from "./result.js";

const event = {
  id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  ts: 1732262401000,
  venueId: "store-042",
  source: { kind: "kiosk", id: "kiosk-1" },
  type: "presence.enter",
  identity: { type: "subject", value: "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949" },
  data: { zone: "kiosk-1" },
};

describe("EventEnvelope", () => {
  it("accepts DESIGN.md's envelope", () => {
    expect(EventEnvelope.parse(event)).toEqual(event);
  });

  it("defaults data to {} and accepts every channel", () => {
    for (const kind of ["kiosk", "gateway", "web", "app", "email", "call_center", "pos"]) {
      const parsed = EventEnvelope.parse({
        ...event,
        id: newId(),
        type: "app.opened",
        source: { kind, id: "x" },
        data: undefined,
      });
      expect(parsed.data).toEqual({});
    }
  });

  it.each([
    [{ ...event, id: "not-a-uuid" }, "id:"],
    [{ ...event, source: { kind: "fax", id: "f" } }, "source.kind:"],
    [{ ...event, type: "presence.teleport" }, "type:"],
    [{ ...event, identity: { type: "subject", value: "" } }, "identity.value:"],
    [{ ...event, data: {} }, "data.zone:"],
    [{ ...event, type: "feedback.submitted", data: { rating: 9 } }, "data.rating:"],
    [{ ...event, type: "offer.accepted", data: { offerId: "o1" } }, "data.decisionId:"],
  ])("names the bad field (%#)", (input, field) => {
    const parsed = EventEnvelope.safeParse(input);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error).join("\n")).toContain(field);
  });

  it("keeps data fields it does not know", () => {
    const parsed = EventEnvelope.parse({ ...event, data: { zone: "kiosk-1", scanner: "gw-c" } });
    expect(parsed.data).toEqual({ zone: "kiosk-1", scanner: "gw-c" });
  });
});
