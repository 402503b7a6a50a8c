/**
 * The gateway's broker against bad input (issue: "Bad input"): wrong password, unknown
 * kiosk, anonymous clients, MQTT-3.1.3-8, publishes and subscriptions outside a kiosk's
 * topics, malformed RPC, oversize payloads, 10,000 connect/disconnect cycles. Each gets
 * the protocol's refusal or an error reply, is logged with the client id, and the broker
 * keeps serving everyone else.
 */
import { connect as netConnect } from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { DEMO_CATALOGUE, demoProfiles } from "@proxima/edge-gateway";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closed, type Fixture, rpc, startFixture, waitFor } from "./gateway-fixture.js";

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({
    seed: [
      { kind: "catalogue.replace", catalogue: DEMO_CATALOGUE },
      ...demoProfiles(50).map((profile) => ({ kind: "profile.upsert" as const, profile })),
    ],
    limits: { maxPayloadBytes: 4096 },
  });
});
afterAll(async () => {
  await f?.close();
});

/** a kiosk that must keep being served while others misbehave */
async function bystanderStillServed() {
  const client = await f.connect("kiosk-2");
  await client.subscribeAsync(f.topics.rpcResponse("kiosk-2"), { qos: 0 });
  const reply = await rpc(client, "kiosk-2", { id: "still-there", method: "echo", params: { x: 1 } });
  expect(reply).toEqual({ id: "still-there", ok: true, result: { x: 1 } });
  await client.endAsync();
}

async function refusedWith(id: string, options: mqtt.IClientOptions): Promise<number | undefined> {
  try {
    const client = await mqtt.connectAsync(f.url, {
      protocolVersion: 4,
      clientId: id,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    await client.endAsync(true);
    return undefined;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

const logged = (clientId: string, text: string) =>
  waitFor(
    () => f.logs.find((l) => l.clientId === clientId && l.msg.includes(text)),
    3000,
    `log "${text}" for ${clientId}`,
  );

describe("authentication", () => {
  it("refuses a wrong password with CONNACK 4 and logs the client id", async () => {
    expect(await refusedWith("kiosk-1", { username: "kiosk-1", password: "not-the-secret" })).toBe(4);
    await logged("kiosk-1", "wrong password");
    await bystanderStillServed();
  });

  it("refuses an unknown kiosk with CONNACK 5", async () => {
    expect(await refusedWith("kiosk-99", { username: "kiosk-99", password: "whatever" })).toBe(5);
    await logged("kiosk-99", "unknown or revoked");
  });

  it("refuses a username that is not the client id", async () => {
    expect(await refusedWith("kiosk-1", { username: "kiosk-2", password: f.secrets["kiosk-2"]! })).toBe(4);
  });

  it("refuses anonymous clients when the development switch is off, even from loopback", async () => {
    expect(await refusedWith("anon", {})).toBe(5);
    await logged("anon", "anonymous");
  });

  it("refuses an empty client id with a persistent session: CONNACK 0x02 (MQTT-3.1.3-8)", async () => {
    // MQTT.js will not send this, so the CONNECT is written by hand (MQTT 3.1.1 §3.1)
    const user = Buffer.from("kiosk-1");
    const pass = Buffer.from(f.secrets["kiosk-1"]!);
    const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0xc0, 0, 30]); // user+password flags, CleanSession=0
    const payload = Buffer.concat([
      Buffer.from([0, 0]), // zero-byte client id
      Buffer.from([0, user.length]),
      user,
      Buffer.from([0, pass.length]),
      pass,
    ]);
    const body = Buffer.concat([variable, payload]);
    const socket = netConnect(f.gateway.port, "127.0.0.1");
    socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    const connack = await new Promise<Buffer>((resolve, reject) => {
      socket.once("data", resolve);
      socket.once("error", reject);
    });
    expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x02]);
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await waitFor(() => f.logs.find((l) => l.reason === "empty_client_id"), 3000, "empty id log");
  });

  it("accepts kiosks over WebSocket with their credentials", async () => {
    const client = await f.connect("kiosk-1", { protocol: "ws" });
    await client.subscribeAsync(f.topics.rpcResponse("kiosk-1"));
    expect(await rpc(client, "kiosk-1", { id: "ws", method: "echo", params: {} })).toMatchObject({
      ok: true,
    });
    await client.endAsync();
  });
});

