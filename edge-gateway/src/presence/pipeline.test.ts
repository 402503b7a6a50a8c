import {
  ManualClock,
  type Occupancy,
  type PresenceEvent,
  type TraceRecord,
  type Venue,
} from "@proxima/shared";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AnonymousCounter } from "./anonymous.js";
import { ScannerCalibration } from "./calibration.js";
import { createPresencePipeline } from "./pipeline.js";
import { resolveTuning } from "./tuning.js";
import { type Transition, ZoneTracker } from "./zone-tracker.js";

const venue: Venue = {
  venueId: "store-042",
  name: "Test",
  scanners: [
    { id: "sa", zone: "a", position: { x: 0, y: 0 } },
    { id: "sb", zone: "b", position: { x: 10, y: 0 } },
    { id: "sc", zone: "c", position: { x: 20, y: 0 } },
  ],
  zones: [
    { id: "a", name: "A", kind: "entrance" },
    { id: "b", name: "B", kind: "kiosk", kioskId: "kiosk-1" },
    { id: "c", name: "C", kind: "checkout" },
  ],
};
const SUBJECT = "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949";
const IBEACON = "4c000215426c7565436861726d426561636f6e730efe1355c5";
const T0 = 1_732_262_400_000;

/** Free-space RSSI of a −59 dBm@1m beacon at x (metres along the line of scanners). */
function heard(ts: number, x: number, extra: Partial<TraceRecord> = {}): TraceRecord[] {
  return venue.scanners.map((s) => ({
    ts,
    scanner: s.id,
    address: "c4:7c:8d:6a:11:02",
    rssi: Math.round(-59 - 20 * Math.log10(Math.max(0.5, Math.abs(s.position.x - x)))),
    manufacturerData: IBEACON,
    ...extra,
  }));
}

function collect(pipeline: ReturnType<typeof createPresencePipeline>) {
  const events: PresenceEvent[] = [];
  const occupancy: [string, Occupancy][] = [];
  pipeline.onPresence((e) => events.push(e));
  pipeline.onOccupancy((zone, o) => occupancy.push([zone, o]));
  return { events, occupancy };
}

