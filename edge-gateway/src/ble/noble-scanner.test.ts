import { existsSync, readdirSync } from "node:fs";
import { isProximaError, ManualClock, ProximaError, type TraceRecord } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { FakeNobleBindings } from "./fake-bindings.js";
import {
  createNobleScanner,
  loadRealNoble,
  type NobleLike,
  noAdapterError,
  nobleWithBindings,
} from "./noble-scanner.js";

const IBEACON = Buffer.from("4c000215426c7565436861726d426561636f6e730efe1355c5", "hex");
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function started(
  options: { evictAfterMs?: number; maxAddresses?: number; state?: FakeNobleBindings["state"] } = {},
) {
  const bindings = new FakeNobleBindings(options.state);
  const noble = nobleWithBindings(bindings);
  noble.on("warning", () => {});
  const clock = new ManualClock(1_732_262_400_000);
  const records: TraceRecord[] = [];
  const scanner = createNobleScanner({
    scannerId: "gw-a",
    clock,
    loadNoble: async () => noble,
    ...(options.evictAfterMs !== undefined ? { evictAfterMs: options.evictAfterMs } : {}),
    ...(options.maxAddresses !== undefined ? { maxAddresses: options.maxAddresses } : {}),
  });
  await scanner.start((ad) => records.push(ad));
  return { bindings, noble, clock, records, scanner };
}

