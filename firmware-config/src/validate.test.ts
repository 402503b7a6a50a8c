import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateFile } from "./validate.js";

describe("validateFile", () => {
  it("accepts the gateway's example venue", async () => {
    const path = new URL("../../edge-gateway/examples/venue.json", import.meta.url).pathname;
    const checked = await validateFile(path, "venue");
    expect(checked.ok && checked.value.kind).toBe("venue");
  });

  it("lists a scanner without a zone and a bad zone kind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proxima-provision-"));
    const path = join(dir, "venue.json");
    await writeFile(
      path,
      JSON.stringify({
        venueId: "v",
        name: "V",
        scanners: [{ id: "s", position: { x: 0, y: 0 } }],
        zones: [{ id: "z", name: "Z", kind: "lobby" }],
      }),
    );
    const checked = await validateFile(path, "venue");
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      const problems = (checked.error.details as { problems: string[] }).problems;
      expect(problems.some((p) => p.startsWith("scanners[0].zone:"))).toBe(true);
      expect(problems.some((p) => p.startsWith("zones[0].kind:"))).toBe(true);
    }
  });
});
