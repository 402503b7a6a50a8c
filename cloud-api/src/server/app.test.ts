import { describe, expect, it } from "vitest";
import { createApp } from "./app.js";

describe("cloud app", () => {
  it("answers /health with the shared Health shape", async () => {
    const { app } = createApp({ version: "test" });
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: "ok", service: "proxima-cloud", version: "test" });
  });

  it("reports a failing health check as degraded with 503", async () => {
    const { app } = createApp({ healthChecks: { store: async () => ({ ok: false, detail: "disk full" }) } });
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "degraded",
      checks: { store: { ok: false, detail: "disk full" } },
    });
  });

  it("exposes Prometheus metrics that count requests", async () => {
    const { app } = createApp();
    await app.request("/health");
    const text = await (await app.request("/metrics")).text();
    expect(text).toMatch(/proxima_cloud_http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
  });

  it("answers unknown routes with a not_found error body", async () => {
    const { app } = createApp();
    const res = await app.request("/v1/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "no route GET /v1/nope" } });
  });
});
