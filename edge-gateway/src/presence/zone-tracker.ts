import type { Venue } from "@proxima/shared";
import type { ScannerCalibration } from "./calibration.js";
import type { ResolvedTuning } from "./tuning.js";

/** A zone change the tracker decided; `from`/`to` are zone indexes, −1 = nowhere. */
export interface Transition {
  subject: string;
  from: number;
  to: number;
  /** best estimate of when the move happened (≤ detectedAt) */
  ts: number;
  /** when the tracker decided */
  detectedAt: number;
  /** `ts` of the subject's entry into `from` */
  fromSince: number;
}

interface SubjectState {
  subject: string;
  measuredPower: number;
  /** configured measured power wins over the frame's own byte */
  powerConfigured: boolean;
  /** per scanner: filtered RSSI, its variance, and the last reading's time */
  est: Float64Array;
  variance: Float64Array;
  last: Float64Array;
  lastHeard: number;
  /** first reading since the subject was last nowhere */
  visitStart: number;
  lastAdvertTs: number;
  intervalMs: number;
  zone: number;
  /** decision time of the current zone (minimum dwell counts from here) */
  zoneSince: number;
  /** event time of the current zone's enter */
  enteredTs: number;
  candidate: number;
  candidateSince: number;
  /** since when some other zone (or, outside, any zone) has looked closest, without margin */
  betterSince: number;
}

const NEVER = Number.NEGATIVE_INFINITY;
/** where a shopper stands from the kiosk's scanner when they tap it, metres */
const ANCHOR_DISTANCE_M = 0.7;
/** distinct adverts of one device are at least this far apart (BLE minimum interval is 20 ms) */
const SAME_ADVERT_MS = 15;
/** state of a subject unheard for this long is dropped (its presence ended long before) */
const FORGET_AFTER_MS = 15 * 60_000;

/**
 * Per subject and scanner RSSI filter plus the zone decision.
 *
 * Filter: a scalar Kalman filter per (subject, scanner) over RSSI in dBm, whose process
 * noise grows with the time since the last reading (walking people change signal
 * fast), and which down-weights readings far *below* the estimate: deep fades and body
 * shadowing only ever take signal away.
 *
 * Zone: every fresh reading becomes a distance through the scanner's calibration and
 * the beacon's measured power; the zone of the nearest scanner is the candidate. A
 * subject moves to it only when it looks `enterMarginDb` closer than the current zone
 * (hysteresis), has stayed the candidate for `switchConfirmMs` (scaled to the subject's
 * advertising interval), and the subject has been in its zone for `minDwellMs`. No
 * advert from any scanner for `awayTimeoutMs` ends the presence at the last time heard.
 */
export class ZoneTracker {
  private readonly subjects = new Map<string, SubjectState>();
  private readonly present = new Set<SubjectState>();
  private readonly zoneOfScanner: Int32Array;
  private readonly nScanners: number;
  private readonly zoneScore: Float64Array;
  private now = NEVER;

  constructor(
    venue: Venue,
    private readonly tuning: ResolvedTuning,
    private readonly calibration: ScannerCalibration,
    private readonly onTransition: (t: Transition) => void,
    private readonly configuredPower: ReadonlyMap<string, number> = new Map(),
  ) {
    const zoneIndex = new Map(venue.zones.map((z, i) => [z.id, i] as const));
    this.zoneOfScanner = Int32Array.from(venue.scanners.map((s) => zoneIndex.get(s.zone)!));
    this.nScanners = venue.scanners.length;
    this.zoneScore = new Float64Array(venue.zones.length);
  }

  get time(): number {
    return this.now;
  }

  get trackedSubjects(): number {
    return this.subjects.size;
  }

