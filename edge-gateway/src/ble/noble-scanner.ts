/**
 * The live radio: the only file that touches `@abandonware/noble`, loaded lazily so
 * `replay`, `simulate` and machines without Bluetooth never load the BLE stack.
 */
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { type Clock, ProximaError, systemClock, type TimerHandle, type TraceRecord } from "@proxima/shared";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Scanner } from "./scanner.js";

/** The slice of noble's Peripheral we read (typed here so noble's types never leak). */
interface NoblePeripheral {
  uuid?: string;
  id?: string;
  address?: string;
  addressType?: string;
  connectable?: boolean;
  rssi: number;
  advertisement?: {
    localName?: string;
    txPowerLevel?: number;
    manufacturerData?: Uint8Array;
    serviceData?: { uuid: string; data: Uint8Array }[];
    serviceUuids?: string[];
  };
}

/** The slice of a noble instance we use, including the per-address tables we evict. */
export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanning(
    serviceUuids: string[],
    allowDuplicates: boolean,
    callback?: (error?: Error | null) => void,
  ): void;
  stopScanning(callback?: () => void): void;
  _peripherals?: Record<string, unknown>;
  _services?: Record<string, unknown>;
  _characteristics?: Record<string, unknown>;
  _descriptors?: Record<string, unknown>;
  _discoveredPeripheralUUids?: Record<string, unknown>;
  _bindings?: {
    _addresses?: Record<string, unknown>;
    _addresseTypes?: Record<string, unknown>;
    _connectable?: Record<string, unknown>;
    scannable?: Record<string, unknown>;
    _gap?: { _discoveries?: Record<string, unknown> };
    onSigIntBinded?: (...args: unknown[]) => void;
  };
}

export interface NobleScannerOptions {
  /** the venue scanner id this radio is */
  scannerId: string;
  clock?: Clock;
  logger?: Logger;
  /** restart the scan after this long without any advertisement (default 3000, ≤ 5000) */
  stallRestartMs?: number;
  /** forget noble's state for an address unheard this long (default 30 s) */
  evictAfterMs?: number;
  /** and never keep more than this many addresses (default 5000) */
  maxAddresses?: number;
  /** how long to wait for the adapter to power on at start (default 10 s) */
  powerOnTimeoutMs?: number;
  /** how noble is obtained; tests pass noble built over fake bindings */
  loadNoble?: () => Promise<NobleLike>;
  /** Prometheus registry for restarts, evictions and tracked addresses */
  registry?: Registry;
}

export interface NobleScannerStats {
  adverts: number;
  restarts: number;
  evicted: number;
  trackedAddresses: number;
  state: string;
}

const HOW_TO_RUN_WITHOUT =
  'Run without a radio with "--scanner simulate" (a simulated venue) or "--scanner replay --trace <trace.jsonl>" (a recorded trace), or set "scanner": {"kind": "simulate"} in gateway.json.';

/** What a failed load of the BLE stack means for the user, and what to do instead. */
export function noAdapterError(cause: unknown): ProximaError {
  const error = cause as NodeJS.ErrnoException;
  const message = error instanceof Error ? error.message : String(cause);
  if (error?.code === "EAFNOSUPPORT")
    return new ProximaError(
      "no_adapter",
      `no Bluetooth adapter: the kernel refused a Bluetooth HCI socket (EAFNOSUPPORT, address family not supported — no adapter or no Bluetooth support on this machine). ${HOW_TO_RUN_WITHOUT}`,
    );
  if (error?.code === "MODULE_NOT_FOUND" || /bluetooth_hci_socket|\.node\b/.test(message))
    return new ProximaError(
      "no_adapter",
      `the BLE stack is not installed (${message}); rebuild @abandonware/noble and @abandonware/bluetooth-hci-socket (pnpm must allow their build scripts). ${HOW_TO_RUN_WITHOUT}`,
    );
  return new ProximaError(
    "no_adapter",
    `cannot open the Bluetooth adapter: ${message}. ${HOW_TO_RUN_WITHOUT}`,
  );
}

/** Loads the real noble; its index opens an HCI socket at require time. */
export async function loadRealNoble(): Promise<NobleLike> {
  const require = createRequire(import.meta.url);
  try {
    return require("@abandonware/noble") as NobleLike;
  } catch (cause) {
    throw noAdapterError(cause);
  }
}

/** noble over other bindings (tests and benchmarks: noble's own code over a fake radio). */
export function nobleWithBindings(bindings: unknown): NobleLike {
  const require = createRequire(import.meta.url);
  const withBindings = require("@abandonware/noble/with-bindings") as (b: unknown) => NobleLike;
  return withBindings(bindings);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b]!;
  return out;
}

