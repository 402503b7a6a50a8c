import mqtt from "mqtt";

export const MOSQUITTO_URL = process.env.PROXIMA_TEST_MOSQUITTO ?? "mqtt://127.0.0.1:1883";

/**
 * Resolves once the local Mosquitto accepts an MQTT 3.1.1 connection; otherwise throws
 * saying what is missing (the benchmarks compare our broker against it).
 */
export async function requireMosquitto(url = MOSQUITTO_URL, timeoutMs = 5000): Promise<void> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: timeoutMs });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
      client.once("close", () => reject(new Error("connection closed")));
    });
  } catch (cause) {
    throw new Error(
      `Mosquitto is not reachable at ${url} (${(cause as Error).message}). Start it with "mosquitto -d" (.ci/run does) or set PROXIMA_TEST_MOSQUITTO.`,
    );
  } finally {
    await client.endAsync(true);
  }
}
