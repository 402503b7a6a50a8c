import type {
  Clock,
  Occupancy,
  PresenceEvent,
  PresenceTuning,
  SightingsBatch,
  TimerHandle,
  TraceRecord,
  Venue,
} from "@proxima/shared";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import { AdvertDecoder, type BeaconHealth } from "../ble/decode.js";
import { AnonymousCounter } from "./anonymous.js";
import { ScannerCalibration } from "./calibration.js";
import { type ResolvedTuning, resolveTuning } from "./tuning.js";
import { type Transition, ZoneTracker } from "./zone-tracker.js";

export interface PresencePipelineOptions {
  venue: Venue;
  /**
   * With a clock the pipeline runs live: a timer advances it so presences end when
   * their subjects go quiet. Without one, time is the trace's (`observe`, `advanceTo`).
   */
  clock?: Clock;
  /** overrides on top of the venue's `tuning` */
  tuning?: PresenceTuning;
  logger?: Logger;
  /** live tick, ms (default 500) */
  tickMs?: number;
  /** Prometheus registry for the pipeline's metrics (read at scrape time, free per advert) */
  registry?: Registry;
}

export interface PipelineStats {
  adverts: number;
  subjectAdverts: number;
  anonymousAdverts: number;
  unknownScannerAdverts: number;
  fixedBeaconAdverts: number;
  trackedSubjects: number;
  present: number;
}

export interface PresencePipeline {
  /** One advertisement, at its own `ts` (virtual time moves forward to it first). */
  observe(ad: TraceRecord): void;
  /** A satellite's batch from `scanner/<id>/sightings`, already validated (live: re-timed to our clock). */
  ingestSightings(batch: SightingsBatch): void;
  /** Moves (virtual) time forward: away timeouts fire. */
  advanceTo(ts: number): void;
  /** Closes every open presence at `ts` and stops the live timer. */
  close(ts: number): void;
  /** Presence enter/exit events; returns an unsubscribe function. */
  onPresence(listener: (event: PresenceEvent) => void): () => void;
  /** Occupancy of a zone after it changed; returns an unsubscribe function. */
  onOccupancy(listener: (zoneId: string, occupancy: Occupancy) => void): () => void;
  /** Current occupancy per zone id (every venue zone is present). */
  occupancy(): Map<string, Occupancy>;
  /**
   * Outside proof of where a subject is (a kiosk identified its wearer): moves it there
   * now and learns its beacon's real 1 m power. False if the subject is not being heard
   * or the zone is unknown.
   */
  anchor(subject: string, zoneId: string, ts: number): boolean;
  /** The zone a subject is in now, or null. */
  zoneOf(subject: string): string | null;
  /** Eddystone-TLM health per beacon subject. */
  beaconHealth(): Map<string, BeaconHealth & { ts: number }>;
  /** Distinct anonymous (non-beacon) devices today, from the salted-hash sketch. */
  anonymousFootfall(): { day: string | null; devices: number };
  /** Per-scanner gain/exponent currently in use. */
  calibration(): { scanner: string; gainDb: number; exponent: number }[];
  stats(): PipelineStats;
  readonly tuning: ResolvedTuning;
}

const REFIT_EVERY_MS = 5000;
const SWEEP_EVERY_MS = 60_000;
const ADDRESS_LINK_MS = 5 * 60_000;
/** a beacon's last TLM report is kept this long (then it is gone from the venue) */
const HEALTH_KEEP_MS = 24 * 3_600_000;

/**
 * Advertisements in, presence events and occupancy out: decode → (fixed beacon →
 * calibration | subject → filter + zone tracker | anonymous → salted-hash count).
 */
