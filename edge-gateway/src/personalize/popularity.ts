/**
 * What is being poured at this venue lately: counts per product over a sliding window
 * of fixed buckets, fed by the kiosks' `product.chosen` / `pour.completed` events.
 * The anonymous shopper's default is "popular here right now".
 */
export class PopularityWindow {
  private readonly buckets = new Map<number, Map<string, number>>();
  private ranked: { at: number; ids: string[] } | null = null;

  constructor(
    private readonly windowMs = 60 * 60_000,
    private readonly bucketMs = 5 * 60_000,
  ) {}

  record(productId: string, ts: number): void {
    const bucket = Math.floor(ts / this.bucketMs);
    let counts = this.buckets.get(bucket);
    if (!counts) {
      counts = new Map();
      this.buckets.set(bucket, counts);
    }
    counts.set(productId, (counts.get(productId) ?? 0) + 1);
    this.ranked = null;
  }

  /** product ids by count in the window ending at `now`, most first (ties by id) */
  top(now: number, n = 10): string[] {
    const current = Math.floor(now / this.bucketMs);
    if (this.ranked && this.ranked.at === current) return this.ranked.ids.slice(0, n);
    const oldest = current - Math.ceil(this.windowMs / this.bucketMs) + 1;
    const totals = new Map<string, number>();
    for (const [bucket, counts] of this.buckets) {
      if (bucket < oldest) {
        this.buckets.delete(bucket);
        continue;
      }
      if (bucket > current) continue;
      for (const [id, count] of counts) totals.set(id, (totals.get(id) ?? 0) + count);
    }
    const ids = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
    this.ranked = { at: current, ids };
    return ids.slice(0, n);
  }
}
