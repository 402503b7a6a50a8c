import { type Clock, ProximaError, systemClock } from "@proxima/shared";
import type { SourceRecord, Store } from "../store/port.js";
import { bearerToken, hashToken } from "./tokens.js";

export interface AuthenticatedSource {
  kind: SourceRecord["kind"];
  /** `kind:id`, e.g. `gateway:gw-1` */
  ref: string;
  /** the one venue this source may report for, or null for any */
  venueId: string | null;
}

/**
 * Bearer-token authentication for ingest and sync. Lookups are cached for a few
 * seconds (a busy gateway sends hundreds of requests a second), so a revoked token
 * stops working within `cacheMs` on every instance.
 */
export class SourceAuth {
  private readonly cache = new Map<string, { source: AuthenticatedSource | null; until: number }>();
  private readonly clock: Clock;
  private readonly cacheMs: number;

  constructor(
    private readonly store: Pick<Store, "findSourceByTokenHash">,
    options: { clock?: Clock; cacheMs?: number } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.cacheMs = options.cacheMs ?? 5000;
  }

  /** The source behind an `Authorization` header; throws `unauthorized` otherwise. */
  async authenticate(header: string | undefined): Promise<AuthenticatedSource> {
    const token = bearerToken(header);
    if (!token.ok) throw token.error;
    const hash = hashToken(token.value);
    const now = this.clock.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      const found = await this.store.findSourceByTokenHash(hash);
      entry = {
        source:
          found && found.revokedAt === null
            ? { kind: found.kind, ref: found.id, venueId: found.venueId }
            : null,
        until: now + this.cacheMs,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!entry.source)
      throw new ProximaError(
        "unauthorized",
        "unknown or revoked token; create one with proxima-cloud token create --source <kind>:<id>",
      );
    return entry.source;
  }
}