export function createPresencePipeline(options: PresencePipelineOptions): PresencePipeline {
  const { venue, clock, logger } = options;
  const tuning = resolveTuning(venue.tuning, options.tuning);
  const scannerIndex = new Map(venue.scanners.map((s, i) => [s.id, i] as const));
  const scannerIds = venue.scanners.map((s) => s.id);
  const zoneIds = venue.zones.map((z) => z.id);
  const calibration = new ScannerCalibration(venue, tuning.autoCalibrate, tuning.defaultMeasuredPower);
  const configuredPower = new Map<string, number>();
  for (const b of venue.beacons ?? [])
    if (b.measuredPower !== undefined) configuredPower.set(b.subject, b.measuredPower);
  const decoder = new AdvertDecoder();
  const anonymous = new AnonymousCounter();
  const health = new Map<string, BeaconHealth & { ts: number }>();
  /** address → Eddystone subject, so TLM frames (which carry no id) reach their beacon */
  const addressSubject = new Map<string, { subject: string; ts: number }>();
  const counts = new Int32Array(venue.zones.length);
  const occupancyTs = new Float64Array(venue.zones.length);
  const presenceListeners = new Set<(e: PresenceEvent) => void>();
  const occupancyListeners = new Set<(zoneId: string, o: Occupancy) => void>();
  const unknownScanners = new Set<string>();
  const stats = {
    adverts: 0,
    subjectAdverts: 0,
    anonymousAdverts: 0,
    unknownScannerAdverts: 0,
    fixedBeaconAdverts: 0,
  };
  let nextRefit = Number.NEGATIVE_INFINITY;
  let nextSweep = Number.NEGATIVE_INFINITY;
  let present = 0;
  let closed = false;

  const emitPresence = (event: PresenceEvent) => {
    for (const listener of presenceListeners) listener(event);
  };
  const changeOccupancy = (zone: number, delta: number, ts: number) => {
    counts[zone] = counts[zone]! + delta;
    occupancyTs[zone] = ts;
    const occupancy = { count: counts[zone]!, ts };
    for (const listener of occupancyListeners) listener(zoneIds[zone]!, occupancy);
  };

  const onTransition = (t: Transition) => {
    if (t.from !== -1) {
      present--;
      emitPresence({
        type: "exit",
        ts: t.ts,
        venueId: venue.venueId,
        zone: zoneIds[t.from]!,
        subject: t.subject,
        dwellMs: Math.max(0, t.ts - t.fromSince),
        detectedAt: t.detectedAt,
      });
      changeOccupancy(t.from, -1, t.detectedAt);
    }
    if (t.to !== -1) {
      present++;
      emitPresence({
        type: "enter",
        ts: t.ts,
        venueId: venue.venueId,
        zone: zoneIds[t.to]!,
        subject: t.subject,
        detectedAt: t.detectedAt,
      });
      changeOccupancy(t.to, +1, t.detectedAt);
    }
  };
  const tracker = new ZoneTracker(venue, tuning, calibration, onTransition, configuredPower);

  const housekeeping = (ts: number) => {
    if (ts >= nextRefit) {
      calibration.refit();
      nextRefit = ts + REFIT_EVERY_MS;
    }
    if (ts >= nextSweep) {
      if (nextSweep !== Number.NEGATIVE_INFINITY) {
        tracker.forgetIdle(ts);
        for (const [address, link] of addressSubject)
          if (ts - link.ts > ADDRESS_LINK_MS) addressSubject.delete(address);
        for (const [subject, h] of health) if (ts - h.ts > HEALTH_KEEP_MS) health.delete(subject);
      }
      nextSweep = ts + SWEEP_EVERY_MS;
    }
  };

  let lastAdvance = Number.NEGATIVE_INFINITY;
  const advanceTo = (ts: number) => {
    if (ts < lastAdvance + 100) return;
    lastAdvance = ts;
    tracker.advanceTo(ts);
    housekeeping(ts);
  };

  const observe = (ad: TraceRecord) => {
    if (closed) return;
    stats.adverts++;
    const scanner = scannerIndex.get(ad.scanner);
    if (scanner === undefined) {
      stats.unknownScannerAdverts++;
      if (!unknownScanners.has(ad.scanner) && unknownScanners.size < 100) {
        unknownScanners.add(ad.scanner);
        logger?.warn(
          { scanner: ad.scanner },
          "advertisement from a scanner the venue file does not list; ignored",
        );
      }
      return;
    }
    advanceTo(ad.ts);
    const info = decoder.decode(ad);
    const subject = info.subject;
    if (subject === null) {
      if (info.health !== null) {
        const link = addressSubject.get(ad.address);
        if (link) health.set(link.subject, { ...info.health, ts: ad.ts });
        return;
      }
      if (info.frames.length === 0) {
        stats.anonymousAdverts++;
        anonymous.observe(ad.address, ad.ts);
      }
      return;
    }
    const fixed = calibration.fixedIndex.get(subject);
    if (fixed !== undefined) {
      // wall beacons calibrate scanners; they are infrastructure, not visitors
      stats.fixedBeaconAdverts++;
      calibration.observeFixed(scanner, fixed, ad.rssi);
      return;
    }
    stats.subjectAdverts++;
    if (subject.charCodeAt(0) === 101 /* "e"ddystone */) {
      const link = addressSubject.get(ad.address);
      if (link === undefined || link.subject !== subject)
        addressSubject.set(ad.address, { subject, ts: ad.ts });
      else link.ts = ad.ts;
    }
    tracker.observe(subject, scanner, ad.rssi, ad.ts, info.measuredPower);
  };

  if (options.registry)
    registerPipelineMetrics(options.registry, {
      stats: () => ({ ...stats, trackedSubjects: tracker.trackedSubjects, present }),
      occupancy: () => zoneIds.map((zone, i) => [zone, counts[i]!] as const),
      anonymous: () => anonymous.estimate().devices,
    });

  let timer: TimerHandle | undefined;
  const tickMs = options.tickMs ?? 500;
  const tick = () => {
    timer = undefined;
    if (closed || !clock) return;
    advanceTo(clock.now());
    timer = clock.setTimeout(tick, tickMs);
  };
  if (clock) timer = clock.setTimeout(tick, tickMs);

  return {
    tuning,
    observe,
    ingestSightings(batch) {
      // live: a satellite's clock is not ours; its batch says when it was sent by its
      // clock, so move its records onto ours (transit delay on a store LAN is ms)
      const skew = clock ? clock.now() - batch.ts : 0;
      if (Math.abs(skew) < 50) for (const record of batch.records) observe(record);
      else
        for (const record of batch.records)
          observe({ ...record, ts: Math.max(0, Math.round(record.ts + skew)) });
    },
    advanceTo(ts) {
      if (!closed) advanceTo(ts);
    },
    close(ts) {
      if (closed) return;
      tracker.advanceTo(ts);
      tracker.close(ts);
      closed = true;
      if (timer && clock) clock.clearTimeout(timer);
      timer = undefined;
    },
    onPresence(listener) {
      presenceListeners.add(listener);
      return () => presenceListeners.delete(listener);
    },
    onOccupancy(listener) {
      occupancyListeners.add(listener);
      return () => occupancyListeners.delete(listener);
    },
    occupancy() {
      return new Map(zoneIds.map((id, i) => [id, { count: counts[i]!, ts: occupancyTs[i]! }] as const));
    },
    anchor(subject, zoneId, ts) {
      const zone = zoneIds.indexOf(zoneId);
      if (zone === -1 || closed) return false;
      advanceTo(ts);
      return tracker.anchor(subject, zone, ts);
    },
    zoneOf(subject) {
      const z = tracker.zoneOf(subject);
      return z === -1 ? null : zoneIds[z]!;
    },
    beaconHealth: () => new Map(health),
    anonymousFootfall: () => anonymous.estimate(),
    calibration: () => calibration.describe(scannerIds),
    stats: () => ({ ...stats, trackedSubjects: tracker.trackedSubjects, present }),
  };
}