describe("noble scanner over noble's own event path (fake HCI bindings)", () => {
  it("scans with duplicates allowed and delivers contract trace records", async () => {
    const { bindings, records, scanner } = await started();
    expect(bindings.scanning).toBe(true);
    // startScanning([], true): without duplicates noble reports an address once and RSSI stops
    expect(bindings.allowDuplicates).toBe(true);
    bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -71, manufacturerData: IBEACON });
    bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -69, manufacturerData: IBEACON });
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      ts: 1_732_262_400_000,
      scanner: "gw-a",
      address: "c4:7c:8d:6a:11:02",
      addressType: "random",
      rssi: -71,
      connectable: false,
      manufacturerData: IBEACON.toString("hex"),
    });
    await scanner.stop();
    expect(bindings.scanning).toBe(false);
  });

  it("restarts a stalled scan within 5 s", async () => {
    const { bindings, clock, records, scanner } = await started();
    bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -71, manufacturerData: IBEACON });
    const startsBefore = bindings.startCalls;
    // the radio goes silent while noble still believes it scans (the Raspberry Pi failure)
    bindings.scanning = false;
    let restartedAt = Number.NaN;
    for (let ms = 0; ms <= 5000 && Number.isNaN(restartedAt); ms += 100) {
      clock.advance(100);
      if (bindings.startCalls > startsBefore) restartedAt = ms + 100;
    }
    expect(restartedAt).toBeLessThanOrEqual(5000);
    expect(bindings.stopCalls).toBeGreaterThan(0);
    // exactly one restart: the scanStop it caused is not mistaken for an unexpected stop
    clock.advance(1000);
    expect(bindings.startCalls).toBe(startsBefore + 1);
    expect(bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -70, manufacturerData: IBEACON })).toBe(
      true,
    );
    expect(records).toHaveLength(2);
    expect(scanner.stats().restarts).toBe(1);
    await scanner.stop();
  });

  it("restarts a scan that stopped without being asked to", async () => {
    const { bindings, clock, scanner } = await started();
    const startsBefore = bindings.startCalls;
    bindings.scanning = false;
    bindings.emit("scanStop");
    clock.advance(300);
    expect(bindings.startCalls).toBe(startsBefore + 1);
    expect(bindings.scanning).toBe(true);
    await scanner.stop();
  });

  it("survives an adapter power-off/on", async () => {
    const { bindings, records, scanner } = await started();
    bindings.powerOff();
    expect(bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -71, manufacturerData: IBEACON })).toBe(
      false,
    );
    bindings.powerOn();
    expect(bindings.scanning).toBe(true);
    bindings.advertise({ address: "c4:7c:8d:6a:11:02", rssi: -71, manufacturerData: IBEACON });
    expect(records).toHaveLength(1);
    await scanner.stop();
  });

  it("waits for an adapter that powers on late", async () => {
    const bindings = new FakeNobleBindings("poweredOff");
    const noble = nobleWithBindings(bindings);
    const clock = new ManualClock(0);
    const scanner = createNobleScanner({ scannerId: "gw-a", clock, loadNoble: async () => noble });
    const starting = scanner.start(() => {});
    await tick();
    clock.advance(2000);
    bindings.powerOn();
    await starting;
    expect(bindings.scanning).toBe(true);
    await scanner.stop();
  });

  it("evicts noble's per-address state so memory stays flat as addresses rotate", async () => {
    const { bindings, noble, clock, records, scanner } = await started({ evictAfterMs: 10_000 });
    const n = noble as NobleLike & { _peripherals: Record<string, unknown> };
    for (let i = 0; i < 20_000; i++) {
      clock.advance(5); // 200 new addresses a second
      const address = `4${(i >> 16) & 0xf}:${((i >> 8) & 0xff).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}:00:11:22`;
      bindings.advertise({ address, rssi: -70, manufacturerData: IBEACON });
    }
    expect(records).toHaveLength(20_000);
    // 10 s at 200 addresses/s, plus one sweep period
    expect(Object.keys(n._peripherals).length).toBeLessThanOrEqual(2400);
    expect(bindings.addressesHeld).toBeLessThanOrEqual(2 * 2400);
    expect(scanner.stats().evicted).toBeGreaterThanOrEqual(17_000);
    await scanner.stop();
  });

  it("never holds more than maxAddresses", async () => {
    const { bindings, noble, scanner } = await started({ maxAddresses: 100 });
    for (let i = 0; i < 1000; i++)
      bindings.advertise({
        address: `40:00:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 0xff).toString(16).padStart(2, "0")}`,
        rssi: -70,
      });
    expect(
      Object.keys((noble as NobleLike & { _peripherals: object })._peripherals).length,
    ).toBeLessThanOrEqual(101);
    await scanner.stop();
  });

  it("refuses an adapter without BLE support with no_adapter", async () => {
    const bindings = new FakeNobleBindings("unsupported");
    const noble = nobleWithBindings(bindings);
    const scanner = createNobleScanner({
      scannerId: "gw-a",
      clock: new ManualClock(0),
      loadNoble: async () => noble,
    });
    await expect(scanner.start(() => {})).rejects.toMatchObject({ code: "no_adapter" });
  });
});

describe("no Bluetooth adapter", () => {
  it("maps EAFNOSUPPORT to no_adapter saying what is missing and what to do", () => {
    const cause = Object.assign(new Error("EAFNOSUPPORT, Address family not supported by protocol"), {
      code: "EAFNOSUPPORT",
    });
    const error = noAdapterError(cause);
    expect(error).toBeInstanceOf(ProximaError);
    expect(error.code).toBe("no_adapter");
    expect(error.message).toMatch(/EAFNOSUPPORT/);
    expect(error.message).toMatch(/no adapter/);
    expect(error.message).toMatch(/--scanner simulate/);
    expect(error.message).toMatch(/--scanner replay/);
  });

  it("loading the real noble on this machine either works or says no_adapter (never crashes)", async () => {
    const hasAdapter = existsSync("/sys/class/bluetooth") && readdirSync("/sys/class/bluetooth").length > 0;
    const loaded = await loadRealNoble().then(
      () => "loaded",
      (error: unknown) => error,
    );
    if (hasAdapter) expect(loaded).toBe("loaded");
    else {
      expect(isProximaError(loaded)).toBe(true);
      expect((loaded as ProximaError).code).toBe("no_adapter");
      expect((loaded as ProximaError).message).toMatch(/EAFNOSUPPORT/);
    }
  });
});
