import { createHmac, randomBytes } from "node:crypto";

const DAY_MS = 86_400_000;
const REGISTER_BITS = 12;
const REGISTERS = 1 << REGISTER_BITS;
/** Up to this many distinct devices a day the count is exact (see `AnonymousCounter`). */
const EXACT_UP_TO = 1024;

/**
 * Anonymous footfall: devices that carry no beacon identity are counted, never
 * tracked. Each BLE address goes through HMAC-SHA256 with a random salt that is
 * replaced at every UTC day boundary and never leaves this object; neither an address
 * nor anything it could be recovered from is stored or reported.
 *
 * A day's first EXACT_UP_TO devices are counted exactly, as the distinct first 32 bits
 * of their salted hashes (two devices count once only if those bits are equal: odds
 * of about one in 8,000 days at 1,024 devices, far less for fewer). A HyperLogLog
 * sketch of the same hashes (4 KiB whatever the number of addresses, ~1.6 % standard
 * error) takes over beyond that. The sketch alone would misreport small counts: two
 * of ten devices share one of its 4,096 registers on about one day in ninety, and
 * ten devices then read as nine.
 */
export class AnonymousCounter {
  private day = -1;
  private salt: Buffer = randomBytes(16);
  private registers = new Uint8Array(REGISTERS);
  /** the first 32 bits of each salted hash today, while there are at most EXACT_UP_TO */
  private exact: Set<number> | null = new Set();
  /** addresses hashed in the last moments: repeats cost one Set lookup, bounded */
  private recent = new Set<string>();

  constructor(private readonly recentLimit = 4096) {}

  observe(address: string, ts: number): void {
    const day = Math.floor(ts / DAY_MS);
    if (day !== this.day) this.rotate(day);
    if (this.recent.has(address)) return;
    if (this.recent.size >= this.recentLimit) this.recent.clear();
    this.recent.add(address);
    const digest = createHmac("sha256", this.salt).update(address).digest();
    const hi = digest.readUInt32BE(0);
    const lo = digest.readUInt32BE(4);
    if (this.exact) {
      this.exact.add(hi);
      if (this.exact.size > EXACT_UP_TO) this.exact = null;
    }
    const index = hi >>> (32 - REGISTER_BITS);
    // rank = position of the first 1 bit in the remaining 52 bits
    const rest = ((hi << REGISTER_BITS) >>> 0) >>> REGISTER_BITS;
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) - REGISTER_BITS + 1;
    else rank = 32 - REGISTER_BITS + (lo === 0 ? 33 : Math.clz32(lo) + 1);
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  /** Estimated distinct anonymous devices seen today (UTC). */
  estimate(): { day: string | null; devices: number } {
    if (this.day < 0) return { day: null, devices: 0 };
    const day = new Date(this.day * DAY_MS).toISOString().slice(0, 10);
    if (this.exact) return { day, devices: this.exact.size };
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
    let e = (alpha * REGISTERS * REGISTERS) / sum;
    if (e <= 2.5 * REGISTERS && zeros > 0) e = REGISTERS * Math.log(REGISTERS / zeros);
    return { day, devices: Math.round(e) };
  }

  private rotate(day: number): void {
    this.day = day;
    this.salt = randomBytes(16);
    this.registers = new Uint8Array(REGISTERS);
    this.exact = new Set();
    this.recent.clear();
  }
}
