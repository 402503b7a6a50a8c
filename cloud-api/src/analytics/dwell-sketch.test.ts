import { describe, expect, it } from "vitest";
import {
  bucketValue,
  DWELL_BUCKETS,
  dwellBucket,
  emptySketch,
  mergeInto,
  sketchPercentile,
} from "./dwell-sketch.js";

describe("dwell sketch", () => {
  it("answers percentiles within ±12.5 % of the exact nearest-rank value", () => {
    const dwells = Array.from({ length: 1000 }, (_, i) => 2_000 + i * i * 7);
    const sketch = emptySketch();
    for (const d of dwells) sketch[dwellBucket(d)]!++;
    const sorted = [...dwells].sort((a, b) => a - b);
    for (const p of [50, 90, 99]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      expect(Math.abs(sketchPercentile(sketch, p)! - exact) / exact).toBeLessThanOrEqual(0.125);
    }
  });

  it("merges by addition: the merged sketch equals the sketch of all values", () => {
    const a = emptySketch();
    const b = emptySketch();
    const all = emptySketch();
    for (let i = 0; i < 500; i++) {
      const d = 1000 + i * 3_000;
      (i % 2 ? a : b)[dwellBucket(d)]!++;
      all[dwellBucket(d)]!++;
    }
    expect(mergeInto(a, b)).toEqual(all);
  });

  it("clamps very short and very long dwells into the end buckets; empty answers null", () => {
    expect(dwellBucket(0)).toBe(0);
    expect(dwellBucket(10 * 86_400_000)).toBe(DWELL_BUCKETS - 1);
    expect(bucketValue(0)).toBe(1000);
    expect(sketchPercentile(emptySketch(), 50)).toBeNull();
  });
});
