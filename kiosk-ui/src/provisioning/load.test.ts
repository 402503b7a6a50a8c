import { describe, expect, it } from "vitest";
import { loadProvisioning, SETUP_STORAGE_KEY, saveSetup, sha256Hex } from "./load.js";

const bundle = { gatewayUrl: "ws://127.0.0.1:8883", venueId: "store-042", kioskId: "kiosk-1", secret: "s" };

function sources(search: string, file: unknown | null) {
  window.localStorage.clear();
  return {
    search,
    storage: window.localStorage,
    fetchBundle: async () => (file === null ? null : typeof file === "string" ? file : JSON.stringify(file)),
  };
}

describe("loadProvisioning", () => {
  it("reads URL parameters first", async () => {
    const boot = await loadProvisioning(
      sources("?gateway=ws://10.0.0.9:9001&venue=store-042&kiosk=kiosk-2&secret=x&idle=20000", bundle),
    );
    expect(boot).toMatchObject({
      kind: "ready",
      from: "url",
      config: { kioskId: "kiosk-2", idleTimeoutMs: 20000 },
    });
  });

  it("then kiosk.json beside the app", async () => {
    const boot = await loadProvisioning(sources("", bundle));
    expect(boot).toMatchObject({ kind: "ready", from: "bundle", config: { kioskId: "kiosk-1" } });
  });

  it("falls back to the setup screen, locked by the bundle's PIN hash, and says what was wrong", async () => {
    const lock = { technicianPinSha256: await sha256Hex("2468") };
    expect(await loadProvisioning(sources("", lock))).toEqual({ kind: "setup", lock });
    const broken = await loadProvisioning(sources("", { ...bundle, gatewayUrl: "http://x" }));
    expect(broken.kind === "setup" && broken.problem).toMatch(/gatewayUrl: must be a ws/);
    const garbage = await loadProvisioning(sources("", "{nope"));
    expect(garbage.kind === "setup" && garbage.problem).toMatch(/not valid JSON/);
  });

  it("uses what the technician saved on the setup screen", async () => {
    const s = sources("", { technicianPinSha256: await sha256Hex("1") });
    saveSetup(s.storage, bundle);
    expect(s.storage.getItem(SETUP_STORAGE_KEY)).toContain("kiosk-1");
    expect(await loadProvisioning(s)).toMatchObject({ kind: "ready", from: "setup" });
  });
});
