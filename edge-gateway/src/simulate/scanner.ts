import { type Clock, systemClock, type TraceRecord, type Venue } from "@proxima/shared";
import type { Logger } from "pino";
import type { Scanner } from "../ble/scanner.js";
import { createSimulation } from "./simulator.js";

export interface SimulatedScannerOptions {
  venue: Venue;
  seed: number;
  visitors: number;
  anonymousDevices?: number;
  /** real-time factor */
  speed?: number;
  clock?: Clock;
  logger?: Logger;
  /** delivery batch period, ms of wall time */
  batchMs?: number;
}

/**
 * A simulated venue as a radio: an endless simulation (visitors keep coming and going)
 * played at wall-clock pace × speed, for demos and laptops without Bluetooth. Every
 * scanner of the venue "hears" its share, as if the satellites forwarded theirs.
 */
export function createSimulatedScanner(options: SimulatedScannerOptions): Scanner {
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? 1;
  const batchMs = options.batchMs ?? 100;
  const origin = clock.now();
  const simulation = createSimulation({
    venue: options.venue,
    seed: options.seed,
    visitors: options.visitors,
    ...(options.anonymousDevices !== undefined ? { anonymousDevices: options.anonymousDevices } : {}),
    startTs: 0,
    truth: false,
    // the gateway's venue file is what the tracker knows: invent no beacons it cannot know
    wallBeacons: false,
  });
  let running = false;
  let timer: ReturnType<Clock["setTimeout"]> | undefined;
  let next: TraceRecord | null = null;

  const pump = (onAdvertisement: (ad: TraceRecord) => void) => {
    timer = undefined;
    if (!running) return;
    const simNow = (clock.now() - origin) * speed;
    next ??= simulation.next();
    while (next !== null && next.ts <= simNow) {
      onAdvertisement({ ...next, ts: Math.round(origin + next.ts / speed) });
      next = simulation.next();
    }
    timer = clock.setTimeout(() => pump(onAdvertisement), batchMs);
  };

  return {
    async start(onAdvertisement) {
      if (running) return;
      running = true;
      options.logger?.info(
        { scanner: "simulate", seed: options.seed, visitors: options.visitors, speed },
        "simulated venue started",
      );
      pump(onAdvertisement);
    },
    async stop() {
      running = false;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
