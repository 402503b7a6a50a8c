import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Campaign, type EventEnvelopeInput, IngestResponse, newId, SyncPage } from "@proxima/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../server/app.js";
import { issueToken } from "../sources/tokens.js";
import { SqlStore } from "../store/sql-store.js";

let dir: string;
let store: SqlStore;
let app: ReturnType<typeof createApp>["app"];
let gatewayToken: string;

async function source(id: string, venueId: string | null = null): Promise<string> {
  const issued = issueToken();
  await store.createSource({
    id,
    kind: id.split(":")[0] as "gateway",
    name: id,
    tokenHash: issued.hash,
    venueId,
    createdAt: 1,
  });
  return issued.token;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "ingest-"));
  store = await SqlStore.open(join(dir, "cloud.db"));
  app = createApp({ events: { store, tokenCacheMs: 0 } }).app;
  gatewayToken = await source("gateway:gw-1");
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function event(i: number, overrides: Partial<EventEnvelopeInput> = {}): EventEnvelopeInput {
  return {
    id: newId(1_732_262_400_000 + i),
    ts: 1_732_262_400_000 + i,
    venueId: "store-042",
    source: { kind: "kiosk", id: "kiosk-1" },
    type: "feedback.submitted",
    identity: { type: "loyalty", value: `L-${i % 7}` },
    data: { rating: 1 + (i % 5) },
    ...overrides,
  };
}

