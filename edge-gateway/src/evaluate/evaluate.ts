import type { PresenceEvent, TruthStay } from "@proxima/shared";

export interface LatencyFigures {
  /** true stays of ≥ 15 s */
  stays: number;
  p50Ms: number | null;
  p90Ms: number | null;
  /** stays the tracker never reported the subject in */
  misses: number;
  missRate: number;
}

export interface Evaluation {
  /**
   * Zone-time accuracy as DESIGN.md defines it: the share of time the reported zone — or
   * none — equals the truth, for every subject over the whole evaluated window (from the
   * first to the last truth or presence time).
   */
  accuracy: number;
  /**
   * The stricter figure: only the time where truth or report says the subject is
   * somewhere counts (time both agree it is away does not inflate it).
   */
  accuracyWhilePresent: number;
  truthSubjects: number;
  reportedSubjects: number;
  /** reported subjects that were never in the truth (split identities, anonymous devices, ghosts) */
  spuriousSubjects: string[];
  /** truth subjects never reported */
  missingSubjects: string[];
  enterLatency: LatencyFigures & { byAdvertIntervalMs: Record<string, LatencyFigures> };
  /** reported zone entries against true ones: flapping shows as a ratio above 1 */
  changes: { reported: number; truth: number; ratio: number };
}

interface Interval {
  zone: string;
  from: number;
  to: number;
}

/** Minimum true stay for the enter-latency figures (DESIGN.md). */
export const LATENCY_MIN_STAY_MS = 15_000;

/** Turns presence events into per-subject reported intervals (events in any order). */
export function reportedIntervals(events: readonly PresenceEvent[]): Map<string, Interval[]> {
  // stable: events of the same ts keep their emission order (exit-then-enter of a move,
  // enter-then-exit of a zero-length presence)
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const open = new Map<string, { zone: string; from: number }>();
  const out = new Map<string, Interval[]>();
  const push = (subject: string, interval: Interval) => {
    if (interval.to <= interval.from) return;
    const list = out.get(subject) ?? [];
    if (list.length === 0) out.set(subject, list);
    list.push(interval);
  };
  for (const e of sorted) {
    const current = open.get(e.subject);
    if (e.type === "enter") {
      if (current) push(e.subject, { zone: current.zone, from: current.from, to: e.ts });
      open.set(e.subject, { zone: e.zone, from: e.ts });
      if (!out.has(e.subject)) out.set(e.subject, []);
    } else if (current && current.zone === e.zone) {
      push(e.subject, { zone: current.zone, from: current.from, to: e.ts });
      open.delete(e.subject);
    }
  }
  // presences never closed end at the last event
  const last = sorted.length > 0 ? sorted[sorted.length - 1]!.ts : 0;
  for (const [subject, current] of open) push(subject, { zone: current.zone, from: current.from, to: last });
  for (const list of out.values()) list.sort((a, b) => a.from - b.from);
  return out;
}

function latencyFigures(latencies: number[], misses: number): LatencyFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pick = (p: number) =>
    sorted.length === 0
      ? null
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const stays = sorted.length + misses;
  return { stays, p50Ms: pick(0.5), p90Ms: pick(0.9), misses, missRate: stays === 0 ? 0 : misses / stays };
}

