import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./load.js";

async function dirWith(files: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), "proxima-config-"));
  for (const [name, content] of Object.entries(files))
    await writeFile(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

const venue = {
  venueId: "store-1",
  name: "Test",
  scanners: [{ id: "s1", zone: "z1", position: { x: 0, y: 0 } }],
  zones: [{ id: "z1", name: "Zone", kind: "area" }],
};

describe("loadGatewayConfig", () => {
  it("loads the example config shipped with the package", async () => {
    const loaded = await loadGatewayConfig(new URL("../../examples/gateway.json", import.meta.url).pathname);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.value.venue.venueId).toBe("store-042");
  });

  it("applies defaults and resolves paths against the config's folder", async () => {
    const dir = await dirWith({
      "gateway.json": { gatewayId: "gw-1", venue: "venue.json" },
      "venue.json": venue,
    });
    const loaded = await loadGatewayConfig(join(dir, "gateway.json"));
    expect(loaded.ok && loaded.value.paths.venue).toBe(join(dir, "venue.json"));
    expect(loaded.ok && loaded.value.config.mqtt.tcpPort).toBe(1883);
    expect(loaded.ok && loaded.value.config.scanner.kind).toBe("noble");
  });

  it("refuses a corrupt config file with a bad_config error naming the file", async () => {
    const dir = await dirWith({ "gateway.json": "{ not json" });
    const loaded = await loadGatewayConfig(join(dir, "gateway.json"));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.error.code).toBe("bad_config");
      expect(loaded.error.message).toContain("gateway.json");
    }
  });

  it("lists every venue problem with its path", async () => {
    const bad = {
      ...venue,
      scanners: [
        { id: "s1", zone: "nowhere", position: { x: 0, y: 0 } },
        { id: "s1", zone: "z1", position: { x: 1, y: 0 } },
      ],
      zones: [...venue.zones, { id: "z1", name: "Again", kind: "area" }],
    };
    const dir = await dirWith({
      "gateway.json": { gatewayId: "gw-1", venue: "venue.json" },
      "venue.json": bad,
    });
    const loaded = await loadGatewayConfig(join(dir, "gateway.json"));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.error.message).toContain('zones[1].id: duplicate zone id "z1"');
      expect(loaded.error.message).toContain('scanners[1].id: duplicate scanner id "s1"');
      expect(loaded.error.message).toContain('scanners[0].zone: unknown zone "nowhere"');
    }
  });
});
