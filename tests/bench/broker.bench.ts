/**
 * Broker throughput: QoS 0 and QoS 1 messages/s from one publisher to one subscriber
 * through the gateway's broker as configured in production (aedes, TCP noDelay,
 * per-client credentials, ACLs, publish hooks), and the same client code against the
 * local Mosquitto (127.0.0.1:1883) in the same run. `ratioToMosquitto` compares QoS 1,
 * the class kiosk events use. Runs alternate between the brokers and each figure is the
 * best of its runs, so a burst of load from other work on the machine penalises neither.
 *
 * Topic: a zone's prompts (what signage and kiosks receive): a service publishes, the
 * kiosk standing in that zone subscribes — the ACL allows exactly that.
 */

import { topicsFor } from "@proxima/shared";
import mqtt, { type IClientOptions } from "mqtt";
import { requireMosquitto } from "../harness/mosquitto.js";
import { benchOptions, report } from "./report.js";
import { startBenchGateway } from "./start-gateway.js";

const options = benchOptions();
const MESSAGES = { 0: 50_000, 1: 20_000 } as const;
const PAYLOAD = Buffer.alloc(100, 0x61);
const RUNS = 3;
const topic = topicsFor("store-042").zonePrompts("kiosk-1");

await requireMosquitto();
const gateway = await startBenchGateway({
  profiles: 0,
  clients: [
    { id: "bench-pub", role: "service" },
    { id: "kiosk-1", role: "kiosk" },
  ],
});

interface Target {
  name: string;
  url: string;
  publisher: IClientOptions;
  subscriber: IClientOptions;
}
const base: IClientOptions = { protocolVersion: 4, reconnectPeriod: 0, clean: true };
const ours: Target = {
  name: "proxima",
  url: `mqtt://127.0.0.1:${gateway.port}`,
  publisher: {
    ...base,
    clientId: "bench-pub",
    username: "bench-pub",
    password: gateway.secrets["bench-pub"]!,
  },
  subscriber: { ...base, clientId: "kiosk-1", username: "kiosk-1", password: gateway.secrets["kiosk-1"]! },
};
const mosquitto: Target = {
  name: "mosquitto",
  url: "mqtt://127.0.0.1:1883",
  publisher: { ...base, clientId: `proxima-bench-pub-${process.pid}` },
  subscriber: { ...base, clientId: `proxima-bench-sub-${process.pid}` },
};

/** Publishes `n` messages as fast as the client takes them; msgs/s until the subscriber has them all. */
async function run(target: Target, qos: 0 | 1): Promise<number> {
  const n = MESSAGES[qos];
  const sub = await mqtt.connectAsync(target.url, target.subscriber);
  await sub.subscribeAsync(topic, { qos });
  const pub = await mqtt.connectAsync(target.url, target.publisher);
  let received = 0;
  let lastAt = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) => {
    const idle = setInterval(() => {
      // QoS 0 may drop under pressure: stop once nothing arrived for 2 s
      if (received > 0 && performance.now() - lastAt > 2000) {
        clearInterval(idle);
        resolve();
      }
    }, 200);
    sub.on("message", () => {
      received++;
      lastAt = performance.now();
      if (received === n) {
        clearInterval(idle);
        resolve();
      }
    });
  });
  // in windows of 1,000 so the client's own buffering does not dominate
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++)
      batch.push(
        qos === 1
          ? pub.publishAsync(topic, PAYLOAD, { qos })
          : new Promise((r) => pub.publish(topic, PAYLOAD, { qos }, r)),
      );
    await Promise.all(batch);
  }
  await done;
  const elapsed = lastAt - start;
  await Promise.all([pub.endAsync(), sub.endAsync()]);
  return Math.round((received * 1000) / elapsed);
}

const best = { proxima: { 0: 0, 1: 0 }, mosquitto: { 0: 0, 1: 0 } };
for (let i = 0; i < RUNS; i++)
  for (const target of i % 2 === 0 ? [ours, mosquitto] : [mosquitto, ours])
    for (const qos of [0, 1] as const) {
      const rate = await run(target, qos);
      const name = target.name as "proxima" | "mosquitto";
      best[name][qos] = Math.max(best[name][qos], rate);
    }
await gateway.stop();

const round = (n: number) => Math.round(n * 100) / 100;
report(
  "broker: 1 publisher → 1 subscriber, 100-byte payloads, MQTT 3.1.1 over TCP loopback (best of 3 alternating runs)",
  {
    qos0MsgsPerSec: best.proxima[0],
    qos1MsgsPerSec: best.proxima[1],
    mosquittoQos0MsgsPerSec: best.mosquitto[0],
    mosquittoQos1MsgsPerSec: best.mosquitto[1],
    ratioToMosquitto: round(best.proxima[1] / best.mosquitto[1]),
    qos0RatioToMosquitto: round(best.proxima[0] / best.mosquitto[0]),
  },
  options,
);
