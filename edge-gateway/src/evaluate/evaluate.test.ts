import type { PresenceEvent, TruthStay } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { evaluatePresence, reportedIntervals } from "./evaluate.js";

const S = "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949";
const T = "eddystone:e157bd5df90aad1dc2fb:000000000001";
const ev = (
  type: "enter" | "exit",
  ts: number,
  zone: string,
  subject = S,
  detectedAt?: number,
): PresenceEvent =>
  type === "enter"
    ? { type, ts, zone, subject, venueId: "v", ...(detectedAt !== undefined ? { detectedAt } : {}) }
    : { type, ts, zone, subject, venueId: "v", dwellMs: 0 };

describe("evaluate", () => {
  const truth: TruthStay[] = [
    { subject: S, zone: "a", from: 0, to: 20_000, advertIntervalMs: 100 },
    { subject: S, zone: "b", from: 20_000, to: 60_000, advertIntervalMs: 100 },
  ];

  it("scores a perfect report as perfect", () => {
    const e = evaluatePresence(truth, [
      ev("enter", 0, "a"),
      ev("exit", 20_000, "a"),
      ev("enter", 20_000, "b"),
      ev("exit", 60_000, "b"),
    ]);
    expect(e.accuracy).toBe(1);
    expect(e.accuracyWhilePresent).toBe(1);
    expect(e.enterLatency).toMatchObject({ stays: 2, p50Ms: 0, p90Ms: 0, misses: 0 });
    expect(e.changes).toEqual({ reported: 2, truth: 2, ratio: 1 });
    expect(e.spuriousSubjects).toEqual([]);
  });

  it("measures lateness, flapping, misses and spurious subjects", () => {
    const e = evaluatePresence(truth, [
      ev("enter", 2_000, "a"),
      ev("exit", 23_000, "a"),
      ev("enter", 23_000, "b", S, 25_000), // dated at 23 s, decided at 25 s
      ev("exit", 30_000, "b"),
      ev("enter", 30_000, "a"),
      ev("exit", 31_000, "a"),
      ev("enter", 31_000, "b"),
      ev("exit", 60_000, "b"),
      ev("enter", 1_000, "a", T),
      ev("exit", 5_000, "a", T),
    ]);
    // S wrong 0–2 s (nothing), 20–23 s (still a), 30–31 s (a), right the other 54 s;
    // the ghost T's 4 s count against it too
    expect(e.accuracyWhilePresent).toBeCloseTo(54 / 64, 5);
    // DESIGN.md's figure: 2 subjects × 60 s, 10 s of them wrong
    expect(e.accuracy).toBeCloseTo(1 - 10 / 120, 5);
    expect(e.enterLatency.byAdvertIntervalMs["100"]).toMatchObject({ stays: 2, misses: 0, p90Ms: 5000 });
    expect(e.changes.ratio).toBe(2);
    expect(e.spuriousSubjects).toEqual([T]);
  });

  it("counts a stay never reported as a miss", () => {
    const e = evaluatePresence(truth, [ev("enter", 0, "a"), ev("exit", 60_000, "a")]);
    expect(e.enterLatency.misses).toBe(1);
    expect(e.enterLatency.missRate).toBe(0.5);
  });

  it("keeps same-ts events in emission order (a zero-length presence does not stay open)", () => {
    const intervals = reportedIntervals([
      ev("enter", 0, "a"),
      ev("exit", 10, "a"),
      ev("enter", 10, "b"),
      ev("exit", 10, "b"),
    ]);
    expect(intervals.get(S)).toEqual([{ zone: "a", from: 0, to: 10 }]);
  });
});
