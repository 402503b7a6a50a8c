import { describe, expect, it } from "vitest";
import { DEMO_CATALOGUE, demoBundle, demoProfiles } from "./demo-data.js";
import { parseProfileFile } from "./load-file.js";

describe("parseProfileFile", () => {
  const [a, b] = demoProfiles(2);

  it("reads NDJSON of profiles and sync changes", () => {
    const text = `${JSON.stringify(a)}\n\n${JSON.stringify({ kind: "profile.delete", id: "gone" })}\n${JSON.stringify(b)}\n`;
    const parsed = parseProfileFile(text, "x.ndjson");
    expect(parsed.ok && parsed.value.map((c) => c.kind)).toEqual([
      "profile.upsert",
      "profile.delete",
      "profile.upsert",
    ]);
  });

  it("reads a JSON array of profiles, a sync page and a bundle", () => {
    const array = parseProfileFile(JSON.stringify([a, b]), "a.json");
    expect(array.ok && array.value).toHaveLength(2);
    const page = parseProfileFile(
      JSON.stringify({
        cursor: "1",
        hasMore: false,
        changes: [{ kind: "catalogue.replace", catalogue: DEMO_CATALOGUE }],
      }),
      "p.json",
    );
    expect(page.ok && page.value[0]!.kind).toBe("catalogue.replace");
    const bundle = parseProfileFile(JSON.stringify(demoBundle(3)), "b.json");
    expect(bundle.ok && bundle.value.filter((c) => c.kind === "profile.upsert")).toHaveLength(3);
    expect(bundle.ok && bundle.value[0]!.kind).toBe("catalogue.replace");
  });

  it("a single-line NDJSON file with one profile is a profile, not a bundle", () => {
    const one = parseProfileFile(`${JSON.stringify({ kind: "profile.delete", id: "x" })}\n`, "one.ndjson");
    expect(one.ok && one.value).toEqual([{ kind: "profile.delete", id: "x" }]);
  });

  it("refuses the whole file and names every bad line", () => {
    const text = `${JSON.stringify(a)}\n{oops\n${JSON.stringify({ ...b, identities: [] })}\n`;
    const parsed = parseProfileFile(text, "bad.ndjson");
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("bad_request");
      expect(parsed.error.message).toContain("bad.ndjson line 2");
      expect(parsed.error.message).toContain("bad.ndjson line 3");
      expect(parsed.error.message).toContain("identities");
    }
  });

  it("refuses a file that is not JSON at all", () => {
    const parsed = parseProfileFile("hello", "h.json");
    expect(!parsed.ok && parsed.error.code).toBe("bad_json");
  });
});
