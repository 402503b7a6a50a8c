import {
  ConsentUpdate,
  Customer360,
  CustomerExport,
  ErasureReceipt,
  EventEnvelope,
  FootfallResponse,
  Health,
  IngestResponse,
  MergeRecord,
  MergeRequest,
  SyncPage,
} from "@proxima/shared";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./document.js";
import { examples } from "./examples.js";
import { openApiRoutes } from "./route.js";

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document by an independent validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument() as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("is served at /openapi.json and documents the contract endpoints", async () => {
    const res = await openApiRoutes("9.9.9").request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      info: { version: string };
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.info.version).toBe("9.9.9");
    for (const path of [
      "/v1/events",
      "/v1/customers",
      "/v1/customers/{id}",
      "/v1/sync/{venueId}/changes",
      "/v1/analytics/footfall",
      "/health",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    // generated from the zod schemas: the envelope's identity types are all there
    expect(JSON.stringify(doc.components.schemas.EventEnvelope)).toContain("call_center");
  });

  it("has examples that the schemas themselves accept", () => {
    const checks: [unknown, { safeParse(v: unknown): { success: boolean } }][] = [
      [examples.customer, Customer360],
      [examples.merge, MergeRecord],
      [examples.erasure, ErasureReceipt],
      [examples.syncPage, SyncPage],
      [examples.health, Health],
      [examples.ingestResponse, IngestResponse],
      [examples.mergeRequest, MergeRequest],
      [examples.consentUpdate, ConsentUpdate],
      [examples.footfall, FootfallResponse],
      [examples.exported, CustomerExport],
    ];
    for (const [example, schema] of checks) expect(schema.safeParse(example).success).toBe(true);
    // the ingest example shows two good events and one the API rejects
    const verdicts = examples.ingestRequest.events.map((e) => EventEnvelope.safeParse(e).success);
    expect(verdicts).toEqual([true, true, false]);
  });
});