/** noble's Peripheral → a contract trace record (clamped to the schema's ranges). */
export function peripheralToRecord(p: NoblePeripheral, scanner: string, ts: number): TraceRecord {
  const record: TraceRecord = {
    ts,
    scanner,
    address: (p.address && p.address !== "unknown" ? p.address : (p.uuid ?? p.id ?? "unknown")).slice(0, 64),
    rssi: Math.max(-127, Math.min(20, Math.round(p.rssi))),
  };
  if (p.addressType === "public" || p.addressType === "random") record.addressType = p.addressType;
  if (p.connectable !== undefined) record.connectable = p.connectable;
  const ad = p.advertisement;
  if (ad) {
    if (ad.localName) record.localName = ad.localName.slice(0, 64);
    if (typeof ad.txPowerLevel === "number" && ad.txPowerLevel >= -127 && ad.txPowerLevel <= 127)
      record.txPowerLevel = Math.round(ad.txPowerLevel);
    if (ad.manufacturerData && ad.manufacturerData.length > 0)
      record.manufacturerData = toHex(ad.manufacturerData);
    if (ad.serviceData && ad.serviceData.length > 0)
      record.serviceData = ad.serviceData.map((s) => ({ uuid: s.uuid.toLowerCase(), data: toHex(s.data) }));
    if (ad.serviceUuids && ad.serviceUuids.length > 0) record.serviceUuids = ad.serviceUuids;
  }
  return record;
}

/**
 * noble as a Proxima Scanner:
 * - `startScanning([], true)`: duplicates allowed, or noble reports each address once
 *   and RSSI stops flowing;
 * - a watchdog restarts a scan that went quiet for `stallRestartMs` (HCI scans stall
 *   on Raspberry Pis) or that stopped without being asked to;
 * - adapter power-off/on: scanning resumes on the next `poweredOn`;
 * - noble keeps ~1.2 KB per address it ever saw and never forgets; phones rotate
 *   addresses, so addresses unheard for `evictAfterMs` (or beyond `maxAddresses`) are
 *   removed from noble's and its HCI bindings' tables.
 */
