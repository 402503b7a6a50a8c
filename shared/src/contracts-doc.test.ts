/** Keeps docs/contracts.md honest against the schemas it documents. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as shared from "./index.js";

const doc = readFileSync(new URL("../../docs/contracts.md", import.meta.url), "utf8");

describe("docs/contracts.md", () => {
  it("names every topic leaf", () => {
    for (const leaf of [...shared.KIOSK_LEAVES, ...shared.ZONE_LEAVES])
      expect(doc).toMatch(new RegExp(`/${leaf}\``));
    expect(doc).toContain("`scanner/<scannerId>/sightings`");
  });

  it("names every event type, source kind, identity type, error code and RPC method", () => {
    for (const name of [
      ...shared.EVENT_TYPES,
      ...shared.SOURCE_KINDS,
      ...shared.IDENTITY_TYPES,
      ...shared.ERROR_CODES,
      ...Object.keys(shared.RPC_METHODS),
    ])
      expect(doc, name).toContain(`\`${name}\``);
  });

  it("has examples that validate against the schemas they name", () => {
    const examples = [...doc.matchAll(/```json contract=(\w+)\n([\s\S]*?)```/g)];
    expect(examples.length).toBeGreaterThanOrEqual(9);
    for (const [, name, body] of examples) {
      const schema = (shared as unknown as Record<string, z.ZodType>)[name!];
      expect(schema, `schema ${name}`).toBeDefined();
      const parsed = schema!.safeParse(JSON.parse(body!));
      expect(
        parsed.success,
        `${name}: ${parsed.success ? "" : shared.describeIssues(parsed.error).join("; ")}`,
      ).toBe(true);
    }
  });
});
