import { describe, expect, it } from "vitest";
import { FootfallQuery, FootfallResponse, Health, IngestRequest, IngestResponse } from "./api.js";

describe("cloud API bodies", () => {
  it("ingest: a batch of unknowns in, per-event verdicts out", () => {
    expect(IngestRequest.safeParse({ events: [{}, 1] }).success).toBe(true);
    expect(IngestRequest.safeParse({ events: [] }).success).toBe(false);
    expect(IngestRequest.safeParse([]).success).toBe(false);
    const response = {
      accepted: 2,
      duplicates: 1,
      rejected: [{ index: 3, code: "bad_request", message: "id: …" }],
    };
    expect(IngestResponse.parse(response)).toEqual(response);
    expect(
      IngestResponse.safeParse({ ...response, rejected: [{ index: 0, code: "nope", message: "" }] }).success,
    ).toBe(false);
  });

  it("footfall query: coerces query-string numbers and ISO times, checks the range", () => {
    expect(FootfallQuery.parse({ venueId: "v", from: "1000", to: "2000" })).toEqual({
      venueId: "v",
      from: 1000,
      to: 2000,
      bucket: "hour",
    });
    expect(
      FootfallQuery.parse({
        venueId: "v",
        from: "2026-01-01T00:00:00Z",
        to: "2026-01-02T00:00:00+01:00",
        bucket: "day",
      }),
    ).toMatchObject({
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 0, 1, 23),
    });
    expect(FootfallQuery.safeParse({ venueId: "v", from: 2000, to: 1000 }).success).toBe(false);
    expect(FootfallQuery.safeParse({ venueId: "v", from: 1, to: 2, bucket: "week" }).success).toBe(false);
  });

  it("footfall response and health shapes", () => {
    expect(
      FootfallResponse.safeParse({
        venueId: "v",
        bucket: "hour",
        from: 0,
        to: 3600000,
        zones: [
          { zone: "z", buckets: [{ start: 0, visitors: 1, visits: 2, dwellP50Ms: 1000, dwellP90Ms: null }] },
        ],
      }).success,
    ).toBe(true);
    expect(Health.safeParse({ status: "ok", service: "s", version: "1", uptimeS: 1 }).success).toBe(true);
    expect(Health.safeParse({ status: "fine", service: "s", version: "1", uptimeS: 1 }).success).toBe(false);
  });
});
