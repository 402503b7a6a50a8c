/**
 * The composed gateway: kiosk events acknowledged only once durable, decisions logged,
 * stock honoured, retained status with last will, broker state across a restart, and
 * presence → zone topics, outbox and `nearby` greetings (radio faked, everything else real).
 */
import { DEMO_CAMPAIGNS, DEMO_CATALOGUE, DEMO_SEGMENTS, type Scanner } from "@proxima/edge-gateway";
import {
  type EdgeProfile,
  type EventEnvelopeInput,
  newId,
  ProximaError,
  type TraceRecord,
} from "@proxima/shared";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { closed, type Fixture, rpc, startFixture, waitFor } from "./gateway-fixture.js";

const SUBJECT_UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
const subjectOf = (minor: number) => `ibeacon:${SUBJECT_UUID}:1001:${minor}`;

function profile(id: string, loyalty: string, extra: Partial<EdgeProfile> = {}): EdgeProfile {
  return {
    id,
    firstName: "Ada",
    identities: [{ type: "loyalty", value: loyalty }],
    consent: { personalization: true },
    segments: [],
    favourites: [],
    recent: [],
    updatedAt: 1,
    ...extra,
  };
}

const seed = [
  { kind: "catalogue.replace" as const, catalogue: DEMO_CATALOGUE },
  ...DEMO_SEGMENTS.map((segment) => ({ kind: "segment.upsert" as const, segment })),
  ...DEMO_CAMPAIGNS.map((campaign) => ({ kind: "campaign.upsert" as const, campaign })),
  {
    kind: "profile.upsert" as const,
    profile: profile("cust-ada", "L1", {
      favourites: ["cherry-cola", "fizz-cola"],
      identities: [
        { type: "loyalty", value: "L1" },
        { type: "subject", value: subjectOf(1) },
      ],
    }),
  },
  {
    kind: "profile.upsert" as const,
    profile: profile("cust-shy", "L2", {
      consent: {},
      identities: [
        { type: "loyalty", value: "L2" },
        { type: "subject", value: subjectOf(2) },
      ],
    }),
  },
];

function kioskEvent(kioskId: string, overrides: Partial<EventEnvelopeInput> = {}): EventEnvelopeInput {
  return {
    id: newId(),
    ts: Date.now(),
    source: { kind: "kiosk", id: kioskId },
    type: "pour.completed",
    identity: { type: "loyalty", value: "L1" },
    data: { productId: "zest-lime", ml: 400 },
    ...overrides,
  };
}

let f: Fixture | null = null;
afterEach(async () => {
  await f?.close();
  f = null;
});

async function kiosk(fixture: Fixture, id = "kiosk-1", options = {}): Promise<MqttClient> {
  const client = await fixture.connect(id, options);
  await client.subscribeAsync(fixture.topics.rpcResponse(id), { qos: 1 });
  return client;
}