async function post(
  body: unknown,
  init: { token?: string | null; gzip?: boolean; raw?: string | Uint8Array } = {},
) {
  const json = JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? gatewayToken}`;
  if (init.gzip) headers["content-encoding"] = "gzip";
  const res = await app.request("/v1/events", {
    method: "POST",
    headers,
    body: init.raw ?? (init.gzip ? gzipSync(json) : json),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /v1/events", () => {
  it("stores a gzip batch and answers a replay of it with duplicates only", async () => {
    const events = Array.from({ length: 50 }, (_, i) => event(i));
    const first = await post({ events }, { gzip: true });
    expect(first.status).toBe(200);
    expect(IngestResponse.parse(first.body)).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    const again = await post({ events }, { gzip: true });
    expect(again.body).toEqual({ accepted: 0, duplicates: 50, rejected: [] });
    expect((await store.counts()).events).toBe(50);
  });

  it("rejects bad events by index and stores the good ones of the same batch", async () => {
    const events: unknown[] = [
      event(1),
      { ...event(2), type: "no.such.type" },
      event(3),
      "not an event",
      { ...event(4), type: "feedback.submitted", data: { rating: 9 } },
      event(5),
    ];
    const { status, body } = await post({ events });
    expect(status).toBe(200);
    expect(body.accepted).toBe(3);
    const rejected = body.rejected as { index: number; code: string; message: string }[];
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, "bad_request"],
      [3, "bad_request"],
      [4, "bad_request"],
    ]);
    expect(rejected[2]!.message).toMatch(/data\.rating/);
  });

  it("counts the same id twice in one batch once", async () => {
    const e = event(1);
    const { body } = await post({ events: [e, e] });
    expect(body).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it("needs a live token of a known source", async () => {
    expect((await post({ events: [event(1)] }, { token: null })).status).toBe(401);
    expect((await post({ events: [event(1)] }, { token: "pxs_nope_nope" })).body).toMatchObject({
      error: { code: "unauthorized" },
    });
    await store.revokeSource("gateway:gw-1", 2);
    expect((await post({ events: [event(1)] })).status).toBe(401);
  });

  it("rotates a token: a revoked source gets a new one under the same id, the old one stays dead", async () => {
    const old = gatewayToken;
    await store.revokeSource("gateway:gw-1", 2);
    const rotated = await source("gateway:gw-1");
    expect((await post({ events: [event(1)] }, { token: rotated })).status).toBe(200);
    expect((await post({ events: [event(2)] }, { token: old })).status).toBe(401);
    // a live source is never overwritten
    await expect(source("gateway:gw-1")).rejects.toMatchObject({ code: "conflict" });
  });

  it("lets a channel token send only its own kind, and a venue-bound token only its venue", async () => {
    const pos = await source("pos:till-3");
    const { body } = await post(
      { events: [event(1, { source: { kind: "pos", id: "till-3" } }), event(2)] },
      { token: pos },
    );
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([{ index: 1, code: "forbidden", message: expect.stringMatching(/kiosk/) }]);
    const bound = await source("gateway:gw-9", "store-007");
    const other = await post({ events: [event(3)] }, { token: bound });
    expect((other.body.rejected as { code: string }[])[0]?.code).toBe("forbidden");
  });

  it("refuses malformed bodies with a clear code", async () => {
    expect((await post(null, { raw: "{not json" })).body).toMatchObject({ error: { code: "bad_json" } });
    expect((await post({ events: [] })).body).toMatchObject({ error: { code: "bad_request" } });
    expect((await post(null, { raw: "garbage", gzip: true })).body).toMatchObject({
      error: { code: "bad_request", message: expect.stringMatching(/gzip/) },
    });
  });

  it("limits the size on the wire and after decompression (a gzip bomb stays small)", async () => {
    const limited = createApp({
      events: { store, limits: { maxWireBytes: 10_000, maxDecodedBytes: 100_000 } },
    }).app;
    const send = (body: Buffer | string, gzip: boolean) =>
      limited.request("/v1/events", {
        method: "POST",
        headers: {
          authorization: `Bearer ${gatewayToken}`,
          ...(gzip ? { "content-encoding": "gzip" } : {}),
        },
        body,
      });
    const big = JSON.stringify({ events: Array.from({ length: 100 }, (_, i) => event(i)) });
    const tooBig = await send(big, false);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: { code: "payload_too_large" } });
    const bomb = gzipSync(`{"events":["${"a".repeat(5_000_000)}"]}`);
    expect(bomb.length).toBeLessThan(10_000);
    const exploded = await send(bomb, true);
    expect(exploded.status).toBe(413);
    expect(await exploded.json()).toMatchObject({
      error: { message: expect.stringMatching(/decompressed/) },
    });
  });
});

describe("GET /v1/sync/{venueId}/changes", () => {
  const pull = async (cursor: string | null, limit: number, token = gatewayToken) => {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res = await app.request(`/v1/sync/store-042/changes?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  const campaign = (id: string, venues?: string[]) =>
    Campaign.parse({
      id,
      name: id,
      status: "active",
      channels: ["kiosk"],
      startsAt: 0,
      audience: venues ? { venues } : {},
      variants: [{ id: "a", weight: 1, productId: "cola", title: "Cola", reason: "you like it" }],
    });

  it("pages by cursor without missing a change made between pages, and only the venue's own", async () => {
    for (let i = 0; i < 5; i++) await store.upsertCampaign(campaign(`old-${i}`));
    await store.upsertCampaign(campaign("elsewhere", ["store-007"]));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const { status, body } = await pull(cursor, 2);
      expect(status).toBe(200);
      const page = SyncPage.parse(body);
      for (const change of page.changes) if (change.kind === "campaign.upsert") seen.push(change.campaign.id);
      cursor = page.cursor;
      // a change lands while the gateway is paging
      if (++pages === 1) await store.upsertCampaign(campaign("late", ["store-042"]));
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(["old-0", "old-1", "old-2", "old-3", "old-4", "late"]);
    const after = SyncPage.parse((await pull(cursor, 2)).body);
    expect(after).toEqual({ cursor, hasMore: false, changes: [] });
  });

  it("is for gateway tokens, and a venue-bound one only pulls its venue", async () => {
    const web = await source("web:shop");
    expect((await pull(null, 10, web)).status).toBe(403);
    const bound = await source("gateway:gw-7", "store-007");
    expect((await pull(null, 10, bound)).status).toBe(403);
    expect((await pull(null, 10, "pxs_bad_bad")).status).toBe(401);
  });
});
