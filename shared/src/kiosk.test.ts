import { describe, expect, it } from "vitest";
import { KioskProvisioning } from "./kiosk.js";
import { parseWith } from "./result.js";
import { RPC_METHODS } from "./rpc.js";

describe("KioskProvisioning", () => {
  it("accepts a bundle and fills the idle timeout", () => {
    const parsed = parseWith(
      KioskProvisioning,
      { gatewayUrl: "ws://10.0.0.2:8883", venueId: "store-042", kioskId: "kiosk-1", secret: "s3cret" },
      "kiosk.json",
    );
    expect(parsed.ok && parsed.value.idleTimeoutMs).toBe(45_000);
  });

  it("refuses an http gateway URL and a kiosk id that would break topics, naming both", () => {
    const parsed = parseWith(
      KioskProvisioning,
      { gatewayUrl: "http://10.0.0.2", venueId: "store-042", kioskId: "kiosk/1", secret: "x" },
      "kiosk.json",
    );
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(/gatewayUrl: must be a ws.*kioskId/);
  });
});

describe("catalogue RPC", () => {
  it("types its result: catalogue, stock levels and popular product ids", () => {
    const result = RPC_METHODS.catalogue.result.safeParse({
      catalogue: { version: "1", brands: [], ingredients: [], products: [] },
      stock: { ts: 1, levels: { cola: 0.5 } },
    });
    expect(result.success && result.data.popular).toEqual([]);
    expect(RPC_METHODS.catalogue.params.safeParse({}).success).toBe(true);
  });
});
