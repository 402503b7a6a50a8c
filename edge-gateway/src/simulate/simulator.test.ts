import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSubject, TraceRecord, TruthStay, Venue } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { decodeAdvertisement } from "../ble/decode.js";
import { createSimulation } from "./simulator.js";

const venue = Venue.parse(
  JSON.parse(readFileSync(join(import.meta.dirname, "../../examples/venue.json"), "utf8")),
);

function run(seed: number, minutes = 3) {
  const sim = createSimulation({ venue, seed, visitors: 12, durationMs: minutes * 60_000 });
  const records: TraceRecord[] = [];
  for (let r = sim.next(); r !== null; r = sim.next()) records.push(r);
  return { sim, records, truth: sim.truth() };
}

describe("simulated venue", () => {
  it("is deterministic per seed and different across seeds", () => {
    const a = run(5, 1);
    const b = run(5, 1);
    const c = run(6, 1);
    expect(b.records).toEqual(a.records);
    expect(b.truth).toEqual(a.truth);
    expect(c.records.slice(0, 50)).not.toEqual(a.records.slice(0, 50));
  });

  it("writes contract trace records in ts order and truth stays that do not overlap per subject", () => {
    const { records, truth, sim } = run(1);
    expect(records.length).toBeGreaterThan(10_000);
    for (let i = 1; i < records.length; i++)
      expect(records[i]!.ts).toBeGreaterThanOrEqual(records[i - 1]!.ts);
    for (const r of records.slice(0, 2000)) expect(TraceRecord.safeParse(r).success).toBe(true);
    for (const s of truth) expect(TruthStay.safeParse(s).success).toBe(true);
    const bySubject = new Map<string, TruthStay[]>();
    for (const s of truth) bySubject.set(s.subject, [...(bySubject.get(s.subject) ?? []), s]);
    for (const stays of bySubject.values())
      for (let i = 1; i < stays.length; i++) expect(stays[i]!.from).toBeGreaterThanOrEqual(stays[i - 1]!.to);
    // fixed wall beacons were added for calibration, one per scanner
    expect(sim.venue.beacons?.filter((b) => b.fixed)).toHaveLength(venue.scanners.length);
  });

  it("has the noise the tracker must cope with: loss, rotation, anonymous devices, decoys", () => {
    const { records, truth } = run(2, 20);
    const subjects = new Set(truth.map((s) => s.subject));
    const addressesBySubject = new Map<string, Set<string>>();
    let anonymous = 0;
    let decoys = 0;
    for (const r of records) {
      const info = decodeAdvertisement(r);
      if (info.subject && subjects.has(info.subject)) {
        const set = addressesBySubject.get(info.subject) ?? new Set();
        set.add(r.address);
        addressesBySubject.set(info.subject, set);
      } else if (info.frames.length === 0) anonymous++;
      else if (!info.subject) decoys++;
    }
    expect(anonymous).toBeGreaterThan(1000);
    expect(decoys).toBeGreaterThan(100);
    // phones rotate their address (~every 15 min): some subjects show several
    expect([...addressesBySubject.values()].some((set) => set.size > 1)).toBe(true);
    for (const s of subjects) expect(isSubject(s)).toBe(true);
    // advert loss: a 100 ms advertiser standing next to a scanner is heard well under 10×/s
    const first = truth.find((s) => s.advertIntervalMs === 100 && s.to - s.from > 30_000);
    expect(first).toBeDefined();
    const scannerOfZone = venue.scanners.find((s) => s.zone === first!.zone)!.id;
    const heard = records.filter(
      (r) =>
        r.scanner === scannerOfZone &&
        r.ts >= first!.from + 10_000 &&
        r.ts < first!.to &&
        decodeAdvertisement(r).subject === first!.subject,
    ).length;
    const perSecond = heard / ((first!.to - first!.from - 10_000) / 1000);
    expect(perSecond).toBeGreaterThan(3);
    expect(perSecond).toBeLessThan(7.5);
  });
});
