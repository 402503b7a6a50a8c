/**
 * Hourly rollup rows' JSON text kept in memory between footfall queries, bounded by
 * size (least recently used out first). Every query still asks the database for the
 * rows' current versions and re-reads only rows whose version changed, so a cached row
 * is never served stale, whichever instance wrote it.
 */
export class RowTextCache {
  private rows = new Map<string, { version: number; text: string }>();
  private chars = 0;

  constructor(private readonly maxChars = 64 * 1024 * 1024) {}

  get(key: string, version: number): string | undefined {
    const hit = this.rows.get(key);
    if (!hit || hit.version !== version) return undefined;
    // refresh its place in the LRU order
    this.rows.delete(key);
    this.rows.set(key, hit);
    return hit.text;
  }

  set(key: string, version: number, text: string): void {
    const old = this.rows.get(key);
    if (old) {
      this.chars -= old.text.length;
      this.rows.delete(key);
    }
    if (text.length > this.maxChars) return;
    this.rows.set(key, { version, text });
    this.chars += text.length;
    for (const [k, v] of this.rows) {
      if (this.chars <= this.maxChars) break;
      this.rows.delete(k);
      this.chars -= v.text.length;
    }
  }

  get size(): number {
    return this.rows.size;
  }
}