describe("presence pipeline", () => {
  it("enters, moves and leaves; dates each event and keeps occupancy", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events, occupancy } = collect(pipeline);
    let ts = T0;
    for (; ts < T0 + 20_000; ts += 100) for (const r of heard(ts, 1)) pipeline.observe(r);
    expect(pipeline.zoneOf(SUBJECT)).toBe("a");
    for (; ts < T0 + 40_000; ts += 100) for (const r of heard(ts, 9)) pipeline.observe(r);
    expect(pipeline.zoneOf(SUBJECT)).toBe("b");
    const lastHeard = ts - 100;
    pipeline.advanceTo(ts + 30_000);
    expect(pipeline.zoneOf(SUBJECT)).toBeNull();
    expect(events.map((e) => [e.type, e.zone])).toEqual([
      ["enter", "a"],
      ["exit", "a"],
      ["enter", "b"],
      ["exit", "b"],
    ]);
    const [enterA, exitA, enterB, exitB] = events as [
      PresenceEvent,
      PresenceEvent,
      PresenceEvent,
      PresenceEvent,
    ];
    expect(enterA.ts).toBe(T0);
    expect(enterA.detectedAt! - T0).toBeLessThanOrEqual(1500);
    expect(exitA.ts).toBe(enterB.ts);
    expect(enterB.ts).toBeGreaterThanOrEqual(T0 + 20_000);
    expect(enterB.detectedAt! - (T0 + 20_000)).toBeLessThanOrEqual(3000);
    // gone quiet: the exit is dated when the subject was last heard
    expect(exitB).toMatchObject({ type: "exit", ts: lastHeard, dwellMs: lastHeard - enterB.ts });
    expect(exitB.detectedAt).toBeGreaterThan(lastHeard + pipeline.tuning.awayTimeoutMs - 1);
    expect(occupancy.map(([zone, o]) => [zone, o.count])).toEqual([
      ["a", 1],
      ["a", 0],
      ["b", 1],
      ["b", 0],
    ]);
    expect(pipeline.occupancy().get("b")?.count).toBe(0);
  });

  it("does not flap on noise smaller than the hysteresis margin near a border", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    // standing at the a/b border: readings alternate ±2 dB in favour of each
    for (let i = 0; i < 600; i++) {
      const ts = T0 + i * 100;
      for (const r of heard(ts, 5))
        pipeline.observe({ ...r, rssi: r.rssi + (r.scanner === (i % 2 ? "sa" : "sb") ? 2 : 0) });
    }
    expect(events.filter((e) => e.type === "enter")).toHaveLength(1);
  });

  it("stays put through a short burst that looks like another zone (minimum dwell, confirmation)", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    let ts = T0;
    for (; ts < T0 + 10_000; ts += 100) for (const r of heard(ts, 1)) pipeline.observe(r);
    for (const r of heard(ts, 19)) pipeline.observe(r); // one odd advert
    ts += 100;
    for (; ts < T0 + 20_000; ts += 100) for (const r of heard(ts, 1)) pipeline.observe(r);
    expect(events.map((e) => e.zone)).toEqual(["a"]);
  });

  it("keeps one subject across address rotation", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    for (let i = 0; i < 200; i++) {
      const address = i < 100 ? "4a:00:00:00:00:01" : "5b:00:00:00:00:02";
      for (const r of heard(T0 + i * 100, 1, { address })) pipeline.observe(r);
    }
    pipeline.close(T0 + 20_000);
    expect(new Set(events.map((e) => e.subject))).toEqual(new Set([SUBJECT]));
    expect(events.map((e) => e.type)).toEqual(["enter", "exit"]);
  });

  it("never reports anonymous devices, fixed wall beacons or decoys; counts anonymous devices only as a number", () => {
    const wall = "ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:1";
    const withWall: Venue = {
      ...venue,
      beacons: [{ subject: wall, measuredPower: -59, fixed: { zone: "a", position: { x: 0, y: 3 } } }],
    };
    const pipeline = createPresencePipeline({ venue: withWall });
    const { events } = collect(pipeline);
    for (let i = 0; i < 300; i++) {
      const ts = T0 + i * 100;
      pipeline.observe({
        ts,
        scanner: "sa",
        address: `6${i % 10}:00:00:00:00:00`,
        rssi: -60,
        manufacturerData: "4c0010050b1c93fbf5",
      });
      pipeline.observe({
        ts,
        scanner: "sa",
        address: "7a:00:00:00:00:00",
        rssi: -60,
        manufacturerData: "4c000215e2c56db5dffb48d2b060d0f5a71096e000010001c5",
      });
      pipeline.observe({
        ts,
        scanner: "sb",
        address: "7b:00:00:00:00:00",
        rssi: -60,
        serviceData: [{ uuid: "feaa", data: "1000036d79702e6d653f41" }],
      });
    }
    pipeline.close(T0 + 30_000);
    expect(events).toEqual([]);
    expect(pipeline.anonymousFootfall().devices).toBe(10);
    expect(pipeline.stats()).toMatchObject({
      fixedBeaconAdverts: 300,
      anonymousAdverts: 300,
      subjectAdverts: 0,
    });
  });

  it("keeps Eddystone-TLM health for the beacon that sent its UID frames", () => {
    const pipeline = createPresencePipeline({ venue });
    const address = "c0:ff:ee:00:00:01";
    pipeline.observe({
      ts: T0,
      scanner: "sa",
      address,
      rssi: -60,
      serviceData: [{ uuid: "feaa", data: "00f8e157bd5df90aad1dc2fb0000000000010000" }],
    });
    pipeline.observe({
      ts: T0 + 100,
      scanner: "sa",
      address,
      rssi: -60,
      serviceData: [{ uuid: "feaa", data: "20000bb815800000002a00000064" }],
    });
    expect(pipeline.beaconHealth().get("eddystone:e157bd5df90aad1dc2fb:000000000001")).toMatchObject({
      batteryMv: 3000,
      temperatureC: 21.5,
      ts: T0 + 100,
    });
  });

  it("ignores scanners the venue does not list, and satellites' batches go through the same path", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    pipeline.observe({ ...heard(T0, 1)[0]!, scanner: "rogue" });
    expect(pipeline.stats().unknownScannerAdverts).toBe(1);
    for (let i = 0; i < 30; i++)
      pipeline.ingestSightings({ scanner: "sc", ts: T0 + i * 100, records: heard(T0 + i * 100, 19) });
    expect(events.map((e) => e.zone)).toEqual(["c"]);
  });

  it("moves a live satellite's records onto the hub's clock (its clock is 30 s behind)", () => {
    const clock = new ManualClock(T0);
    const pipeline = createPresencePipeline({ venue, clock });
    const { events } = collect(pipeline);
    for (let i = 0; i < 30; i++) {
      clock.advance(100);
      const satelliteNow = clock.now() - 30_000;
      pipeline.ingestSightings({ scanner: "sc", ts: satelliteNow, records: heard(satelliteNow, 19) });
    }
    expect(pipeline.zoneOf(SUBJECT)).toBe("c");
    // not taken for gone: its readings count as now, not 30 s ago
    clock.advance(pipeline.tuning.awayTimeoutMs - 1000);
    expect(pipeline.zoneOf(SUBJECT)).toBe("c");
    expect(events[0]!.ts).toBeGreaterThanOrEqual(T0);
    pipeline.close(clock.now());
  });

  it("a kiosk tap anchors the subject in the kiosk zone and teaches the tracker its real power", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    // a phone 9 dB quieter than its advertised −59 dBm, standing 0.7 m from the kiosk
    // scanner (x = 10.7): it looks too far from everything
    const quiet = (ts: number, x: number) => heard(ts, x).map((r) => ({ ...r, rssi: r.rssi - 9 }));
    let ts = T0;
    for (; ts < T0 + 5000; ts += 100) for (const r of quiet(ts, 10.7)) pipeline.observe(r);
    expect(pipeline.anchor(SUBJECT, "b", ts)).toBe(true);
    expect(pipeline.zoneOf(SUBJECT)).toBe("b");
    expect(pipeline.anchor(SUBJECT, "nowhere", ts)).toBe(false);
    expect(pipeline.anchor("ibeacon:426c7565-4368-6172-6d42-6561636f6e73:1:1", "b", ts)).toBe(false);
    for (; ts < T0 + 15_000; ts += 100) for (const r of quiet(ts, 9)) pipeline.observe(r);
    expect(pipeline.zoneOf(SUBJECT)).toBe("b");
    expect(events.filter((e) => e.type === "enter").at(-1)).toMatchObject({ zone: "b" });
  });

  it("learns the anchored subject's real 1 m power", () => {
    const transitions: Transition[] = [];
    const tracker = new ZoneTracker(venue, resolveTuning(), new ScannerCalibration(venue, false, -59), (t) =>
      transitions.push(t),
    );
    for (let ts = T0; ts < T0 + 3000; ts += 100)
      for (const r of heard(ts, 10.7))
        tracker.observe(
          SUBJECT,
          venue.scanners.findIndex((s) => s.id === r.scanner),
          r.rssi - 9,
          ts,
          -59,
        );
    expect(tracker.measuredPowerOf(SUBJECT)).toBe(-59);
    expect(tracker.anchor(SUBJECT, 1, T0 + 3000)).toBe(true);
    expect(tracker.measuredPowerOf(SUBJECT)!).toBeCloseTo(-68, 0);
    expect(transitions.at(-1)).toMatchObject({ to: 1 });
  });

  it("closes open presences at the given ts", () => {
    const pipeline = createPresencePipeline({ venue });
    const { events } = collect(pipeline);
    for (let i = 0; i < 30; i++) for (const r of heard(T0 + i * 100, 1)) pipeline.observe(r);
    pipeline.close(T0 + 2900);
    expect(events.at(-1)).toMatchObject({ type: "exit", zone: "a", ts: T0 + 2900 });
    pipeline.observe(heard(T0 + 3000, 1)[0]!);
    expect(events).toHaveLength(2);
  });

  it("runs live on a clock: presences end when subjects go quiet, without new adverts", () => {
    const clock = new ManualClock(T0);
    const pipeline = createPresencePipeline({ venue, clock });
    const { events } = collect(pipeline);
    for (let i = 0; i < 30; i++) {
      clock.advance(100);
      for (const r of heard(clock.now(), 1)) pipeline.observe(r);
    }
    clock.advance(pipeline.tuning.awayTimeoutMs + 1000);
    expect(events.map((e) => e.type)).toEqual(["enter", "exit"]);
    pipeline.close(clock.now());
    expect(clock.pendingTimers).toBe(0);
  });

  it("takes every tracker parameter from the venue tuning, with defaults", () => {
    const pipeline = createPresencePipeline({
      venue: { ...venue, tuning: { minDwellMs: 5000 } },
      tuning: { awayTimeoutMs: 4000 },
    });
    expect(pipeline.tuning).toMatchObject({ minDwellMs: 5000, awayTimeoutMs: 4000, enterMarginDb: 3 });
  });
});

