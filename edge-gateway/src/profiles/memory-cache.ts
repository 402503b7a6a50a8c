import type { Identity, StockLevels, SyncChange } from "@proxima/shared";
import type { ProfileCache } from "./cache.js";
import { type ApplyStats, ProfileIndex } from "./profile-index.js";

/** The profile cache without storage: for tests and tools that need the port, not the disk. */
export class MemoryProfileCache implements ProfileCache {
  protected readonly index = new ProfileIndex();
  protected readonly stockByKiosk = new Map<string, StockLevels>();

  get size() {
    return this.index.size;
  }
  byId(id: string) {
    return this.index.byId(id);
  }
  byIdentity(identity: Identity) {
    return this.index.byIdentity(identity);
  }
  campaigns() {
    return this.index.campaigns();
  }
  segment(id: string) {
    return this.index.segment(id);
  }
  catalogue() {
    return this.index.catalogue();
  }
  stock(kioskId: string) {
    return this.stockByKiosk.get(kioskId) ?? null;
  }
  async setStock(kioskId: string, stock: StockLevels): Promise<boolean> {
    return this.acceptStock(kioskId, stock);
  }
  /** keeps the report unless a newer one is already there (a delayed report never wins) */
  protected acceptStock(kioskId: string, stock: StockLevels): boolean {
    const current = this.stockByKiosk.get(kioskId);
    if (current && current.ts > stock.ts) return false;
    this.stockByKiosk.set(kioskId, stock);
    return true;
  }
  async applyChanges(changes: readonly SyncChange[]): Promise<ApplyStats> {
    return this.index.apply(changes).stats;
  }
  async close(): Promise<void> {}
}
