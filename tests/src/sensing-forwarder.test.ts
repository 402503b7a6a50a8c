/**
 * Multi-scanner venues: a satellite forwards its sightings to the hub broker on
 * `scanner/<id>/sightings`, and the hub's presence pipeline decides zones from them.
 * Against the real Mosquitto (MQTT 3.1.1), as between two gateways on a store network.
 */
import { createPresencePipeline, createSightingsForwarder, decodeSightings } from "@proxima/edge-gateway";
import { type PresenceEvent, type TraceRecord, topicsFor, type Venue } from "@proxima/shared";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOSQUITTO_URL, requireMosquitto } from "../harness/index.js";

// a venue id of its own: nothing else on the shared broker lands in this test
const venueId = `sense-${process.pid}-${Date.now() % 100000}`;
const venue: Venue = {
  venueId,
  name: "Two rooms",
  scanners: [
    { id: "hub", zone: "front", position: { x: 0, y: 0 } },
    { id: "sat-1", zone: "back", position: { x: 12, y: 0 } },
  ],
  zones: [
    { id: "front", name: "Front", kind: "entrance" },
    { id: "back", name: "Back", kind: "kiosk", kioskId: "kiosk-1" },
  ],
};
const SUBJECT = "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949";
const IBEACON = "4c000215426c7565436861726d426561636f6e730efe1355c5";
const topics = topicsFor(venueId);

let satellite: mqtt.MqttClient;
let hub: mqtt.MqttClient;

beforeAll(async () => {
  await requireMosquitto();
  satellite = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4, clientId: `${venueId}-sat` });
  hub = await mqtt.connectAsync(MOSQUITTO_URL, { protocolVersion: 4, clientId: `${venueId}-hub` });
});
afterAll(async () => {
  await satellite?.endAsync();
  await hub?.endAsync();
});

describe("satellite sightings → hub presence", () => {
  it("batches sightings on scanner/<id>/sightings and the hub places the subject from them", async () => {
    const pipeline = createPresencePipeline({ venue });
    const events: PresenceEvent[] = [];
    pipeline.onPresence((e) => events.push(e));
    const batches: number[] = [];
    const rejected: string[] = [];
    await hub.subscribeAsync(topics.filters.allSightings, { qos: 0 });
    hub.on("message", (topic, payload) => {
      const batch = decodeSightings(payload);
      if (!batch.ok) {
        rejected.push(batch.error.message);
        return;
      }
      expect(topic).toBe(topics.scannerSightings(batch.value.scanner));
      batches.push(batch.value.records.length);
      pipeline.ingestSightings(batch.value);
    });

    const forwarder = createSightingsForwarder({
      client: satellite,
      venueId,
      scannerId: "sat-1",
      maxBatch: 50,
      flushMs: 100,
    });
    const t0 = 1_732_262_400_000;
    // the subject stands next to the satellite's scanner; the hub hears it faintly
    for (let i = 0; i < 120; i++) {
      const ts = t0 + i * 100;
      const ad: TraceRecord = {
        ts,
        scanner: "sat-1",
        address: "c4:7c:8d:6a:11:02",
        rssi: -62,
        manufacturerData: IBEACON,
      };
      forwarder.push(ad);
      pipeline.observe({ ...ad, scanner: "hub", rssi: -85 });
    }
    forwarder.close();
    const deadline = Date.now() + 5000;
    while (batches.reduce((a, b) => a + b, 0) < 120 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(rejected).toEqual([]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...batches)).toBeLessThanOrEqual(50);
    expect(forwarder.stats()).toMatchObject({ records: 120, errors: 0 });
    expect(pipeline.zoneOf(SUBJECT)).toBe("back");
    expect(events.filter((e) => e.type === "enter").at(-1)).toMatchObject({ zone: "back", subject: SUBJECT });
  });

  it("a malformed sightings payload is refused with the reason, never thrown", () => {
    const bad = decodeSightings(
      Buffer.from(JSON.stringify({ scanner: "sat-1", ts: 1, records: [{ ts: -1 }] })),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("bad_request");
    const notJson = decodeSightings(Buffer.from("{nope"));
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.error.code).toBe("bad_json");
  });
});