describe("kiosk events are acknowledged only once durable", () => {
  it("never sends a PUBACK before the outbox append resolved", async () => {
    f = await startFixture({ seed });
    const client = await kiosk(f);
    let release!: () => void;
    f.outbox.gate = new Promise((resolve) => {
      release = resolve;
    });
    const events = Array.from({ length: 20 }, () => kioskEvent("kiosk-1"));
    const ackedAt = new Map<string, number>();
    const acks = events.map((event) =>
      client
        .publishAsync(f!.topics.kioskEvents("kiosk-1"), JSON.stringify(event), { qos: 1 })
        .then(() => ackedAt.set(event.id!, performance.now())),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ackedAt.size).toBe(0); // held: nothing durable yet, so no PUBACK
    release();
    await Promise.all(acks);
    for (const event of events) {
      const durable = f.outbox.durableAt.get(event.id!);
      expect(durable, `event ${event.id} stored`).toBeDefined();
      expect(ackedAt.get(event.id!)!).toBeGreaterThanOrEqual(durable!);
    }
    expect(f.outbox.events.filter((e) => e.type === "pour.completed")).toHaveLength(20);
    expect(f.outbox.events[0]!.venueId).toBe("store-042");
  });

  it("closes the connection without PUBACK when the outbox refuses, so the kiosk sends again", async () => {
    f = await startFixture({ seed });
    const client = await kiosk(f);
    f.outbox.failNext = new ProximaError("storage_full", "disk full");
    const event = kioskEvent("kiosk-1");
    let acked = false;
    client.publish(f.topics.kioskEvents("kiosk-1"), JSON.stringify(event), { qos: 1 }, (error) => {
      if (!error) acked = true;
    });
    await closed(client);
    expect(acked).toBe(false);
    expect(f.outbox.events.find((e) => e.id === event.id)).toBeUndefined();
  });

  it("refuses malformed and spoofed events, logs them with the client id, and keeps the connection", async () => {
    f = await startFixture({ seed });
    const client = await kiosk(f);
    await client.publishAsync(f.topics.kioskEvents("kiosk-1"), "{definitely not json", { qos: 1 });
    await client.publishAsync(
      f.topics.kioskEvents("kiosk-1"),
      JSON.stringify({ ...kioskEvent("kiosk-1"), type: "nope" }),
      {
        qos: 1,
      },
    );
    await client.publishAsync(
      f.topics.kioskEvents("kiosk-1"),
      JSON.stringify(kioskEvent("kiosk-1", { source: { kind: "kiosk", id: "kiosk-2" } })),
      { qos: 1 },
    );
    expect(client.connected).toBe(true);
    expect(f.outbox.events.filter((e) => e.source.kind === "kiosk")).toHaveLength(0);
    const refusals = f.logs.filter(
      (l) => l.clientId === "kiosk-1" && l.msg.startsWith("kiosk event refused"),
    );
    expect(refusals.map((l) => l.reason)).toEqual(["bad_json", "bad_request", "forbidden"]);
    // the same connection still works
    expect(await rpc(client, "kiosk-1", { id: "alive", method: "echo", params: {} })).toMatchObject({
      ok: true,
    });
    const good = kioskEvent("kiosk-1");
    await client.publishAsync(f.topics.kioskEvents("kiosk-1"), JSON.stringify(good), { qos: 1 });
    expect(f.outbox.events.map((e) => e.id)).toContain(good.id);
  });
});

describe("personalize, catalogue and stock over RPC", () => {
  it("decides from the cache, logs decision.made with the decisionId, and honours reported stock", async () => {
    f = await startFixture({ seed });
    const client = await kiosk(f);
    const first = await rpc(client, "kiosk-1", {
      id: "p1",
      method: "personalize",
      params: { identity: { type: "loyalty", value: "L1" } },
    });
    expect(first).toMatchObject({ ok: true, result: { customer: { id: "cust-ada", firstName: "Ada" } } });
    const result = first.result as { decisionId: string; offers: { productId: string; reason: string }[] };
    expect(result.offers[0]).toMatchObject({ productId: "cherry-cola", reason: "Your favourite" });
    const decision = await waitFor(() =>
      f!.outbox.events.find((e) => e.type === "decision.made" && e.data.decisionId === result.decisionId),
    );
    expect(decision).toMatchObject({
      identity: { type: "loyalty", value: "L1" },
      source: { kind: "kiosk", id: "kiosk-1" },
    });
    expect(decision.data.offerIds).toHaveLength(result.offers.length);

    // the cherry cartridge runs dry: the favourite must go
    const catalogue = await rpc(client, "kiosk-1", { id: "c", method: "catalogue", params: {} });
    const stock = (catalogue.result as { stock: { levels: Record<string, number> } }).stock;
    const report = await rpc(client, "kiosk-1", {
      id: "s",
      method: "reportStock",
      params: { ts: Date.now(), levels: { ...stock.levels, cherry: 0 } },
    });
    expect(report).toMatchObject({ ok: true, result: { accepted: true } });
    expect((report.result as { pourable: string[] }).pourable).not.toContain("cherry-cola");
    const after = await rpc(client, "kiosk-1", {
      id: "p2",
      method: "personalize",
      params: { identity: { type: "qr", value: "L1" } },
    });
    const offers = (after.result as { offers: { productId: string }[] }).offers;
    expect(offers.map((o) => o.productId)).not.toContain("cherry-cola");
    expect(offers[0]!.productId).toBe("fizz-cola");
    // kiosk-2's stock is its own
    const other = await kiosk(f, "kiosk-2");
    const theirs = await rpc(other, "kiosk-2", { id: "c2", method: "catalogue", params: {} });
    expect((theirs.result as { stock: { levels: Record<string, number> } }).stock.levels.cherry).toBe(1);
  });

  it("gives an anonymous shopper defaults popular at this venue, learned from kiosk events", async () => {
    f = await startFixture({ seed });
    const client = await kiosk(f);
    for (let i = 0; i < 3; i++)
      await client.publishAsync(
        f.topics.kioskEvents("kiosk-1"),
        JSON.stringify(kioskEvent("kiosk-1", { data: { productId: "peak-peach" } })),
        { qos: 1 },
      );
    const reply = await rpc(client, "kiosk-1", {
      id: "anon",
      method: "personalize",
      params: { identity: { type: "anonymous", value: "session-9" } },
    });
    const result = reply.result as { customer: unknown; offers: { productId: string; reason: string }[] };
    expect(result.customer).toBeNull();
    expect(result.offers.find((o) => o.productId === "peak-peach")?.reason).toBe("Popular here right now");
  });
});

