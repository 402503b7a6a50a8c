import type { TraceRecord, TruthStay, Venue } from "@proxima/shared";

type BeaconSpec = NonNullable<Venue["beacons"]>[number];

import { Random } from "./random.js";

/**
 * A synthetic venue: people walking between zones with BLE beacons, heard by the
 * venue's scanners through a radio channel as unkind as a real shop floor:
 *
 * - log-distance path loss with a per-scanner exponent (1.8–3.2) and a per-scanner gain
 *   (±6 dB) the tracker is not told;
 * - correlated log-normal shadowing per (device, scanner) link: an AR(1) process that
 *   decorrelates over time (people moving around, τ = 8 s) and over distance walked
 *   (2.5 m), σ = 4 dB, plus a static per-link 2 dB;
 * - fast fading per advert (σ = 2.5 dB, three advertising channels) and deep fades
 *   (4% of readings, 10–25 dB down);
 * - body shadowing: the tag is worn on the front, a scanner behind its wearer loses
 *   6–12 dB (per person);
 * - advert loss of 30–60% per link, and nothing below each scanner's sensitivity;
 * - walkers with paths and dwell (2–6 zones, 15 s–4 min each, 0.8–1.4 m/s), advertising
 *   every 100 ms, 250 ms, 500 ms or 1 s (+ 0–10 ms advDelay, Core Spec Vol 6 Part B
 *   §4.4.2.2.1); phones among them rotate their random address every ~15 minutes;
 * - anonymous phones (Apple continuity, Microsoft CDP frames) walking the same way,
 *   and fixed wall beacons (one per scanner) plus decoys (an Eddystone-URL poster, a
 *   vendor FEAA sensor).
 *
 * Ground truth is the zone of the nearest scanner at every 100 ms of a visit.
 */
export interface SimulationOptions {
  venue: Venue;
  seed: number;
  /** beacon-carrying visitors */
  visitors: number;
  /** non-beacon phones; default visitors / 2 */
  anonymousDevices?: number;
  /** end of the simulation; undefined = endless (live demo) */
  durationMs?: number;
  /** first timestamp, ms since epoch */
  startTs?: number;
  /** keep ground truth (off for endless live runs) */
  truth?: boolean;
  /** advertising intervals to draw from, ms */
  intervalsMs?: readonly number[];
  /** add one wall beacon per scanner when the venue lists none (default true) */
  wallBeacons?: boolean;
}

export interface ScannerRadio {
  scanner: string;
  gainDb: number;
  exponent: number;
  sensitivityDbm: number;
}

export interface Simulation {
  /** the venue as the tracker should see it: input venue plus the wall beacons */
  readonly venue: Venue;
  /** hidden per-scanner radio parameters (for diagnostics; the tracker is not told) */
  readonly radio: readonly ScannerRadio[];
  /** the next trace record in ts order, or null at the end */
  next(): TraceRecord | null;
  /** ground truth so far; complete after next() returned null */
  truth(): TruthStay[];
}

export const DEFAULT_START_TS = 1_732_262_400_000;
const DEFAULT_INTERVALS = [100, 100, 250, 500, 1000, 1000] as const;
const WALL_BEACON_UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0";
const TRUTH_STEP_MS = 100;

interface Vec {
  x: number;
  y: number;
}

interface Leg {
  t0: number;
  t1: number;
  from: Vec;
  to: Vec;
  /** facing while on this leg (walking: direction of travel) */
  facing: number;
  dwell: boolean;
}

interface Payload {
  manufacturerData?: string;
  serviceData?: { uuid: string; data: string }[];
  serviceUuids?: string[];
}

interface Device {
  kind: "visitor" | "anonymous" | "fixed";
  subject: string | null;
  payload: Payload;
  /** Eddystone beacons interleave a TLM frame every tenth advert */
  tlm: boolean;
  advertCount: number;
  intervalMs: number;
  /** true 1 m power (the frame's calibration plus this device's own error) */
  powerDbm: number;
  bodyLossDb: number;
  rotatesAddress: boolean;
  address: string;
  nextRotation: number;
  position: Vec;
  legs: Leg[];
  legIndex: number;
  active: boolean;
  /** per-link radio state */
  shadow: Float64Array;
  shadowTs: Float64Array;
  shadowPos: Float64Array;
  staticShadow: Float64Array;
  lossP: Float64Array;
  visitEnd: number;
}