  /** One reading of `subject` by scanner index `scanner`. */
  observe(subject: string, scanner: number, rssi: number, ts: number, framePower: number | null): void {
    if (ts > this.now) this.now = ts;
    let s = this.subjects.get(subject);
    if (s === undefined) {
      const configured = this.configuredPower.get(subject);
      s = {
        subject,
        measuredPower: configured ?? framePower ?? this.tuning.defaultMeasuredPower,
        powerConfigured: configured !== undefined,
        est: new Float64Array(this.nScanners),
        variance: new Float64Array(this.nScanners),
        last: new Float64Array(this.nScanners).fill(NEVER),
        lastHeard: ts,
        visitStart: ts,
        lastAdvertTs: NEVER,
        intervalMs: 0,
        zone: -1,
        zoneSince: ts,
        enteredTs: ts,
        candidate: -1,
        candidateSince: ts,
        betterSince: ts,
      };
      this.subjects.set(subject, s);
    } else if (!s.powerConfigured && framePower !== null) {
      s.measuredPower = framePower;
    }
    if (s.zone === -1 && s.candidate === -1 && ts - s.lastHeard > this.awayMs(s)) s.visitStart = ts;
    if (ts > s.lastHeard) s.lastHeard = ts;

    // advertising interval: gaps between distinct adverts, robust to the ones nobody heard
    const gap = ts - s.lastAdvertTs;
    if (gap >= SAME_ADVERT_MS) {
      if (s.lastAdvertTs !== NEVER && gap < 10_000) {
        s.intervalMs =
          s.intervalMs === 0 ? gap : 0.85 * s.intervalMs + 0.15 * Math.min(gap, 2 * s.intervalMs);
      }
      s.lastAdvertTs = ts;
    }

    this.filter(s, scanner, rssi, ts);
    this.decide(s, ts);
  }

  private filter(s: SubjectState, k: number, z: number, ts: number): void {
    const r = this.tuning.measurementNoiseDb ** 2;
    const lastTs = s.last[k]!;
    const dt = (ts - lastTs) / 1000;
    if (lastTs === NEVER || dt * 1000 > this.staleMs(s)) {
      s.est[k] = z;
      s.variance[k] = r;
      s.last[k] = ts;
      return;
    }
    const p = s.variance[k]! + this.tuning.processNoiseDb2PerS * Math.max(0, dt);
    const innovation = z - s.est[k]!;
    // a reading far below the estimate is most likely a fade or a body in the way
    const rEff = innovation < -2.5 * Math.sqrt(p + r) ? 9 * r : r;
    const gain = p / (p + rEff);
    s.est[k] = s.est[k]! + gain * innovation;
    s.variance[k] = (1 - gain) * p;
    if (ts > lastTs) s.last[k] = ts;
  }

  private staleMs(s: SubjectState): number {
    return Math.max(this.tuning.staleAfterMs, 6 * s.intervalMs);
  }

  private awayMs(s: SubjectState): number {
    return Math.max(this.tuning.awayTimeoutMs, 10 * s.intervalMs);
  }

  private confirmMs(s: SubjectState): number {
    return Math.max(this.tuning.switchConfirmMs, 1.5 * s.intervalMs);
  }

  private decide(s: SubjectState, now: number): void {
    const scores = this.zoneScore;
    scores.fill(Number.POSITIVE_INFINITY);
    const stale = now - this.staleMs(s);
    const cal = this.calibration;
    for (let k = 0; k < this.nScanners; k++) {
      if (s.last[k]! < stale) continue;
      const l = cal.logDistanceOf(k, s.est[k]!, s.measuredPower);
      const z = this.zoneOfScanner[k]!;
      if (l < scores[z]!) scores[z] = l;
    }
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    let secondScore = Number.POSITIVE_INFINITY;
    for (let z = 0; z < scores.length; z++) {
      const score = scores[z]!;
      if (score < bestScore) {
        secondScore = bestScore;
        bestScore = score;
        best = z;
      } else if (score < secondScore) secondScore = score;
    }
    if (best === -1) return;
    if (best === s.zone) {
      // one reading in favour of the current zone does not wipe out the evidence for a
      // move: only a clear lead does (noise near a border flips the order every few adverts)
      if (20 * (secondScore - bestScore) >= this.tuning.enterMarginDb / 2) {
        s.candidate = -1;
        s.betterSince = Number.POSITIVE_INFINITY;
      }
      return;
    }
    if (s.betterSince > now) s.betterSince = now;
    if (s.zone !== -1) {
      const current = scores[s.zone]!;
      // free-space equivalent dB: 20·Δlog10(d)
      if (20 * (current - bestScore) < this.tuning.enterMarginDb) return;
    }
    if (s.candidate !== best) {
      s.candidate = best;
      // entering: the evidence is being heard at all, whichever zone leads at the moment
      // (a subject standing on a border must still be entered, into the leading zone)
      s.candidateSince = s.zone === -1 ? Math.min(now, s.betterSince) : now;
    }
    if (now - s.candidateSince < this.confirmMs(s)) return;
    if (s.zone !== -1 && now - s.zoneSince < this.tuning.minDwellMs) return;
    const from = s.zone;
    const fromSince = s.enteredTs;
    // date the move when the evidence for it began: the filter and the confirmation
    // delay are the tracker's, not the subject's (the decision time goes in detectedAt)
    const ts = Math.min(now, Math.max(s.betterSince, from === -1 ? s.visitStart : s.enteredTs));
    s.zone = best;
    s.zoneSince = now;
    s.enteredTs = ts;
    s.candidate = -1;
    s.betterSince = Number.POSITIVE_INFINITY;
    this.present.add(s);
    this.onTransition({ subject: s.subject, from, to: best, ts, detectedAt: now, fromSince });
  }