describe("retained status, last will and state across a restart", () => {
  /** kiosk-1 connected with its offline will, its status published online (retained), as the app does */
  async function onlineKiosk() {
    const fixture = f!;
    const statusTopic = fixture.topics.kioskStatus("kiosk-1");
    const k = await fixture.connect("kiosk-1", {
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify({ state: "offline", ts: 0 })),
        qos: 1,
        retain: true,
      },
    });
    await k.publishAsync(statusTopic, JSON.stringify({ state: "online", ts: Date.now() }), {
      qos: 1,
      retain: true,
    });
    return { statusTopic, k };
  }

  it("publishes the kiosk's will as retained offline status when it drops, and keeps retained state across a restart", async () => {
    f = await startFixture({ seed });
    const { statusTopic, k } = await onlineKiosk();
    const ops = await f.connect("ops");
    const seen: string[] = [];
    ops.on("message", (topic, body) => topic === statusTopic && seen.push(JSON.parse(body.toString()).state));
    await ops.subscribeAsync(statusTopic, { qos: 1 });
    await waitFor(() => seen.includes("online"), 3000, "retained online");
    k.stream.destroy(); // the kiosk's Wi-Fi dies: no DISCONNECT
    await waitFor(() => seen.includes("offline"), 5000, "will");
    await ops.endAsync();

    await f.restart();
    const again = await f.connect("ops", { clean: true });
    const afterRestart: string[] = [];
    again.on(
      "message",
      (topic, body) => topic === statusTopic && afterRestart.push(JSON.parse(body.toString()).state),
    );
    await again.subscribeAsync(statusTopic, { qos: 1 });
    await waitFor(() => afterRestart.length > 0, 3000, "retained status after restart");
    expect(afterRestart).toEqual(["offline"]);
  });

  it("marks kiosks that were connected offline when the gateway shuts down", async () => {
    f = await startFixture({ seed });
    const { statusTopic, k } = await onlineKiosk();
    k.options.reconnectPeriod = 0;
    await f.restart();
    const ops = await f.connect("ops");
    const states: string[] = [];
    ops.on(
      "message",
      (topic, body) => topic === statusTopic && states.push(JSON.parse(body.toString()).state),
    );
    await ops.subscribeAsync(statusTopic, { qos: 1 });
    await waitFor(() => states.length > 0, 3000, "retained status after restart");
    expect(states).toEqual(["offline"]);
  });

  it("keeps a persistent kiosk session's subscriptions across a gateway restart", async () => {
    f = await startFixture({ seed });
    const first = await f.connect("kiosk-1", { clean: false });
    await first.subscribeAsync(f.topics.rpcResponse("kiosk-1"), { qos: 1 });
    await first.endAsync();
    await f.restart();
    const second = await f.connect("kiosk-1", { clean: false });
    // no new SUBSCRIBE: the session came back from disk
    expect(await rpc(second, "kiosk-1", { id: "session", method: "echo", params: { a: 1 } })).toMatchObject({
      ok: true,
      result: { a: 1 },
    });
  });
});

