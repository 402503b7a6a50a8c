import { seededRandom } from "@proxima/shared";

/** Seeded PRNG (shared `seededRandom`) with the draws the simulator needs: the same seed gives the same trace. */
export class Random {
  private readonly source: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.source = seededRandom((seed ^ 0x9e3779b9) >>> 0);
  }

  /** uniform [0, 1) */
  next(): number {
    return this.source();
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** standard normal (Box–Muller, with the spare kept) */
  gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  hex(bytes: number): string {
    let out = "";
    for (let i = 0; i < bytes; i++)
      out += Math.floor(this.next() * 256)
        .toString(16)
        .padStart(2, "0");
    return out;
  }

  /** a random static/private BLE address (two top bits set as for random static) */
  address(): string {
    const b = Array.from({ length: 6 }, () => Math.floor(this.next() * 256));
    b[0] = (b[0]! & 0x3f) | 0x40; // resolvable private address: top bits 01 (Core Spec Vol 6 Part B §1.3.2.2)
    return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
  }
}
