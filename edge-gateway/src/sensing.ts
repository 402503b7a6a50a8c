/**
 * Edge sensing: BLE advertisements in, zone presence out. What the gateway composes:
 *
 * ```ts
 * const scanner = await createScanner(config.scanner, { venue, clock, logger, baseDir, scannerId: config.gatewayId });
 * const presence = createPresencePipeline({ venue, clock });
 * presence.onPresence((event) => publish(topics.zonePresence(event.zone), event));
 * presence.onOccupancy((zoneId, occupancy) => publish(topics.zoneOccupancy(zoneId), occupancy, { retain: true }));
 * await scanner.start((ad) => presence.observe(ad));
 * // hub: on `scanner/+/sightings`, decodeSightings(payload) → presence.ingestSightings(batch)
 * // shutdown: await scanner.stop(); presence.close(clock.now());
 * ```
 *
 * A satellite gateway instead forwards: `createSightingsForwarder({ client, venueId, scannerId })`
 * and `scanner.start((ad) => forwarder.push(ad))`.
 */
import { resolve } from "node:path";
import {
  type Clock,
  decodeJson,
  type GatewayConfig,
  type Result,
  SightingsBatch,
  systemClock,
  type Venue,
} from "@proxima/shared";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createNobleScanner } from "./ble/noble-scanner.js";
import { createReplayScanner } from "./ble/replay-scanner.js";
import type { Scanner } from "./ble/scanner.js";
import { createSimulatedScanner } from "./simulate/scanner.js";

export {
  type AdvertInfo,
  type BeaconFrame,
  type BeaconHealth,
  decodeAdvertisement,
  decodeAltBeacon,
  decodeEddystone,
  decodeIBeacon,
  decodeManufacturerData,
} from "./ble/decode.js";
/** test double for the radio under noble (tests, benchmarks) */
export { type FakeAdvertisement, FakeNobleBindings } from "./ble/fake-bindings.js";
export {
  createSightingsForwarder,
  type PublishingClient,
  type SightingsForwarder,
  type SightingsForwarderOptions,
} from "./ble/forwarder.js";
export {
  createNobleScanner,
  type NobleLike,
  type NobleScannerOptions,
  nobleWithBindings,
  peripheralToRecord,
} from "./ble/noble-scanner.js";
export { createReplayScanner } from "./ble/replay-scanner.js";
export type { Scanner } from "./ble/scanner.js";
export { type BadTraceLine, openTrace, readTrace } from "./ble/trace-file.js";
export { type Evaluation, evaluatePresence } from "./evaluate/evaluate.js";
export {
  createPresencePipeline,
  type PipelineStats,
  type PresencePipeline,
  type PresencePipelineOptions,
} from "./presence/pipeline.js";
export { DEFAULT_TUNING, type ResolvedTuning, resolveTuning } from "./presence/tuning.js";
export { createSimulatedScanner } from "./simulate/scanner.js";
export { createSimulation, type Simulation, type SimulationOptions } from "./simulate/simulator.js";

export interface ScannerDeps {
  venue: Venue;
  clock?: Clock;
  logger?: Logger;
  /** relative trace paths resolve against this (the config file's folder) */
  baseDir?: string;
  /** the venue scanner id of this gateway's own radio (noble); default: the first venue scanner */
  scannerId?: string;
  /** Prometheus registry for the radio's metrics (noble) */
  registry?: Registry;
}

/**
 * Builds the configured Scanner. `noble` loads the BLE stack only now; on a machine
 * without Bluetooth its `start()` rejects with a ProximaError `no_adapter` saying
 * what is missing and how to run on `--scanner simulate` / `--scanner replay`.
 * `none` never delivers anything (a hub fed only by satellites).
 */
export async function createScanner(config: GatewayConfig["scanner"], deps: ScannerDeps): Promise<Scanner> {
  const clock = deps.clock ?? systemClock;
  switch (config.kind) {
    case "noble": {
      const scannerId = config.scannerId ?? deps.scannerId ?? deps.venue.scanners[0]!.id;
      return createNobleScanner({
        scannerId,
        clock,
        stallRestartMs: config.stallRestartMs,
        ...(deps.logger ? { logger: deps.logger } : {}),
        ...(deps.registry ? { registry: deps.registry } : {}),
      });
    }
    case "replay":
      return createReplayScanner({
        trace: config.trace === "-" ? "-" : resolve(deps.baseDir ?? ".", config.trace),
        speed: config.speed,
        clock,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    case "simulate":
      return createSimulatedScanner({
        venue: deps.venue,
        seed: config.seed,
        visitors: config.visitors,
        speed: config.speed,
        clock,
        ...(config.anonymousDevices !== undefined ? { anonymousDevices: config.anonymousDevices } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    case "none":
      return { start: async () => {}, stop: async () => {} };
  }
}

/** Validates a `scanner/<id>/sightings` payload (untrusted MQTT bytes). */
export function decodeSightings(payload: string | Uint8Array): Result<SightingsBatch> {
  return decodeJson(SightingsBatch, payload, "sightings batch");
}
