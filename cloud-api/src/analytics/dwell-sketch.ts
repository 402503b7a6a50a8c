/**
 * Dwell-time sketch: a fixed log-scale histogram, so zone-hour rollups merge by plain
 * addition and percentiles over any range come from summed counts, never raw visits.
 * Bucket i holds dwells in [1 s·1.25^i, 1 s·1.25^(i+1)); bucket 0 also takes shorter
 * ones, the last bucket everything from ~10 h up. The reported value is the bucket's
 * geometric midpoint: within ±12 % of the true percentile inside the range.
 */
export const DWELL_BUCKETS = 48;
const BASE_MS = 1000;
const RATIO = 1.25;
const LOG_RATIO = Math.log(RATIO);

export function dwellBucket(dwellMs: number): number {
  if (dwellMs < BASE_MS * RATIO) return 0;
  const i = Math.floor(Math.log(dwellMs / BASE_MS) / LOG_RATIO);
  return Math.min(DWELL_BUCKETS - 1, Math.max(0, i));
}

/** The value a bucket stands for: geometric midpoint of its edges (bucket 0: 1 s). */
export function bucketValue(i: number): number {
  if (i === 0) return BASE_MS;
  return Math.round(BASE_MS * RATIO ** (i + 0.5));
}

export function emptySketch(): number[] {
  return new Array<number>(DWELL_BUCKETS).fill(0);
}

export function mergeInto(target: number[], source: readonly number[]): number[] {
  for (let i = 0; i < DWELL_BUCKETS; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
  return target;
}

/** Nearest-rank percentile (p in 0..100) of the sketched dwells, or null when empty. */
export function sketchPercentile(sketch: readonly number[], p: number): number | null {
  let total = 0;
  for (const n of sketch) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < DWELL_BUCKETS; i++) {
    seen += sketch[i] ?? 0;
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(DWELL_BUCKETS - 1);
}