export function createNobleScanner(options: NobleScannerOptions): Scanner & { stats(): NobleScannerStats } {
  const clock = options.clock ?? systemClock;
  const log = options.logger;
  const stallMs = Math.min(5000, options.stallRestartMs ?? 3000);
  const evictAfterMs = options.evictAfterMs ?? 30_000;
  const maxAddresses = options.maxAddresses ?? 5000;
  const powerOnTimeoutMs = options.powerOnTimeoutMs ?? 10_000;
  const load = options.loadNoble ?? loadRealNoble;
  /** uuid → last heard; Map order = least recently heard first */
  const seen = new Map<string, { address: string; ts: number }>();
  const stats = { adverts: 0, restarts: 0, evicted: 0 };
  let noble: NobleLike | undefined;
  let wanted = false;
  let lastActivity = 0;
  /** the next scanStop is the one we asked for (a stall restart) */
  let ownStop = false;
  let watchdog: TimerHandle | undefined;
  let onAd: ((ad: TraceRecord) => void) | undefined;
  const detach: (() => void)[] = [];
  if (options.registry) {
    const registers = [options.registry];
    new Counter({
      name: "proxima_ble_scan_restarts_total",
      help: "BLE scans restarted after stalling",
      registers,
      collect() {
        this.reset();
        this.inc(stats.restarts);
      },
    });
    new Counter({
      name: "proxima_ble_evicted_addresses_total",
      help: "Addresses whose state was evicted from noble",
      registers,
      collect() {
        this.reset();
        this.inc(stats.evicted);
      },
    });
    new Gauge({
      name: "proxima_ble_tracked_addresses",
      help: "Addresses noble holds state for now",
      registers,
      collect() {
        this.set(seen.size);
      },
    });
  }

  const scan = (why: string) => {
    if (!noble || !wanted) return;
    lastActivity = clock.now();
    noble.startScanning([], true, (error) => {
      if (error) log?.warn({ scanner: options.scannerId, err: error.message }, "could not start scanning");
    });
    log?.info({ scanner: options.scannerId, why }, "scanning");
  };

  const evict = (uuid: string, address: string) => {
    const n = noble;
    if (!n) return;
    delete n._peripherals?.[uuid];
    delete n._services?.[uuid];
    delete n._characteristics?.[uuid];
    delete n._descriptors?.[uuid];
    delete n._discoveredPeripheralUUids?.[uuid];
    const b = n._bindings;
    if (b) {
      delete b._addresses?.[uuid];
      delete b._addresseTypes?.[uuid];
      delete b._connectable?.[uuid];
      delete b.scannable?.[uuid];
      delete b._gap?._discoveries?.[address];
    }
    stats.evicted++;
  };

  const sweep = (now: number) => {
    for (const [uuid, entry] of seen) {
      if (now - entry.ts <= evictAfterMs && seen.size <= maxAddresses) break;
      seen.delete(uuid);
      evict(uuid, entry.address);
    }
  };

  const tick = () => {
    watchdog = undefined;
    if (!wanted || !noble) return;
    const now = clock.now();
    sweep(now);
    if (noble.state === "poweredOn" && now - lastActivity > stallMs) {
      stats.restarts++;
      log?.warn({ scanner: options.scannerId, quietMs: now - lastActivity }, "scan stalled: restarting it");
      ownStop = true;
      noble.stopScanning();
      scan("restart after stall");
    }
    watchdog = clock.setTimeout(tick, 1000);
  };

  const onDiscover = (p: NoblePeripheral) => {
    const now = clock.now();
    lastActivity = now;
    stats.adverts++;
    const uuid = p.uuid ?? p.id ?? p.address ?? "";
    const entry = seen.get(uuid);
    if (entry) {
      seen.delete(uuid);
      entry.ts = now;
      seen.set(uuid, entry);
    } else {
      seen.set(uuid, { address: p.address ?? uuid, ts: now });
      if (seen.size > maxAddresses) sweep(now);
    }
    onAd?.(peripheralToRecord(p, options.scannerId, now));
  };
  const onState = (state: string) => {
    log?.info({ scanner: options.scannerId, state }, "Bluetooth adapter state");
    if (state === "poweredOn") {
      // noble's HCI bindings exit the process on SIGINT if theirs is the last handler:
      // the gateway shuts down on its own terms
      const sigint = noble?._bindings?.onSigIntBinded;
      if (sigint) process.removeListener("SIGINT", sigint);
      scan("adapter powered on");
    } else if (state === "poweredOff") {
      log?.warn({ scanner: options.scannerId }, "Bluetooth adapter powered off: waiting for it to come back");
    }
  };
  const onScanStop = () => {
    if (ownStop) {
      ownStop = false;
      return;
    }
    // a scan we did not stop (adapter reset, another process): start again
    if (wanted && noble?.state === "poweredOn")
      clock.setTimeout(() => {
        if (wanted && noble?.state === "poweredOn" && clock.now() - lastActivity > 200)
          scan("scan stopped unexpectedly");
      }, 250);
  };
  const onScanStart = () => {
    lastActivity = clock.now();
  };

  return {
    async start(onAdvertisement) {
      if (wanted) return;
      noble = await load();
      onAd = onAdvertisement;
      const n = noble;
      n.on("stateChange", onState);
      n.on("discover", onDiscover);
      n.on("scanStop", onScanStop);
      n.on("scanStart", onScanStart);
      detach.push(
        () => n.removeListener("stateChange", onState),
        () => n.removeListener("discover", onDiscover),
        () => n.removeListener("scanStop", onScanStop),
        () => n.removeListener("scanStart", onScanStart),
      );
      const waitForPower = () =>
        new Promise<void>((resolve, reject) => {
          const timer = clock.setTimeout(() => {
            n.removeListener("stateChange", first);
            reject(
              new ProximaError(
                "no_adapter",
                `the Bluetooth adapter did not power on within ${powerOnTimeoutMs} ms (state: ${n.state}); check "rfkill list" and "bluetoothctl power on". ${HOW_TO_RUN_WITHOUT}`,
              ),
            );
          }, powerOnTimeoutMs);
          const first = (state: string) => {
            if (state === "poweredOn") {
              clock.clearTimeout(timer);
              n.removeListener("stateChange", first);
              resolve();
            } else if (state === "unsupported" || state === "unauthorized") {
              clock.clearTimeout(timer);
              n.removeListener("stateChange", first);
              reject(
                new ProximaError(
                  "no_adapter",
                  state === "unsupported"
                    ? `the Bluetooth adapter does not support Bluetooth Low Energy. ${HOW_TO_RUN_WITHOUT}`
                    : `not allowed to use the Bluetooth adapter: run as root or grant node cap_net_raw,cap_net_admin (setcap). ${HOW_TO_RUN_WITHOUT}`,
                ),
              );
            }
          };
          n.on("stateChange", first);
        });
      wanted = true;
      const powered = n.state === "poweredOn" ? Promise.resolve() : waitForPower();
      if (n.state === "poweredOn") onState("poweredOn");
      else
        try {
          await powered;
        } catch (error) {
          wanted = false;
          for (const off of detach.splice(0)) off();
          throw error;
        }
      watchdog = clock.setTimeout(tick, 1000);
    },
    async stop() {
      if (!wanted) return;
      wanted = false;
      if (watchdog) clock.clearTimeout(watchdog);
      watchdog = undefined;
      noble?.stopScanning();
      for (const off of detach.splice(0)) off();
      onAd = undefined;
    },
    stats: () => ({ ...stats, trackedAddresses: seen.size, state: noble?.state ?? "not loaded" }),
  };
}