describe("metrics", () => {
  it("exposes adverts by kind, subjects, occupancy and anonymous devices, read at scrape time", async () => {
    const registry = new Registry();
    const pipeline = createPresencePipeline({ venue, registry });
    for (let i = 0; i < 30; i++) for (const r of heard(T0 + i * 100, 1)) pipeline.observe(r);
    pipeline.observe({
      ts: T0 + 3000,
      scanner: "sa",
      address: "61:00:00:00:00:00",
      rssi: -60,
      manufacturerData: "4c0010050b1c93fbf5",
    });
    const text = await registry.metrics();
    expect(text).toContain('proxima_ble_adverts_total{kind="subject"} 90');
    expect(text).toContain('proxima_ble_adverts_total{kind="anonymous"} 1');
    expect(text).toContain('proxima_presence_subjects{state="present"} 1');
    expect(text).toContain('proxima_zone_occupancy{zone="a"} 1');
    expect(text).toContain("proxima_anonymous_devices_today 1");
  });
});

describe("self-calibration from fixed wall beacons", () => {
  it("recovers each scanner's gain and path-loss exponent", () => {
    const beacons = [
      [0, 3],
      [10, 3],
      [20, 3],
      [5, -4],
      [15, -4],
    ].map(([x, y], i) => ({
      subject: `ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1:${i + 1}`,
      measuredPower: -59,
      fixed: { zone: "a", position: { x: x!, y: y! } },
    }));
    const cal = new ScannerCalibration({ ...venue, beacons }, true, -59);
    const truth = [
      { gain: 5, n: 2.6 },
      { gain: -4, n: 2.0 },
      { gain: 0, n: 3.0 },
    ];
    venue.scanners.forEach((s, si) => {
      beacons.forEach((b, bi) => {
        const d = Math.hypot(s.position.x - b.fixed.position.x, s.position.y - b.fixed.position.y);
        const rssi = -59 + truth[si]!.gain - 10 * truth[si]!.n * Math.log10(d);
        for (let k = 0; k < 50; k++) cal.observeFixed(si, bi, rssi + (k % 2 ? 1 : -1));
      });
    });
    cal.refit();
    truth.forEach((t, si) => {
      expect(cal.gain[si]).toBeCloseTo(t.gain, 0);
      expect(cal.exponent[si]).toBeCloseTo(t.n, 1);
    });
  });
});