  /** Virtual time passes: presences of subjects unheard for the away timeout end. */
  advanceTo(ts: number): void {
    if (ts > this.now) this.now = ts;
    for (const s of this.present) {
      if (ts - s.lastHeard <= this.awayMs(s)) continue;
      const from = s.zone;
      const fromSince = s.enteredTs;
      s.zone = -1;
      s.candidate = -1;
      s.betterSince = Number.POSITIVE_INFINITY;
      this.present.delete(s);
      // the subject was last heard at lastHeard: that is when it left
      this.onTransition({
        subject: s.subject,
        from,
        to: -1,
        ts: Math.max(s.lastHeard, fromSince),
        detectedAt: ts,
        fromSince,
      });
    }
  }

  /** Drops the state of subjects unheard for a long time (memory stays bounded). */
  forgetIdle(ts: number): void {
    for (const [key, s] of this.subjects) {
      if (s.zone === -1 && ts - s.lastHeard > FORGET_AFTER_MS) this.subjects.delete(key);
    }
  }

  /** Ends every open presence at `ts`. */
  close(ts: number): void {
    if (ts > this.now) this.now = ts;
    for (const s of this.present) {
      const from = s.zone;
      s.zone = -1;
      s.candidate = -1;
      const at = Math.max(ts, s.enteredTs);
      this.onTransition({ subject: s.subject, from, to: -1, ts: at, detectedAt: at, fromSince: s.enteredTs });
    }
    this.present.clear();
  }

  /**
   * Ground truth from outside the radio: the subject was just identified at `zone` (a
   * kiosk tap, a QR scan). The subject is put there now, and its beacon's 1 m power is
   * learned from what the zone's best scanner hears of it, taking the shopper to stand
   * `ANCHOR_DISTANCE_M` from it: phones and tags differ by several dB from their
   * advertised calibration. Returns false when the subject was never heard.
   */
  anchor(subject: string, zone: number, ts: number): boolean {
    const s = this.subjects.get(subject);
    if (s === undefined || ts - s.lastHeard > this.awayMs(s)) return false;
    let best = Number.NEGATIVE_INFINITY;
    let bestScanner = -1;
    for (let k = 0; k < this.nScanners; k++) {
      if (this.zoneOfScanner[k] !== zone || s.last[k]! < ts - this.staleMs(s)) continue;
      if (s.est[k]! > best) {
        best = s.est[k]!;
        bestScanner = k;
      }
    }
    if (bestScanner !== -1 && !s.powerConfigured) {
      const cal = this.calibration;
      const learned =
        best - cal.gain[bestScanner]! + 10 * cal.exponent[bestScanner]! * Math.log10(ANCHOR_DISTANCE_M);
      // bounded: one odd reading must not make a tag look like a lighthouse
      s.measuredPower = Math.max(-80, Math.min(-40, learned));
      s.powerConfigured = true;
    }
    if (s.zone !== zone) {
      const from = s.zone;
      const fromSince = s.enteredTs;
      const at = Math.max(ts, s.enteredTs);
      s.zone = zone;
      s.zoneSince = at;
      s.enteredTs = at;
      s.candidate = -1;
      s.betterSince = Number.POSITIVE_INFINITY;
      this.present.add(s);
      this.onTransition({ subject, from, to: zone, ts: at, detectedAt: at, fromSince });
    }
    return true;
  }

  /** Current zone index of a subject, −1 when nowhere. */
  zoneOf(subject: string): number {
    return this.subjects.get(subject)?.zone ?? -1;
  }

  /** The 1 m power the tracker uses for a subject (configured, from its frames, or anchored). */
  measuredPowerOf(subject: string): number | null {
    return this.subjects.get(subject)?.measuredPower ?? null;
  }

  intervalOf(subject: string): number {
    return this.subjects.get(subject)?.intervalMs ?? 0;
  }
}