interface QueueItem {
  t: number;
  device: Device;
  /** "arrive" starts a visit, "advert" sends one advert */
  what: 0 | 1;
}

/** Binary min-heap on t (ties in insertion order do not matter: same-ts records are independent). */
class Queue {
  private items: QueueItem[] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: QueueItem): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.t <= item.t) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = item;
  }
  pop(): QueueItem | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mt = last.t;
        if (l < a.length && a[l]!.t < mt) {
          m = l;
          mt = a[l]!.t;
        }
        if (r < a.length && a[r]!.t < mt) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

const u16hex = (n: number) => n.toString(16).padStart(4, "0");
const i8hex = (n: number) => ((n + 256) % 256).toString(16).padStart(2, "0");

/** Adds one fixed wall beacon per scanner (3 m off it) when the venue has none. */
export function withWallBeacons(venue: Venue, seed: number): Venue {
  if ((venue.beacons ?? []).some((b) => b.fixed)) return venue;
  const rng = new Random(seed ^ 0x5bd1e995);
  const beacons: BeaconSpec[] = venue.scanners.map((s, i) => {
    const angle = rng.uniform(0, 2 * Math.PI);
    return {
      subject: `ibeacon:${WALL_BEACON_UUID}:1:${i + 1}`,
      measuredPower: -59,
      fixed: {
        zone: s.zone,
        position: {
          x: Math.round((s.position.x + 3 * Math.cos(angle)) * 10) / 10,
          y: Math.round((s.position.y + 3 * Math.sin(angle)) * 10) / 10,
        },
      },
    };
  });
  return { ...venue, beacons: [...(venue.beacons ?? []), ...beacons] };
}

