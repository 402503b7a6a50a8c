/**
 * The kiosk's MQTT link against a real broker (the machine's Mosquitto, MQTT 3.1.1)
 * with a stand-in gateway client: typed RPC with a timeout and clear errors, every
 * payload checked by its shared schema, QoS 1 events acknowledged, a last will.
 */
import { type Nearby, newId, ProximaError, topicsFor } from "@proxima/shared";
import mqtt, { type MqttClient } from "mqtt";
import * as tcpModule from "mqtt/lib/connect/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttLink } from "../../kiosk-ui/src/gateway/mqtt-link.js";
import { MOSQUITTO_URL, requireMosquitto } from "../harness/index.js";

// mqtt/lib/connect/tcp is CommonJS with exports.default: unwrap whatever the loader gives
let tcp: unknown = tcpModule;
while (typeof tcp !== "function") tcp = (tcp as { default: unknown }).default;
const transport = tcp as NonNullable<ConstructorParameters<typeof MqttLink>[0]["transport"]>;

const venueId = `kiosk-link-${process.pid}-${Date.now()}`;
const topics = topicsFor(venueId);
const config = { gatewayUrl: MOSQUITTO_URL, venueId, kioskId: "kiosk-9", secret: "unused-by-mosquitto" };

let gateway: MqttClient;
let link: MqttLink;
const problems: string[] = [];
const onRequest = new Set<(request: { id: string; method: string; params: unknown }) => void>();

beforeAll(async () => {
  await requireMosquitto();
  gateway = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4, clientId: `gw-${venueId}` });
  await gateway.subscribeAsync(topics.rpcRequest("kiosk-9"), { qos: 1 });
  gateway.on("message", (topic, payload) => {
    if (topic === topics.rpcRequest("kiosk-9"))
      for (const handler of onRequest) handler(JSON.parse(payload.toString()));
  });
  link = new MqttLink({ config, transport, onProblem: (m) => problems.push(m) });
  await new Promise<void>((resolve) => {
    if (link.state === "online") resolve();
    link.onState((state) => state === "online" && resolve());
  });
});

afterAll(async () => {
  await link?.close();
  // leave nothing retained on the shared broker
  await gateway?.publishAsync(topics.kioskStatus("kiosk-9"), "", { retain: true, qos: 1 });
  await gateway?.endAsync();
});

function answerOnce(reply: (id: string) => unknown) {
  const handler = (request: { id: string }) => {
    onRequest.delete(handler);
    gateway.publish(topics.rpcResponse("kiosk-9"), JSON.stringify(reply(request.id)), { qos: 1 });
  };
  onRequest.add(handler);
}

describe("MqttLink", () => {
  it("announces itself online, retained", async () => {
    const watcher = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4 });
    const status = new Promise<string>((resolve) => watcher.on("message", (_t, p) => resolve(p.toString())));
    await watcher.subscribeAsync(topics.kioskStatus("kiosk-9"));
    expect(JSON.parse(await status)).toMatchObject({ state: "online" });
    await watcher.endAsync();
  });

  it("times out a request nobody answers, naming the method", async () => {
    const started = Date.now();
    const error = await link
      .call("personalize", { identity: { type: "anonymous", value: "" } }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProximaError);
    expect(error).toMatchObject({
      code: "timeout",
      message: expect.stringMatching(/did not answer personalize within 300 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("resolves a typed result, correlated by id", async () => {
    let sent: { method: string; params: unknown } | null = null;
    const handler = (request: { id: string; method: string; params: unknown }) => {
      onRequest.delete(handler);
      sent = request;
      gateway.publish(
        topics.rpcResponse("kiosk-9"),
        JSON.stringify({
          id: request.id,
          ok: true,
          result: {
            decisionId: "d-1",
            customer: null,
            offers: [{ offerId: "o", title: "Cola", reason: "Popular here" }],
          },
        }),
        { qos: 1 },
      );
    };
    onRequest.add(handler);
    // a reply to someone else's request is ignored
    gateway.publish(topics.rpcResponse("kiosk-9"), JSON.stringify({ id: "not-mine", ok: true, result: {} }));
    const result = await link.call("personalize", { identity: { type: "loyalty", value: "L1" }, limit: 2 });
    expect(result.offers[0]?.reason).toBe("Popular here");
    expect(sent).toMatchObject({
      method: "personalize",
      params: { identity: { type: "loyalty", value: "L1" }, limit: 2 },
    });
  });

  it("turns a gateway error and a result that breaks the schema into clear errors", async () => {
    answerOnce((id) => ({
      id,
      ok: false,
      error: { code: "unknown_method", message: 'unknown method "catalogue"' },
    }));
    await expect(link.call("catalogue", {})).rejects.toMatchObject({
      code: "unknown_method",
      message: 'the gateway refused catalogue: unknown method "catalogue"',
    });
    answerOnce((id) => ({ id, ok: true, result: { decisionId: 5, offers: [] } }));
    await expect(
      link.call("personalize", { identity: { type: "anonymous", value: "" } }),
    ).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/invalid personalize result: decisionId/),
    });
  });

  it("passes on a valid nearby greeting and drops a malformed one", async () => {
    const seen: Nearby[] = [];
    const off = link.onNearby((n) => seen.push(n));
    await gateway.publishAsync(topics.kioskNearby("kiosk-9"), JSON.stringify({ ts: 1, subject: "x" }), {
      qos: 1,
    });
    const nearby = { ts: 2, subject: "ibeacon:a:1:2", customer: { id: "c", firstName: "Ana", segments: [] } };
    await gateway.publishAsync(topics.kioskNearby("kiosk-9"), JSON.stringify(nearby), { qos: 1 });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]?.customer.firstName).toBe("Ana");
    expect(problems.some((p) => /invalid nearby: customer/.test(p))).toBe(true);
    off();
  });

  it("publishes an event with QoS 1 and resolves on the broker's acknowledgement", async () => {
    const watcher = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4 });
    await watcher.subscribeAsync(topics.kioskEvents("kiosk-9"), { qos: 1 });
    const got = new Promise<{ qos: number; body: string }>((resolve) =>
      watcher.on("message", (_t, p, packet) => resolve({ qos: packet.qos, body: p.toString() })),
    );
    const event = {
      id: newId(),
      ts: Date.now(),
      venueId,
      source: { kind: "kiosk" as const, id: "kiosk-9" },
      type: "pour.started" as const,
      identity: { type: "anonymous" as const, value: "s" },
      data: {},
    };
    await link.publishEvent(event);
    const received = await got;
    expect(received.qos).toBe(1);
    expect(JSON.parse(received.body)).toMatchObject({ id: event.id, type: "pour.started" });
    await expect(link.publishEvent({ ...event, id: "not-a-uuid" })).rejects.toMatchObject({
      code: "bad_request",
    });
    await watcher.endAsync();
  });
});
