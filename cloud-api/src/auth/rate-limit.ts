/**
 * Failed sign-ins per key (client address, and email) in a sliding window: after
 * `limit` failures the key must wait until the oldest failure leaves the window.
 * In memory per instance: behind a load balancer each instance limits on its own,
 * which still bounds guessing to limit × instances per window.
 */
export class LoginRateLimiter {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** ms until `key` may try again, 0 when it may now */
  retryAfter(key: string, now: number): number {
    const recent = this.recent(key, now);
    return recent.length >= this.limit ? recent[0]! + this.windowMs - now : 0;
  }

  fail(key: string, now: number): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 100_000) this.failures.clear();
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}