export function createSimulation(options: SimulationOptions): Simulation {
  const rng = new Random(options.seed);
  const venue = options.wallBeacons === false ? options.venue : withWallBeacons(options.venue, options.seed);
  const start = options.startTs ?? DEFAULT_START_TS;
  const end = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  const keepTruth = options.truth ?? options.durationMs !== undefined;
  const intervals = options.intervalsMs ?? DEFAULT_INTERVALS;
  const scanners = venue.scanners;
  const nS = scanners.length;
  const radio: ScannerRadio[] = scanners.map((s) => ({
    scanner: s.id,
    gainDb: Math.round(rng.uniform(-6, 6) * 10) / 10,
    exponent: Math.round(rng.uniform(1.8, 3.2) * 100) / 100,
    sensitivityDbm: Math.round(rng.uniform(-102, -96)),
  }));
  const zoneIds = venue.zones.map((z) => z.id);
  const zoneIndex = new Map(zoneIds.map((id, i) => [id, i] as const));
  const scannerZone = scanners.map((s) => zoneIndex.get(s.zone)!);
  const entranceZone = venue.zones.find((z) => z.kind === "entrance")?.id ?? venue.zones[0]!.id;
  const door: Vec = { ...scanners.find((s) => s.zone === entranceZone)!.position };
  const spotsByZone = zoneIds.map((id) => scanners.filter((s) => s.zone === id).map((s) => s.position));
  const destinations = zoneIds.filter((id) => id !== entranceZone).map((id) => zoneIndex.get(id)!);
  const checkout = venue.zones.find((z) => z.kind === "checkout");

  const nearestZone = (p: Vec): number => {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let k = 0; k < nS; k++) {
      const sp = scanners[k]!.position;
      const d = (sp.x - p.x) ** 2 + (sp.y - p.y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return scannerZone[best]!;
  };

  const truthStays: TruthStay[] = [];
  const queue = new Queue();

  const newDevice = (
    kind: Device["kind"],
    subject: string | null,
    payload: Payload,
    intervalMs: number,
  ): Device => ({
    kind,
    subject,
    payload,
    tlm: false,
    advertCount: 0,
    intervalMs,
    powerDbm: -59 + rng.gaussian() * 2,
    bodyLossDb: kind === "fixed" ? 0 : rng.uniform(6, 12),
    rotatesAddress: false,
    address: rng.address(),
    nextRotation: Number.POSITIVE_INFINITY,
    position: { x: 0, y: 0 },
    legs: [],
    legIndex: 0,
    active: false,
    shadow: new Float64Array(nS),
    shadowTs: new Float64Array(nS).fill(Number.NEGATIVE_INFINITY),
    shadowPos: new Float64Array(nS * 2),
    staticShadow: Float64Array.from({ length: nS }, () => rng.gaussian() * 2),
    lossP: Float64Array.from({ length: nS }, () => rng.uniform(0.3, 0.6)),
    visitEnd: 0,
  });

  // visitors: iBeacon, Eddystone-UID (+TLM) and AltBeacon carriers
  const devices: Device[] = [];
  for (let i = 0; i < options.visitors; i++) {
    const flavour = i % 4;
    const interval = rng.pick(intervals);
    let device: Device;
    if (flavour === 0 || flavour === 3) {
      const major = 1000 + options.seed;
      const minor = i + 1;
      const uuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
      device = newDevice(
        "visitor",
        `ibeacon:${uuid}:${major}:${minor}`,
        {
          manufacturerData: `4c000215${uuid.replaceAll("-", "")}${u16hex(major)}${u16hex(minor)}${i8hex(-59)}`,
        },
        interval,
      );
    } else if (flavour === 1) {
      const namespace = "edd1ebeac04e5defa017";
      const instance = (0x100000 + i).toString(16).padStart(12, "0");
      device = newDevice(
        "visitor",
        `eddystone:${namespace}:${instance}`,
        {
          serviceData: [{ uuid: "feaa", data: `00${i8hex(-18)}${namespace}${instance}0000` }],
          serviceUuids: ["feaa"],
        },
        interval,
      );
      device.tlm = true;
    } else {
      const uuid = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
      const major = 7;
      const minor = 100 + i;
      device = newDevice(
        "visitor",
        `altbeacon:${uuid}:${major}:${minor}`,
        {
          manufacturerData: `1801beac${uuid.replaceAll("-", "")}${u16hex(major)}${u16hex(minor)}${i8hex(-59)}00`,
        },
        interval,
      );
    }
    // one visitor in three carries a phone app beacon: it rotates its address
    device.rotatesAddress = i % 3 === 0;
    devices.push(device);
  }
  const nAnonymous = options.anonymousDevices ?? Math.floor(options.visitors / 2);
  for (let i = 0; i < nAnonymous; i++) {
    const payload: Payload =
      i % 2 === 0
        ? { manufacturerData: `4c001005${rng.hex(5)}` }
        : { manufacturerData: `0600010920${rng.hex(22)}` };
    const device = newDevice("anonymous", null, payload, rng.pick([200, 300, 500, 1000]));
    device.rotatesAddress = true;
    devices.push(device);
  }
  // fixed wall beacons (calibration) and decoys that must never become subjects
  for (const b of venue.beacons ?? []) {
    if (!b.fixed) continue;
    const m = /^ibeacon:([0-9a-f-]+):(\d+):(\d+)$/.exec(b.subject);
    if (!m) continue;
    const device = newDevice(
      "fixed",
      b.subject,
      {
        manufacturerData: `4c000215${m[1]!.replaceAll("-", "")}${u16hex(Number(m[2]))}${u16hex(Number(m[3]))}${i8hex(b.measuredPower ?? -59)}`,
      },
      1000,
    );
    device.powerDbm = (b.measuredPower ?? -59) + rng.gaussian();
    device.position = { ...b.fixed.position };
    devices.push(device);
  }
  const poster = newDevice(
    "fixed",
    null,
    {
      serviceData: [{ uuid: "feaa", data: "1000036d79702e6d653f41" }],
      serviceUuids: ["feaa"],
    },
    1000,
  );
  poster.position = { x: door.x + 2, y: door.y + 1 };
  const sensor = newDevice(
    "fixed",
    null,
    {
      serviceData: [{ uuid: "feaa", data: "21010b0c1318000021fffdfc12" }],
      serviceUuids: ["feaa"],
    },
    2000,
  );
  sensor.position = { ...(spotsByZone[destinations[0] ?? 0]![0] ?? door) };
  devices.push(poster, sensor);

  // schedule: fixed devices advertise from the start; walkers arrive over the first half
  // endless (live demo): the first visitors walk in within half a minute
  const arrivalSpread = Number.isFinite(end) ? (end - start) * 0.5 : 30_000;
  for (const d of devices) {
    if (d.kind === "fixed") {
      d.active = true;
      queue.push({ t: start + rng.uniform(0, d.intervalMs), device: d, what: 1 });
    } else {
      queue.push({ t: start + rng.uniform(0, arrivalSpread), device: d, what: 0 });
    }
  }

  const dwellPoint = (zone: number): Vec => {
    const spot = rng.pick(spotsByZone[zone]!);
    const r = rng.uniform(0.3, 2);
    const a = rng.uniform(0, 2 * Math.PI);
    return { x: spot.x + r * Math.cos(a), y: spot.y + r * Math.sin(a) };
  };

  const planVisit = (d: Device, t: number) => {
    const legs: Leg[] = [];
    const speed = rng.uniform(0.8, 1.4);
    let here: Vec = { x: door.x + rng.uniform(-1, 1), y: door.y + rng.uniform(-1, 1) };
    let now = t;
    const walk = (to: Vec) => {
      const dist = Math.hypot(to.x - here.x, to.y - here.y);
      const dur = (dist / speed) * 1000;
      legs.push({
        t0: now,
        t1: now + dur,
        from: here,
        to,
        facing: Math.atan2(to.y - here.y, to.x - here.x),
        dwell: false,
      });
      now += dur;
      here = to;
    };
    const dwell = (ms: number) => {
      legs.push({
        t0: now,
        t1: now + ms,
        from: here,
        to: here,
        facing: rng.uniform(0, 2 * Math.PI),
        dwell: true,
      });
      now += ms;
    };
    dwell(rng.uniform(2000, 8000));
    const stops = rng.int(2, 6);
    let last = -1;
    for (let i = 0; i < stops && destinations.length > 0; i++) {
      let zone = rng.pick(destinations);
      if (zone === last && destinations.length > 1) zone = rng.pick(destinations.filter((z) => z !== last));
      last = zone;
      walk(dwellPoint(zone));
      dwell(Math.min(240_000, 15_000 + rng.exponential(45_000)));
    }
    if (checkout && rng.chance(0.5) && last !== zoneIndex.get(checkout.id)) {
      walk(dwellPoint(zoneIndex.get(checkout.id)!));
      dwell(Math.min(180_000, 15_000 + rng.exponential(30_000)));
    }
    walk({ x: door.x + rng.uniform(-1, 1), y: door.y + rng.uniform(-1, 1) });
    dwell(rng.uniform(1000, 4000));
    d.legs = legs;
    d.legIndex = 0;
    d.visitEnd = now;
    d.position = { ...legs[0]!.from };
    d.shadowTs.fill(Number.NEGATIVE_INFINITY);
    if (keepTruth && d.kind === "visitor" && d.subject) recordTruth(d, t, now);
  };

  const positionAt = (d: Device, t: number): Leg => {
    while (d.legIndex < d.legs.length - 1 && d.legs[d.legIndex]!.t1 <= t) d.legIndex++;
    const leg = d.legs[d.legIndex]!;
    const f = leg.t1 > leg.t0 ? Math.min(1, Math.max(0, (t - leg.t0) / (leg.t1 - leg.t0))) : 1;
    d.position.x = leg.from.x + (leg.to.x - leg.from.x) * f;
    d.position.y = leg.from.y + (leg.to.y - leg.from.y) * f;
    return leg;
  };

  function recordTruth(d: Device, from: number, to: number) {
    const probe: Device = { ...d, position: { x: 0, y: 0 }, legIndex: 0 };
    let zone = -1;
    let since = from;
    const stop = Math.min(to, end);
    for (let t = from; t < stop; t += TRUTH_STEP_MS) {
      positionAt(probe, t);
      const z = nearestZone(probe.position);
      if (z !== zone) {
        if (zone !== -1) truthStays.push(stay(d, zone, since, t));
        zone = z;
        since = t;
      }
    }
    if (zone !== -1) truthStays.push(stay(d, zone, since, stop));
  }
  const stay = (d: Device, zone: number, from: number, to: number): TruthStay => ({
    subject: d.subject!,
    zone: zoneIds[zone]!,
    from: Math.round(from),
    to: Math.round(to),
    advertIntervalMs: d.intervalMs,
  });

  const pending: TraceRecord[] = [];
  let pendingIndex = 0;

  const tlmPayload = (d: Device, t: number): Payload => {
    const battery = 3000 - Math.floor((t - start) / 3_600_000);
    const temp = Math.round((21 + (d.advertCount % 7) * 0.25) * 256);
    const count = d.advertCount >>> 0;
    const uptime = Math.floor((t - start) / 100) >>> 0;
    const hex32 = (n: number) => n.toString(16).padStart(8, "0");
    return {
      serviceData: [
        { uuid: "feaa", data: `2000${u16hex(battery)}${u16hex(temp)}${hex32(count)}${hex32(uptime)}` },
      ],
      serviceUuids: ["feaa"],
    };
  };

  const advertise = (d: Device, t: number) => {
    let facing = 0;
    if (d.kind !== "fixed") {
      const leg = positionAt(d, t);
      facing = leg.dwell ? leg.facing + 1.2 * Math.sin((t - leg.t0) / 9000) : leg.facing;
      if (t >= d.nextRotation) {
        d.address = rng.address();
        d.nextRotation = t + rng.uniform(12, 18) * 60_000;
      }
    }
    d.advertCount++;
    const payload = d.tlm && d.advertCount % 10 === 0 ? tlmPayload(d, t) : d.payload;
    const ts = Math.round(t);
    for (let k = 0; k < nS; k++) {
      const s = scanners[k]!.position;
      const dx = s.x - d.position.x;
      const dy = s.y - d.position.y;
      const dist = Math.max(0.3, Math.hypot(dx, dy));
      // correlated shadowing: AR(1) decorrelating with time and with distance walked
      const lastT = d.shadowTs[k]!;
      const moved = Math.hypot(d.position.x - d.shadowPos[2 * k]!, d.position.y - d.shadowPos[2 * k + 1]!);
      const rho = lastT === Number.NEGATIVE_INFINITY ? 0 : Math.exp(-(t - lastT) / 8000 - moved / 2.5);
      d.shadow[k] = rho * d.shadow[k]! + Math.sqrt(1 - rho * rho) * 4 * rng.gaussian();
      d.shadowTs[k] = t;
      d.shadowPos[2 * k] = d.position.x;
      d.shadowPos[2 * k + 1] = d.position.y;
      if (rng.next() < d.lossP[k]!) continue;
      const r = radio[k]!;
      let rssi =
        d.powerDbm +
        r.gainDb -
        10 * r.exponent * Math.log10(dist) +
        d.shadow[k]! +
        d.staticShadow[k]! +
        2.5 * rng.gaussian();
      if (d.bodyLossDb > 0) {
        const toScanner = Math.atan2(dy, dx);
        rssi -= (d.bodyLossDb * (1 - Math.cos(toScanner - facing))) / 2;
      }
      if (rng.next() < 0.04) rssi -= rng.uniform(10, 25);
      if (rssi < r.sensitivityDbm) continue;
      const record: TraceRecord = {
        ts,
        scanner: scanners[k]!.id,
        address: d.address,
        addressType: "random",
        rssi: Math.min(20, Math.round(rssi)),
        connectable: false,
      };
      if (payload.manufacturerData !== undefined) record.manufacturerData = payload.manufacturerData;
      if (payload.serviceData !== undefined) record.serviceData = payload.serviceData;
      if (payload.serviceUuids !== undefined) record.serviceUuids = payload.serviceUuids;
      pending.push(record);
    }
  };

  const step = (): boolean => {
    const item = queue.pop();
    if (!item || item.t >= end) return false;
    const d = item.device;
    if (item.what === 0) {
      planVisit(d, item.t);
      d.active = true;
      if (d.rotatesAddress) {
        d.address = rng.address();
        d.nextRotation = item.t + rng.uniform(0, 15) * 60_000;
      }
      queue.push({ t: item.t + rng.uniform(0, d.intervalMs), device: d, what: 1 });
      return true;
    }
    if (d.kind !== "fixed" && item.t >= d.visitEnd) {
      // left the venue: come back some time later
      d.active = false;
      queue.push({ t: item.t + 60_000 + rng.exponential(10 * 60_000), device: d, what: 0 });
      return true;
    }
    advertise(d, item.t);
    queue.push({ t: item.t + d.intervalMs + rng.uniform(0, 10), device: d, what: 1 });
    return true;
  };

  return {
    venue,
    radio,
    next() {
      while (pendingIndex >= pending.length) {
        pending.length = 0;
        pendingIndex = 0;
        if (!step()) return null;
      }
      return pending[pendingIndex++]!;
    },
    truth: () => [...truthStays].sort((a, b) => a.from - b.from || (a.subject < b.subject ? -1 : 1)),
  };
}