function registerPipelineMetrics(
  registry: Registry,
  read: {
    stats: () => PipelineStats;
    occupancy: () => (readonly [string, number])[];
    anonymous: () => number;
  },
): void {
  new Counter({
    name: "proxima_ble_adverts_total",
    help: "Advertisements through the presence pipeline, by what they were",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      const s = read.stats();
      this.reset();
      this.inc({ kind: "subject" }, s.subjectAdverts);
      this.inc({ kind: "anonymous" }, s.anonymousAdverts);
      this.inc({ kind: "fixed_beacon" }, s.fixedBeaconAdverts);
      this.inc({ kind: "unknown_scanner" }, s.unknownScannerAdverts);
      this.inc(
        { kind: "other" },
        s.adverts - s.subjectAdverts - s.anonymousAdverts - s.fixedBeaconAdverts - s.unknownScannerAdverts,
      );
    },
  });
  new Gauge({
    name: "proxima_presence_subjects",
    help: "Subjects the tracker holds state for, and those present in a zone now",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const s = read.stats();
      this.set({ state: "tracked" }, s.trackedSubjects);
      this.set({ state: "present" }, s.present);
    },
  });
  new Gauge({
    name: "proxima_zone_occupancy",
    help: "Subjects in each zone now",
    labelNames: ["zone"],
    registers: [registry],
    collect() {
      for (const [zone, count] of read.occupancy()) this.set({ zone }, count);
    },
  });
  new Gauge({
    name: "proxima_anonymous_devices_today",
    help: "Distinct non-beacon devices today (salted-hash sketch estimate)",
    registers: [registry],
    collect() {
      this.set(read.anonymous());
    },
  });
}