/** Compares a tracker's presence events with the simulator's ground truth. */
export function evaluatePresence(truth: readonly TruthStay[], events: readonly PresenceEvent[]): Evaluation {
  const reported = reportedIntervals(events);
  const truthBySubject = new Map<string, Interval[]>();
  for (const stay of truth) {
    const list = truthBySubject.get(stay.subject) ?? [];
    if (list.length === 0) truthBySubject.set(stay.subject, list);
    list.push({ zone: stay.zone, from: stay.from, to: stay.to });
  }
  for (const list of truthBySubject.values()) list.sort((a, b) => a.from - b.from);

  // zone-time accuracy
  let agree = 0;
  let total = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.NEGATIVE_INFINITY;
  for (const stay of truth) {
    windowStart = Math.min(windowStart, stay.from);
    windowEnd = Math.max(windowEnd, stay.to);
  }
  for (const e of events) {
    windowStart = Math.min(windowStart, e.ts);
    windowEnd = Math.max(windowEnd, e.ts);
  }
  const subjects = new Set([...truthBySubject.keys(), ...reported.keys()]);
  for (const subject of subjects) {
    const t = truthBySubject.get(subject) ?? [];
    const r = reported.get(subject) ?? [];
    const cuts = new Set<number>();
    for (const i of t) cuts.add(i.from).add(i.to);
    for (const i of r) cuts.add(i.from).add(i.to);
    const points = [...cuts].sort((a, b) => a - b);
    let ti = 0;
    let ri = 0;
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k]!;
      const b = points[k + 1]!;
      while (ti < t.length && t[ti]!.to <= a) ti++;
      while (ri < r.length && r[ri]!.to <= a) ri++;
      const tz = ti < t.length && t[ti]!.from <= a ? t[ti]!.zone : null;
      const rz = ri < r.length && r[ri]!.from <= a ? r[ri]!.zone : null;
      if (tz === null && rz === null) continue;
      total += b - a;
      if (tz === rz) agree += b - a;
    }
  }

  // enter latency per advertising interval, on decision time (detectedAt) when present:
  // how long until the gateway knew, not when it later dated the move
  const enters = new Map<string, { zone: string; ts: number; detectedAt: number }[]>();
  for (const e of events) {
    if (e.type !== "enter") continue;
    const list = enters.get(e.subject) ?? [];
    if (list.length === 0) enters.set(e.subject, list);
    list.push({ zone: e.zone, ts: e.ts, detectedAt: e.detectedAt ?? e.ts });
  }
  const all: number[] = [];
  let allMisses = 0;
  const byInterval = new Map<number, { latencies: number[]; misses: number }>();
  for (const stay of truth) {
    if (stay.to - stay.from < LATENCY_MIN_STAY_MS) continue;
    const key = stay.advertIntervalMs ?? 0;
    const bucket = byInterval.get(key) ?? { latencies: [], misses: 0 };
    byInterval.set(key, bucket);
    let first = Number.POSITIVE_INFINITY;
    for (const i of reported.get(stay.subject) ?? []) {
      if (i.zone !== stay.zone || i.to <= stay.from || i.from >= stay.to) continue;
      // the reported interval overlapping the stay is known from its enter's decision time
      const enter = enters.get(stay.subject)?.find((e) => e.zone === i.zone && e.ts === i.from);
      first = Math.min(first, Math.max(enter?.detectedAt ?? i.from, stay.from));
    }
    if (Number.isFinite(first)) {
      all.push(first - stay.from);
      bucket.latencies.push(first - stay.from);
    } else {
      allMisses++;
      bucket.misses++;
    }
  }
  const byAdvertIntervalMs: Record<string, LatencyFigures> = {};
  for (const [key, bucket] of [...byInterval].sort((a, b) => a[0] - b[0]))
    byAdvertIntervalMs[String(key)] = latencyFigures(bucket.latencies, bucket.misses);

  let reportedChanges = 0;
  for (const [subject, list] of reported) if (truthBySubject.has(subject)) reportedChanges += list.length;
  const truthChanges = truth.length;

  const windowTotal = subjects.size * Math.max(0, windowEnd - windowStart);
  return {
    accuracy: windowTotal === 0 ? 1 : 1 - (total - agree) / windowTotal,
    accuracyWhilePresent: total === 0 ? 1 : agree / total,
    truthSubjects: truthBySubject.size,
    reportedSubjects: reported.size,
    spuriousSubjects: [...reported.keys()].filter((s) => !truthBySubject.has(s)).sort(),
    missingSubjects: [...truthBySubject.keys()].filter((s) => !reported.has(s)).sort(),
    enterLatency: { ...latencyFigures(all, allMisses), byAdvertIntervalMs },
    changes: {
      reported: reportedChanges,
      truth: truthChanges,
      ratio: truthChanges === 0 ? 0 : reportedChanges / truthChanges,
    },
  };
}
