import { topicsFor, type Venue } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { canPublish, canSubscribe, principalFor } from "./acl.js";

const venue: Venue = {
  venueId: "store-042",
  name: "Test",
  scanners: [{ id: "gw-a", zone: "kiosk-1", position: { x: 0, y: 0 } }],
  zones: [
    { id: "kiosk-1", name: "Kiosk", kind: "kiosk", kioskId: "kiosk-1" },
    { id: "aisle", name: "Aisle", kind: "area" },
  ],
} as Venue;
const t = topicsFor("store-042");
const kiosk = principalFor("kiosk", "kiosk-1", venue);

describe("kiosk ACL (DESIGN.md: own kiosk/<id>/ only; own replies, nearby, its zone's prompts and occupancy)", () => {
  it("publishes only its status, requests and events", () => {
    expect(canPublish(kiosk, t.kioskStatus("kiosk-1"), "store-042")).toBe(true);
    expect(canPublish(kiosk, t.rpcRequest("kiosk-1"), "store-042")).toBe(true);
    expect(canPublish(kiosk, t.kioskEvents("kiosk-1"), "store-042")).toBe(true);
    expect(canPublish(kiosk, t.rpcResponse("kiosk-1"), "store-042")).toBe(false);
    expect(canPublish(kiosk, t.kioskNearby("kiosk-1"), "store-042")).toBe(false);
    expect(canPublish(kiosk, t.kioskEvents("kiosk-2"), "store-042")).toBe(false);
    expect(canPublish(kiosk, t.zonePrompts("kiosk-1"), "store-042")).toBe(false);
    expect(canPublish(kiosk, "proxima/other-venue/kiosk/kiosk-1/events", "store-042")).toBe(false);
    expect(canPublish(kiosk, "anything/else", "store-042")).toBe(false);
  });

  it("subscribes only to exact, own topics — no wildcards", () => {
    expect(canSubscribe(kiosk, t.rpcResponse("kiosk-1"), t)).toBe(true);
    expect(canSubscribe(kiosk, t.kioskNearby("kiosk-1"), t)).toBe(true);
    expect(canSubscribe(kiosk, t.zonePrompts("kiosk-1"), t)).toBe(true);
    expect(canSubscribe(kiosk, t.zoneOccupancy("kiosk-1"), t)).toBe(true);
    expect(canSubscribe(kiosk, t.rpcResponse("kiosk-2"), t)).toBe(false);
    expect(canSubscribe(kiosk, t.zoneOccupancy("aisle"), t)).toBe(false);
    expect(canSubscribe(kiosk, "proxima/store-042/kiosk/+/rpc/response", t)).toBe(false);
    expect(canSubscribe(kiosk, "#", t)).toBe(false);
    expect(canSubscribe(kiosk, t.kioskEvents("kiosk-1"), t)).toBe(false);
  });

  it("a kiosk without a venue zone gets only its own replies and nearby", () => {
    const lost = principalFor("kiosk", "kiosk-9", venue);
    expect(canSubscribe(lost, t.rpcResponse("kiosk-9"), t)).toBe(true);
    expect(canSubscribe(lost, t.zonePrompts("kiosk-1"), t)).toBe(false);
  });
});

describe("scanner and service ACL", () => {
  it("a satellite scanner publishes only its own sightings and reads nothing", () => {
    const scanner = principalFor("scanner", "gw-b", venue);
    expect(canPublish(scanner, t.scannerSightings("gw-b"), "store-042")).toBe(true);
    expect(canPublish(scanner, t.scannerSightings("gw-c"), "store-042")).toBe(false);
    expect(canSubscribe(scanner, t.zoneOccupancy("aisle"), t)).toBe(false);
  });

  it("a service may do anything but publish to $SYS", () => {
    const service = principalFor("service", "signage", venue);
    expect(canPublish(service, t.zonePrompts("aisle"), "store-042")).toBe(true);
    expect(canPublish(service, "$SYS/x", "store-042")).toBe(false);
    expect(canSubscribe(service, "#", t)).toBe(true);
  });
});