describe("ACL", () => {
  it("closes a kiosk that publishes under another kiosk's topics (MQTT-3.3.5-2) and keeps serving others", async () => {
    const client = await f.connect("kiosk-1");
    client.publish(f.topics.kioskEvents("kiosk-2"), "{}", { qos: 1 });
    await closed(client);
    await logged("kiosk-1", "outside the client's topics");
    await bystanderStillServed();
  });

  it("refuses a kiosk publishing replies to itself (only the gateway answers)", async () => {
    const client = await f.connect("kiosk-1");
    client.publish(f.topics.rpcResponse("kiosk-1"), JSON.stringify({ id: "x", ok: true, result: {} }));
    await closed(client);
  });

  it("answers a subscription outside the kiosk's topics with SUBACK 0x80 and keeps the connection", async () => {
    const client = await f.connect("kiosk-1");
    // MQTT.js turns any 0x80 into an error; read the SUBACK itself
    const suback = new Promise<number[]>((resolve) => {
      const onPacket = (packet: mqtt.Packet) => {
        if (packet.cmd !== "suback") return;
        client.off("packetreceive", onPacket);
        resolve((packet as unknown as { granted: number[] }).granted);
      };
      client.on("packetreceive", onPacket);
    });
    client.subscribe(
      [
        f.topics.rpcResponse("kiosk-1"),
        f.topics.rpcResponse("kiosk-2"),
        "proxima/store-042/kiosk/+/rpc/response",
        f.topics.zoneOccupancy("kiosk-1"),
        f.topics.zoneOccupancy("entrance"),
      ],
      () => undefined,
    );
    expect(await suback).toEqual([0, 128, 128, 0, 128]);
    await logged("kiosk-1", "subscription refused");
    expect(await rpc(client, "kiosk-1", { id: "after-suback", method: "echo", params: {} })).toMatchObject({
      ok: true,
    });
    await client.endAsync();
  });
});

describe("RPC answers every request exactly once", () => {
  it("answers malformed JSON, bad envelopes, unknown methods and bad params with coded errors", async () => {
    const client = await f.connect("kiosk-1");
    await client.subscribeAsync(f.topics.rpcResponse("kiosk-1"));
    const replies: Record<string, unknown>[] = [];
    client.on("message", (_t, body) => replies.push(JSON.parse(body.toString()) as Record<string, unknown>));

    expect(await rpc(client, "kiosk-1", "{not json")).toMatchObject({
      id: "",
      ok: false,
      error: { code: "bad_json" },
    });
    expect(await rpc(client, "kiosk-1", { id: "no-method" })).toMatchObject({
      id: "no-method",
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await rpc(client, "kiosk-1", { id: "u", method: "launchMissiles" })).toMatchObject({
      ok: false,
      error: { code: "unknown_method" },
    });
    expect(
      await rpc(client, "kiosk-1", { id: "p", method: "personalize", params: { identity: "me" } }),
    ).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await rpc(client, "kiosk-1", { id: "proto", method: "__proto__" })).toMatchObject({
      error: { code: "unknown_method" },
    });
    const ok = await rpc(client, "kiosk-1", {
      id: "good",
      method: "personalize",
      params: { identity: { type: "loyalty", value: "L00100003" } },
    });
    expect(ok).toMatchObject({ id: "good", ok: true, result: { customer: { id: "cust-000004" } } });
    // settle, then: one reply per request, no extras
    await new Promise((r) => setTimeout(r, 200));
    expect(replies.map((r) => r.id)).toEqual(["", "no-method", "u", "p", "proto", "good"]);
    await logged("kiosk-1", "rpc refused");
    await client.endAsync();
  });

  it("answers a repeated request id with the same reply, not a second decision", async () => {
    const client = await f.connect("kiosk-1");
    await client.subscribeAsync(f.topics.rpcResponse("kiosk-1"));
    const request = {
      id: "dup-1",
      method: "personalize",
      params: { identity: { type: "anonymous", value: "s1" } },
    };
    const first = await rpc(client, "kiosk-1", request);
    const decisions = f.outbox.events.filter((e) => e.type === "decision.made").length;
    const second = await rpc(client, "kiosk-1", request);
    expect(second).toEqual(first);
    expect(f.outbox.events.filter((e) => e.type === "decision.made").length).toBe(decisions);
    await client.endAsync();
  });
});

describe("limits", () => {
  it("closes a client whose payload is over the limit, logs it, and keeps serving others", async () => {
    const client = await f.connect("kiosk-1");
    client.publish(f.topics.rpcRequest("kiosk-1"), Buffer.alloc(8192, 0x20), { qos: 1 });
    await closed(client);
    await logged("kiosk-1", "payload over the limit");
    await bystanderStillServed();
  });

  it("survives 10,000 connect/disconnect cycles without leaking clients or memory", async () => {
    // a forced GC makes heap figures comparable; --expose-gc at runtime, for this test only
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const cycle = async (i: number) => {
      const client = await mqtt.connectAsync(f.url, {
        protocolVersion: 4,
        clientId: `ops`,
        username: "ops",
        password: f.secrets.ops!,
        reconnectPeriod: 0,
        clean: i % 2 === 0,
      });
      await client.endAsync();
    };
    for (let i = 0; i < 500; i++) await cycle(i);
    gc();
    const before = process.memoryUsage().heapUsed;
    const started = Date.now();
    for (let i = 0; i < 10_000; i++) await cycle(i);
    gc();
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const growthMb = (process.memoryUsage().heapUsed - before) / 1e6;
    const aedesClients = Object.keys(
      (f.gateway.broker.aedes as unknown as { clients: object }).clients,
    ).length;
    console.log(`10,000 cycles in ${Date.now() - started} ms, heap growth ${growthMb.toFixed(2)} MB`);
    expect(aedesClients).toBe(0);
    expect(growthMb).toBeLessThan(2);
    await bystanderStillServed();
  }, 180_000);
});
