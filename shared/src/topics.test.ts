import { describe, expect, it } from "vitest";
import { parseTopic, topicMatches, topicsFor } from "./topics.js";

describe("gateway topics", () => {
  const t = topicsFor("store-042");

  it("builds every topic of DESIGN.md under proxima/<venueId>/", () => {
    expect(t.kioskStatus("kiosk-1")).toBe("proxima/store-042/kiosk/kiosk-1/status");
    expect(t.rpcRequest("kiosk-1")).toBe("proxima/store-042/kiosk/kiosk-1/rpc/request");
    expect(t.rpcResponse("kiosk-1")).toBe("proxima/store-042/kiosk/kiosk-1/rpc/response");
    expect(t.kioskEvents("kiosk-1")).toBe("proxima/store-042/kiosk/kiosk-1/events");
    expect(t.kioskNearby("kiosk-1")).toBe("proxima/store-042/kiosk/kiosk-1/nearby");
    expect(t.zonePresence("entrance")).toBe("proxima/store-042/zone/entrance/presence");
    expect(t.zoneOccupancy("entrance")).toBe("proxima/store-042/zone/entrance/occupancy");
    expect(t.zonePrompts("entrance")).toBe("proxima/store-042/zone/entrance/prompts");
    expect(t.scannerSightings("gw-b")).toBe("proxima/store-042/scanner/gw-b/sightings");
  });

  it("parses what it builds", () => {
    expect(parseTopic(t.rpcRequest("kiosk-1"))).toEqual({
      venueId: "store-042",
      kind: "kiosk",
      kioskId: "kiosk-1",
      leaf: "rpc/request",
    });
    expect(parseTopic(t.zoneOccupancy("z"))).toEqual({
      venueId: "store-042",
      kind: "zone",
      zoneId: "z",
      leaf: "occupancy",
    });
    expect(parseTopic(t.scannerSightings("gw-b"))).toEqual({
      venueId: "store-042",
      kind: "scanner",
      scannerId: "gw-b",
      leaf: "sightings",
    });
  });

  it.each([
    "proxima/store-042/kiosk/kiosk-1/rpc",
    "proxima/store-042/kiosk/+/events",
    "proxima/store-042/zone/z/status",
    "other/store-042/kiosk/k/status",
    "proxima/store-042/kiosk/k/events/extra",
    "proxima//kiosk/k/events",
  ])("returns null for %j", (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it("refuses to build a topic from an id carrying wildcards or slashes", () => {
    expect(() => t.kioskEvents("a/b")).toThrow(/not a valid topic segment/);
    expect(() => t.kioskEvents("#")).toThrow();
    expect(() => topicsFor("+")).toThrow();
  });

  it("matches filters per MQTT 3.1.1 §4.7", () => {
    expect(topicMatches(t.filters.allRpcRequests, t.rpcRequest("k9"))).toBe(true);
    expect(topicMatches(t.filters.allRpcRequests, t.rpcResponse("k9"))).toBe(false);
    expect(topicMatches("proxima/#", t.rpcResponse("k9"))).toBe(true);
    expect(topicMatches("proxima/+", "proxima/a/b")).toBe(false);
  });
});
