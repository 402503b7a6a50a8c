import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SyncChange } from "@proxima/shared";
import { describe, expect, it } from "vitest";
import { type ProfileCache, SqliteProfileCache } from "./cache.js";
import { DEMO_CAMPAIGNS, DEMO_CATALOGUE, demoProfiles, loyaltyNumber } from "./demo-data.js";
import { MemoryProfileCache } from "./memory-cache.js";

async function tempPath() {
  return join(await mkdtemp(join(tmpdir(), "proxima-profiles-")), "profiles.db");
}

describe("SqliteProfileCache", () => {
  it("finds profiles by any identity and keeps everything across a reopen", async () => {
    const path = await tempPath();
    const cache = await SqliteProfileCache.open(path);
    const [first, second] = demoProfiles(2, { visitors: 1 });
    await cache.applyChanges([
      { kind: "catalogue.replace", catalogue: DEMO_CATALOGUE },
      { kind: "campaign.upsert", campaign: DEMO_CAMPAIGNS[0]! },
      { kind: "profile.upsert", profile: first! },
      { kind: "profile.upsert", profile: second! },
    ]);
    await cache.setStock("kiosk-1", { ts: 5, levels: { cola: 0.5 } });
    expect(cache.byIdentity({ type: "loyalty", value: loyaltyNumber(1) })?.id).toBe(second!.id);
    const subject = first!.identities.find((i) => i.type === "subject")!;
    expect(cache.byIdentity(subject)?.id).toBe(first!.id);
    await cache.close();

    const reopened = await SqliteProfileCache.open(path);
    expect(reopened.size).toBe(2);
    expect(reopened.byIdentity(subject)?.id).toBe(first!.id);
    expect(reopened.catalogue()?.version).toBe(DEMO_CATALOGUE.version);
    expect(reopened.campaigns().map((c) => c.id)).toEqual([DEMO_CAMPAIGNS[0]!.id]);
    expect(reopened.stock("kiosk-1")).toEqual({ ts: 5, levels: { cola: 0.5 } });
    await reopened.close();
  });

  it("loads 100,000 profiles in seconds, and reopens them as fast", async () => {
    const path = await tempPath();
    const cache = await SqliteProfileCache.open(path);
    const profiles = demoProfiles(100_000);
    let started = performance.now();
    await cache.applyChanges(profiles.map((profile) => ({ kind: "profile.upsert", profile })));
    const loadMs = performance.now() - started;
    await cache.close();
    started = performance.now();
    const reopened = await SqliteProfileCache.open(path);
    const reopenMs = performance.now() - started;
    expect(reopened.size).toBe(100_000);
    expect(reopened.byIdentity({ type: "loyalty", value: loyaltyNumber(99_999) })?.id).toBe("cust-100000");
    await reopened.close();
    // a 2-core machine shared with other work: generous bounds, still "seconds"
    expect(loadMs).toBeLessThan(15_000);
    expect(reopenMs).toBeLessThan(10_000);
  }, 60_000);
});

/** The ProfileCache contract: every implementation passes the same tests. */
function profileCacheContract(name: string, open: () => Promise<ProfileCache>) {
  describe(`ProfileCache contract: ${name}`, () => {
    it("applyChanges is idempotent and never rolls a profile back to an older version", async () => {
      const cache = await open();
      const [profile] = demoProfiles(1);
      const newer = { ...profile!, updatedAt: profile!.updatedAt + 10, firstName: "Newer" };
      const page: SyncChange[] = [{ kind: "profile.upsert", profile: newer }];
      expect(await cache.applyChanges(page)).toEqual({ applied: 1, unchanged: 0 });
      expect(await cache.applyChanges(page)).toEqual({ applied: 0, unchanged: 1 });
      expect(await cache.applyChanges([{ kind: "profile.upsert", profile: profile! }])).toEqual({
        applied: 0,
        unchanged: 1,
      });
      expect(cache.byId(profile!.id)?.firstName).toBe("Newer");
      await cache.close();
    });

    it("an erasure removes the profile and every identity that pointed at it", async () => {
      const cache = await open();
      const [profile] = demoProfiles(1);
      await cache.applyChanges([{ kind: "profile.upsert", profile: profile! }]);
      await cache.applyChanges([{ kind: "profile.delete", id: profile!.id }]);
      expect(cache.byIdentity(profile!.identities[0]!)).toBeUndefined();
      expect(await cache.applyChanges([{ kind: "profile.delete", id: profile!.id }])).toEqual({
        applied: 0,
        unchanged: 1,
      });
      await cache.close();
    });

    it("moves an identity when a newer profile version drops it", async () => {
      const cache = await open();
      const [profile] = demoProfiles(1);
      const updated = {
        ...profile!,
        identities: [{ type: "app" as const, value: "app-1" }],
        updatedAt: profile!.updatedAt + 1,
      };
      await cache.applyChanges([
        { kind: "profile.upsert", profile: profile! },
        { kind: "profile.upsert", profile: updated },
      ]);
      expect(cache.byIdentity(profile!.identities[0]!)).toBeUndefined();
      expect(cache.byIdentity({ type: "app", value: "app-1" })?.id).toBe(profile!.id);
      await cache.close();
    });

    it("keeps the newest stock report of a kiosk", async () => {
      const cache = await open();
      expect(await cache.setStock("k", { ts: 10, levels: { cola: 1 } })).toBe(true);
      expect(await cache.setStock("k", { ts: 5, levels: { cola: 0 } })).toBe(false);
      expect(cache.stock("k")?.levels.cola).toBe(1);
      await cache.close();
    });
  });
}

profileCacheContract("SqliteProfileCache", async () => SqliteProfileCache.open(await tempPath()));
profileCacheContract("MemoryProfileCache", async () => new MemoryProfileCache());
