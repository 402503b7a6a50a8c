import type { PresenceTuning } from "@proxima/shared";

/** Every tracker parameter with its working default (venue `tuning` overrides any of them). */
export interface ResolvedTuning {
  /** 1 m RSSI assumed for beacons whose frame carries no plausible calibration */
  defaultMeasuredPower: number;
  /** a zone must look this many dB (free-space equivalent) closer than the current one */
  enterMarginDb: number;
  /** a subject stays at least this long in a zone before it may be moved on */
  minDwellMs: number;
  /** no advert from any scanner for this long (or 10 advertising intervals) ends the presence */
  awayTimeoutMs: number;
  /** a better zone must stay better this long (or 1.5 advertising intervals) */
  switchConfirmMs: number;
  processNoiseDb2PerS: number;
  measurementNoiseDb: number;
  staleAfterMs: number;
  autoCalibrate: boolean;
}

export const DEFAULT_TUNING: ResolvedTuning = Object.freeze({
  defaultMeasuredPower: -59,
  enterMarginDb: 3,
  minDwellMs: 1500,
  awayTimeoutMs: 8000,
  switchConfirmMs: 300,
  processNoiseDb2PerS: 12,
  measurementNoiseDb: 5,
  staleAfterMs: 2500,
  autoCalibrate: true,
});

export function resolveTuning(...layers: (PresenceTuning | undefined)[]): ResolvedTuning {
  const out: ResolvedTuning = { ...DEFAULT_TUNING };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}
