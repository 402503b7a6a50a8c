import type { Venue } from "@proxima/shared";

/**
 * Per-scanner radio calibration: RSSI = P₁ₘ + gain − 10·n·log10(d).
 *
 * Scanners differ (antenna, enclosure, mounting), so a venue tracker that assumes
 * one gain and free space misplaces people near zone borders. Fixed wall beacons
 * never move and their positions are in the venue file, so every scanner can fit its
 * own `gain` and path-loss exponent `n` from what it hears of them: a weighted least
 * squares line through (10·log10 d, rssi − P₁ₘ). Configured `rssiOffset` /
 * `pathLossExponent` are the starting point and the fallback.
 */
export class ScannerCalibration {
  /** dB: what this scanner reads above a reference scanner */
  readonly gain: Float64Array;
  /** path-loss exponent */
  readonly exponent: Float64Array;
  /** fixed beacon subject → index */
  readonly fixedIndex = new Map<string, number>();
  private readonly fixedPower: Float64Array;
  /** [scanner * nFixed + beacon]: 10·log10(distance) */
  private readonly logDistance: Float64Array;
  private readonly mean: Float64Array;
  private readonly count: Float64Array;
  private readonly configuredGain: Float64Array;
  private readonly configuredExponent: Float64Array;

  constructor(
    venue: Venue,
    private readonly auto: boolean,
    defaultMeasuredPower: number,
  ) {
    const scanners = venue.scanners;
    const fixed = (venue.beacons ?? []).filter((b) => b.fixed !== undefined);
    this.gain = new Float64Array(scanners.map((s) => -(s.rssiOffset ?? 0)));
    this.exponent = new Float64Array(scanners.map((s) => s.pathLossExponent ?? 2));
    this.configuredGain = this.gain.slice();
    this.configuredExponent = this.exponent.slice();
    this.fixedPower = new Float64Array(fixed.map((b) => b.measuredPower ?? defaultMeasuredPower));
    fixed.forEach((b, i) => {
      this.fixedIndex.set(b.subject, i);
    });
    const n = fixed.length;
    this.logDistance = new Float64Array(scanners.length * n);
    this.mean = new Float64Array(scanners.length * n);
    this.count = new Float64Array(scanners.length * n);
    scanners.forEach((s, si) => {
      fixed.forEach((b, bi) => {
        const d = Math.max(
          0.5,
          Math.hypot(s.position.x - b.fixed!.position.x, s.position.y - b.fixed!.position.y),
        );
        this.logDistance[si * n + bi] = 10 * Math.log10(d);
      });
    });
  }

  get fixedCount(): number {
    return this.fixedPower.length;
  }

  /** A reading of fixed beacon `beacon` by scanner `scanner`. */
  observeFixed(scanner: number, beacon: number, rssi: number): void {
    const k = scanner * this.fixedPower.length + beacon;
    const c = this.count[k]!;
    if (c < 30) {
      this.mean[k] = (this.mean[k]! * c + rssi) / (c + 1);
    } else {
      // deep fades only ever pull a reading down: clip them so the mean stays honest
      const v = Math.max(rssi, this.mean[k]! - 10);
      this.mean[k] = this.mean[k]! + 0.02 * (v - this.mean[k]!);
    }
    this.count[k] = c + 1;
  }

  /** Refits every scanner from the wall-beacon readings so far. */
  refit(): void {
    if (!this.auto || this.fixedPower.length === 0) return;
    const nb = this.fixedPower.length;
    for (let s = 0; s < this.gain.length; s++) {
      let maxCount = 0;
      for (let b = 0; b < nb; b++) maxCount = Math.max(maxCount, this.count[s * nb + b]!);
      if (maxCount < 10) continue;
      // far beacons are heard only when they happen to be strong: keep the well-heard ones
      const minCount = Math.max(10, 0.5 * maxCount);
      let sw = 0;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      for (let b = 0; b < nb; b++) {
        const k = s * nb + b;
        if (this.count[k]! < minCount) continue;
        const x = this.logDistance[k]!;
        const y = this.mean[k]! - this.fixedPower[b]!;
        sw += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      if (sw === 0) continue;
      const varX = sxx / sw - (sx / sw) ** 2;
      let n = this.configuredExponent[s]!;
      if (sw >= 3 && varX >= 2) {
        // y = gain − n·x
        const slope = (sxy / sw - (sx / sw) * (sy / sw)) / varX;
        n = Math.min(4.5, Math.max(1.5, -slope));
      }
      this.exponent[s] = n;
      this.gain[s] = (sy + n * sx) / sw;
    }
  }

  /** log10 of the estimated distance from scanner `s` for a filtered reading. */
  logDistanceOf(s: number, rssi: number, measuredPower: number): number {
    return (measuredPower + this.gain[s]! - rssi) / (10 * this.exponent[s]!);
  }

  describe(scannerIds: readonly string[]): { scanner: string; gainDb: number; exponent: number }[] {
    return scannerIds.map((id, i) => ({
      scanner: id,
      gainDb: Math.round(this.gain[i]! * 10) / 10,
      exponent: Math.round(this.exponent[i]! * 100) / 100,
    }));
  }

  /** For tests: back to the configured values. */
  reset(): void {
    this.gain.set(this.configuredGain);
    this.exponent.set(this.configuredExponent);
  }
}