/** A fake radio: the one fake these tests allow. Emits iBeacon adverts as if heard by `scanner`. */
function fakeRadio(): Scanner & { emit(subject: number, scanner: string, rssi: number): void } {
  let deliver: ((ad: TraceRecord) => void) | null = null;
  return {
    async start(onAdvertisement) {
      deliver = onAdvertisement;
    },
    async stop() {
      deliver = null;
    },
    emit(minor, scanner, rssi) {
      const hex = (n: number) => n.toString(16).padStart(4, "0");
      deliver?.({
        ts: Date.now(),
        scanner,
        address: `c4:7c:8d:6a:11:${minor.toString(16).padStart(2, "0")}`,
        addressType: "random",
        rssi,
        connectable: false,
        manufacturerData: `4c000215${SUBJECT_UUID.replaceAll("-", "")}${hex(1001)}${hex(minor)}c5`,
      });
    },
  };
}

describe("presence wiring", () => {
  it("publishes presence and occupancy, stores presence events, and greets consented known visitors at their kiosk", async () => {
    const radio = fakeRadio();
    f = await startFixture({ seed, scanner: radio });
    const k = await f.connect("kiosk-1");
    const nearby: Record<string, unknown>[] = [];
    const occupancy: { count: number }[] = [];
    k.on("message", (topic, body) => {
      if (topic === f!.topics.kioskNearby("kiosk-1")) nearby.push(JSON.parse(body.toString()));
      if (topic === f!.topics.zoneOccupancy("kiosk-1")) occupancy.push(JSON.parse(body.toString()));
    });
    await k.subscribeAsync([f.topics.kioskNearby("kiosk-1"), f.topics.zoneOccupancy("kiosk-1")]);
    await waitFor(() => occupancy.length > 0, 3000, "retained occupancy");
    // Ada (consented) and a visitor without explicit consent stand at kiosk-1's scanner
    const timer = setInterval(() => {
      for (const minor of [1, 2]) {
        radio.emit(minor, "gw-c", -48);
        radio.emit(minor, "gw-b", -85);
      }
    }, 100);
    try {
      await waitFor(
        () =>
          f!.outbox.events.filter((e) => e.type === "presence.enter" && e.data.zone === "kiosk-1").length >=
          2,
        20_000,
        "presence.enter for both visitors",
      );
      await waitFor(() => nearby.length > 0, 3000, "nearby");
    } finally {
      clearInterval(timer);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(nearby).toHaveLength(1); // only the consented one
    expect(nearby[0]).toMatchObject({
      subject: subjectOf(1),
      customer: { id: "cust-ada", firstName: "Ada" },
    });
    const enter = f.outbox.events.find((e) => e.type === "presence.enter")!;
    expect(enter).toMatchObject({ source: { kind: "gateway", id: "gw-a" }, identity: { type: "subject" } });
    await waitFor(() => occupancy.some((o) => o.count === 2), 3000, "occupancy 2");
  }, 40_000);

  it("feeds satellite scanners' sightings into presence (hub), each scanner only under its own topic", async () => {
    const radio = fakeRadio();
    f = await startFixture({ seed, scanner: radio });
    const satellite = await f.connect("gw-d");
    const hex = (n: number) => n.toString(16).padStart(4, "0");
    const timer = setInterval(() => {
      const ts = Date.now();
      const record = {
        ts,
        scanner: "gw-d",
        address: "c4:7c:8d:6a:11:09",
        addressType: "random",
        rssi: -47,
        manufacturerData: `4c000215${SUBJECT_UUID.replaceAll("-", "")}${hex(1001)}${hex(9)}c5`,
      };
      satellite.publish(
        f!.topics.scannerSightings("gw-d"),
        JSON.stringify({ scanner: "gw-d", ts, records: [record] }),
      );
    }, 100);
    try {
      await waitFor(
        () => f!.outbox.events.find((e) => e.type === "presence.enter" && e.data.zone === "kiosk-2"),
        20_000,
        "presence from sightings",
      );
    } finally {
      clearInterval(timer);
    }
    satellite.publish(f.topics.scannerSightings("gw-c"), "{}");
    await closed(satellite);
  }, 40_000);
});
