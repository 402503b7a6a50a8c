import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialStore, verifySecret } from "./credentials.js";

async function tempStore() {
  const path = join(await mkdtemp(join(tmpdir(), "proxima-kiosks-")), "kiosks.json");
  return { path, store: await CredentialStore.open(path) };
}

describe("CredentialStore", () => {
  it("stores only a scrypt hash of the generated secret, and verifies it", async () => {
    const { path, store } = await tempStore();
    const secret = await store.add("kiosk-1", "kiosk", 1000);
    const file = await readFile(path, "utf8");
    expect(file).not.toContain(secret);
    expect(file).toMatch(/"hash": "scrypt\$16384\$8\$1\$/);
    expect(await store.verify("kiosk-1", secret)).toBe("kiosk");
    expect(await store.verify("kiosk-1", `${secret}x`)).toBeNull();
    expect(await store.verify("kiosk-2", secret)).toBeNull();
  });

  it("a revoked client no longer verifies, even in another process's store", async () => {
    const { path, store } = await tempStore();
    const secret = await store.add("kiosk-1", "kiosk", 1000);
    expect(await store.verify("kiosk-1", secret)).toBe("kiosk"); // cached now
    const cli = await CredentialStore.open(path);
    expect(await cli.revoke("kiosk-1", 2000)).toBe(true);
    expect(await store.verify("kiosk-1", secret)).toBeNull();
    expect(store.list()).toEqual([{ id: "kiosk-1", role: "kiosk", createdAt: 1000, revokedAt: 2000 }]);
    expect(await cli.revoke("kiosk-1", 3000)).toBe(false);
  });

  it("re-adding a client issues a new secret and invalidates the old one", async () => {
    const { store } = await tempStore();
    const first = await store.add("k", "kiosk", 1);
    const second = await store.add("k", "service", 2);
    expect(await store.verify("k", first)).toBeNull();
    expect(await store.verify("k", second)).toBe("service");
  });

  it("refuses ids that cannot be MQTT topic segments", async () => {
    const { store } = await tempStore();
    await expect(store.add("a/b", "kiosk", 1)).rejects.toMatchObject({ code: "bad_request" });
  });

  it("verifySecret rejects malformed hashes instead of throwing", async () => {
    expect(await verifySecret("x", "plain")).toBe(false);
  });

  it("refuses a flood of wrong passwords with rate_limited instead of queueing scrypt without bound", async () => {
    const { store } = await tempStore();
    const secret = await store.add("kiosk-1", "kiosk", 1);
    const attempts = Array.from({ length: 60 }, (_, i) => store.verify("kiosk-1", `wrong-${i}`));
    const outcomes = await Promise.allSettled(attempts);
    const limited = outcomes.filter((o) => o.status === "rejected");
    expect(limited.length).toBeGreaterThan(0);
    expect((limited[0] as PromiseRejectedResult).reason).toMatchObject({ code: "rate_limited" });
    expect(outcomes.filter((o) => o.status === "fulfilled").every((o) => o.value === null)).toBe(true);
    // the right secret still verifies once the flood has passed
    expect(await store.verify("kiosk-1", secret)).toBe("kiosk");
  });
});
