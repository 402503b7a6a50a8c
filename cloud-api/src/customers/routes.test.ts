import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Customer360,
  CustomerExport,
  ErasureReceipt,
  type EventEnvelopeInput,
  ManualClock,
  MergeList,
  newId,
  SyncPage,
} from "@proxima/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDashboardBackend } from "../analytics/mount.js";
import { createApp } from "../server/app.js";
import { issueToken } from "../sources/tokens.js";
import { SqlStore } from "../store/sql-store.js";

const T0 = Date.UTC(2026, 10, 2, 9);
const dir = mkdtempSync(join(tmpdir(), "customers-"));
const clock = new ManualClock(T0 + 30 * 86_400_000);
let store: SqlStore;
let users: Awaited<ReturnType<typeof openDashboardBackend>>["users"];
let app: ReturnType<typeof createApp>["app"];
const tokens: Record<string, string> = {};
let cookie = "";
let csrf = "";
let seq = 0;

function event(
  input: Partial<EventEnvelopeInput> & Pick<EventEnvelopeInput, "type" | "identity" | "source">,
): EventEnvelopeInput {
  seq++;
  return { id: newId(T0 + seq * 60_000), ts: T0 + seq * 60_000, data: {}, ...input };
}

async function send(channel: string, events: EventEnvelopeInput[]) {
  const res = await app.request("/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens[channel]}` },
    body: JSON.stringify({ events }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

const get = (path: string) => app.request(path, { headers: { cookie } });
const change = (method: string, path: string, body?: unknown) =>
  app.request(path, {
    method,
    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  store = await SqlStore.open(join(dir, "cloud.db"), { clock });
  const dashboard = await openDashboardBackend({ store, clock, dashboardDir: join(dir, "no-dashboard") });
  users = dashboard.users;
  await store.migrateProjections();
  app = createApp({ events: { store, tokenCacheMs: 0 }, customers: { store }, dashboard }).app;
  for (const [id, kind] of [
    ["gateway:gw-1", "gateway"],
    ["email:newsletter", "email"],
    ["call_center:support", "call_center"],
    ["app:ios", "app"],
  ] as const) {
    const issued = issueToken();
    await store.createSource({ id, kind, name: id, tokenHash: issued.hash, createdAt: T0 });
    tokens[kind] = issued.token;
  }
  await dashboard.users.add(
    { email: "ops@example.com", name: "Ops", role: "admin", password: "correct horse battery" },
    T0,
  );
  const login = await app.request("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ops@example.com", password: "correct horse battery" }),
  });
  expect(login.status).toBe(200);
  cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("customer 360 through POST /v1/events", () => {
  const loyalty = { type: "loyalty" as const, value: "L-7001" };
  const email = { type: "email" as const, value: "ada@example.com" };
  const phone = { type: "phone" as const, value: "+447700900123" };
  const tag = { type: "subject" as const, value: "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:7" };
  const kiosk = { kind: "kiosk" as const, id: "kiosk-1" };

  it("tells one cross-channel story: kiosk, email, call centre and app stand together", async () => {
    // the shopper's tag walks in; at the kiosk she identifies, pours, rates
    await send("gateway", [
      event({
        type: "presence.enter",
        source: { kind: "gateway", id: "gw-1" },
        venueId: "store-042",
        identity: tag,
        data: { zone: "kiosk-1" },
      }),
      event({
        type: "kiosk.identified",
        source: kiosk,
        venueId: "store-042",
        identity: loyalty,
        identities: [tag, email],
      }),
      event({
        type: "pour.completed",
        source: kiosk,
        venueId: "store-042",
        identity: loyalty,
        data: { productId: "cola-cherry", flavourIds: ["cherry"] },
      }),
      event({
        type: "feedback.submitted",
        source: kiosk,
        venueId: "store-042",
        identity: loyalty,
        data: { rating: 2 },
      }),
    ]);
    // the newsletter is opened; she calls support (the agent finds her by her loyalty number)
    await send("email", [
      event({ type: "email.opened", source: { kind: "email", id: "newsletter" }, identity: email }),
    ]);
    await send("call_center", [
      event({
        type: "call.note",
        source: { kind: "call_center", id: "support" },
        identity: phone,
        identities: [loyalty, email],
        data: { note: "the cherry shot was empty" },
      }),
    ]);
    // and the call centre's note is already in the view the app's support screen reads
    const res = await get(`/v1/customers?identityType=phone&value=${encodeURIComponent(phone.value)}`);
    expect(res.status).toBe(200);
    const view = Customer360.parse(await res.json());
    expect(view.identities.map((i) => i.type).sort()).toEqual(["email", "loyalty", "phone", "subject"]);
    expect(view.timeline.items.map((e) => e.type)).toEqual([
      "call.note",
      "email.opened",
      "feedback.submitted",
      "pour.completed",
      "kiosk.identified",
      "presence.enter",
    ]);
    expect(view.traits).toMatchObject({
      favouriteProducts: ["cola-cherry"],
      satisfaction: { average: 2, ratings: 1 },
      visitCount: 1,
    });
    const byId = Customer360.parse(await (await get(`/v1/customers/${view.id}?limit=2`)).json());
    expect(byId.timeline.items).toHaveLength(2);
    const next = (await (
      await get(`/v1/customers/${view.id}/timeline?limit=10&cursor=${byId.timeline.nextCursor}`)
    ).json()) as { items: { type: string }[] };
    expect(next.items.map((e) => e.type)).toEqual([
      "feedback.submitted",
      "pour.completed",
      "kiosk.identified",
      "presence.enter",
    ]);
  });

  it("answers clearly for unknown customers, bad queries and missing sign-in", async () => {
    expect((await get("/v1/customers/nope")).status).toBe(404);
    const bad = await get("/v1/customers?identityType=fax&value=1");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect((await app.request("/v1/customers?identityType=email&value=ada@example.com")).status).toBe(401);
    const noCsrf = await app.request("/v1/customers/x", { method: "DELETE", headers: { cookie } });
    expect(noCsrf.status).toBe(403);
  });

  it("sets consent, reverses a merge, exports and erases", async () => {
    const id = Customer360.parse(
      await (await get("/v1/customers?identityType=loyalty&value=L-7001")).json(),
    ).id;
    const consent = await change("PUT", `/v1/customers/${id}/consent`, {
      personalization: true,
      marketing: false,
    });
    expect(consent.status).toBe(200);
    expect(await consent.json()).toMatchObject({
      consent: { personalization: true, marketing: false, location: false },
    });
    expect((await change("PUT", `/v1/customers/${id}/consent`, {})).status).toBe(400);

    // the tag's anonymous profile merged in when she identified: reverse it, merge again
    const merges = MergeList.parse(await (await get(`/v1/customers/${id}/merges`)).json()).merges;
    const tagMerge = merges.find((m) => m.moved.includes(`subject:${tag.value}`));
    expect(tagMerge).toBeDefined();
    const reversed = await change("POST", `/v1/merges/${tagMerge!.id}/reverse`);
    expect(reversed.status).toBe(200);
    const split = Customer360.parse(
      await (await get(`/v1/customers?identityType=subject&value=${encodeURIComponent(tag.value)}`)).json(),
    );
    expect(split.id).not.toBe(id);
    const merged = await change("POST", `/v1/customers/${id}/merges`, {
      loserId: split.id,
      reason: "confirmed on the phone",
    });
    expect(merged.status).toBe(201);

    const exported = CustomerExport.parse(await (await get(`/v1/customers/${id}/export`)).json());
    expect(exported.events.length).toBe(6);

    const gatewayCursor = SyncPage.parse(
      await (
        await app.request("/v1/sync/store-042/changes", {
          headers: { authorization: `Bearer ${tokens.gateway}` },
        })
      ).json(),
    ).cursor;
    const erased = await change("DELETE", `/v1/customers/${id}`);
    expect(erased.status).toBe(200);
    expect(ErasureReceipt.parse(await erased.json())).toMatchObject({
      profileId: id,
      identities: 4,
      events: 6,
    });
    expect((await get(`/v1/customers/${id}`)).status).toBe(404);
    expect((await get("/v1/customers?identityType=email&value=ada@example.com")).status).toBe(404);
    // the gateway's next pull drops the person from its cache
    const page = SyncPage.parse(
      await (
        await app.request(`/v1/sync/store-042/changes?cursor=${gatewayCursor}`, {
          headers: { authorization: `Bearer ${tokens.gateway}` },
        })
      ).json(),
    );
    expect(page.changes).toContainEqual({ kind: "profile.delete", id });
  });

  it("reports the store's ingest queue in /metrics", async () => {
    const text = await (await app.request("/metrics")).text();
    expect(text).toMatch(/proxima_cloud_ingest_queue_events 0/);
  });

  it("exports every customer as NDJSON", async () => {
    await send("app", [
      event({
        type: "app.opened",
        source: { kind: "app", id: "ios" },
        identity: { type: "app", value: "install-1" },
      }),
    ]);
    const res = await get("/v1/customers/export.ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.every((l) => typeof l.id === "string" && l.timeline === undefined)).toBe(true);
  });

  it("shows a manager only the people known at their venues", async () => {
    const shopper = { type: "loyalty" as const, value: "L-8801" };
    await send("gateway", [
      event({
        type: "pour.completed",
        venueId: "store-042",
        source: { kind: "kiosk", id: "kiosk-1" },
        identity: shopper,
        data: { productId: "cola" },
      }),
    ]);
    const online = { type: "email" as const, value: "only-online@example.com" };
    await send("email", [
      event({ type: "email.opened", source: { kind: "email", id: "newsletter" }, identity: online }),
    ]);
    const signIn = async (email: string, venues: string[]) => {
      await users.add({ email, name: email, role: "manager", venues, password: "correct horse battery" }, T0);
      const login = await app.request("/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "correct horse battery" }),
      });
      expect(login.status).toBe(200);
      const session = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
      const token = ((await login.json()) as { csrfToken: string }).csrfToken;
      return {
        get: (path: string) => app.request(path, { headers: { cookie: session } }),
        change: (method: string, path: string, body?: unknown) =>
          app.request(path, {
            method,
            headers: { cookie: session, "x-csrf-token": token, "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
      };
    };
    const local = await signIn("manager-042@example.com", ["store-042"]);
    const elsewhere = await signIn("manager-777@example.com", ["store-777"]);
    const id = (await store.findProfileId(shopper))!;
    const onlineId = (await store.findProfileId(online))!;

    // their venue's customer: the whole 360 view, by id and by identity
    expect((await local.get(`/v1/customers/${id}`)).status).toBe(200);
    expect((await local.get("/v1/customers?identityType=loyalty&value=L-8801")).status).toBe(200);
    expect((await local.get(`/v1/customers/${id}/timeline`)).status).toBe(200);
    // someone never at their venues: the same answer as an id that does not exist
    for (const path of [
      `/v1/customers/${id}`,
      "/v1/customers?identityType=loyalty&value=L-8801",
      `/v1/customers/${id}/timeline`,
      `/v1/customers/${id}/merges`,
      `/v1/customers/${id}/export`,
    ]) {
      const res = await elsewhere.get(path);
      expect(res.status, path).toBe(404);
    }
    expect((await local.get(`/v1/customers/${onlineId}`)).status).toBe(404);
    expect((await elsewhere.change("PUT", `/v1/customers/${id}/consent`, { marketing: true })).status).toBe(
      404,
    );
    expect((await elsewhere.change("DELETE", `/v1/customers/${id}`)).status).toBe(404);
    expect(
      (await local.change("POST", `/v1/customers/${id}/merges`, { loserId: onlineId, reason: "same person" }))
        .status,
    ).toBe(404);
    // what spans every customer is for admins
    expect((await local.get("/v1/customers/export.ndjson")).status).toBe(403);
    expect((await local.change("POST", "/v1/merges/any/reverse")).status).toBe(403);
    // and nothing was changed by the refusals
    expect((await get(`/v1/customers/${id}`)).status).toBe(200);
  });
});