describe("anonymous footfall", () => {
  it("estimates distinct devices within a few percent and keeps no addresses", () => {
    const counter = new AnonymousCounter();
    for (let i = 0; i < 20_000; i++) counter.observe(`aa:bb:${i}`, T0 + i);
    const { devices } = counter.estimate();
    // 4 standard errors of the 4,096-register sketch (1.04/√4096 = 1.6 %): the salt is
    // random, and at 3 (5 %) about one run in 500 would fail for no fault of the code
    expect(Math.abs(devices - 20_000) / 20_000).toBeLessThan(0.065);
    expect(JSON.stringify(counter)).not.toContain("aa:bb");
  });
  it("counts a day's first 1,024 devices exactly, whatever the salt", () => {
    // The sketch alone read ten devices as nine on ~1 salt in 90 (two in one register).
    for (const devices of [1, 10, 100, 1024]) {
      for (let salt = 0; salt < 40; salt++) {
        const counter = new AnonymousCounter();
        for (let i = 0; i < devices; i++) counter.observe(`aa:${salt}:${i}`, T0);
        expect(counter.estimate().devices).toBe(devices);
      }
    }
    const counter = new AnonymousCounter();
    for (let i = 0; i < 1025; i++) counter.observe(`aa:${i}`, T0);
    expect(Math.abs(counter.estimate().devices - 1025) / 1025).toBeLessThan(0.1);
  });
  it("starts over every UTC day with a new salt", () => {
    const counter = new AnonymousCounter();
    for (let i = 0; i < 100; i++) counter.observe(`aa:${i}`, T0);
    const day = 86_400_000;
    counter.observe("aa:1", Math.floor(T0 / day) * day + day);
    expect(counter.estimate().devices).toBe(1);
  });
});
