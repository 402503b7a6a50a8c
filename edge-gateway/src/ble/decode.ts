/**
 * Beacon frame decoders: pure functions over advertisement bytes.
 *
 * Each decoder answers `null` when the bytes are not its format at all (another
 * company, another frame type), a `Malformed` when they claim to be its format but
 * break it (short, wrong length byte), and the decoded frame otherwise. Subject
 * strings follow DESIGN.md ("Subject identities"); nothing here looks at a BLE address.
 */
import { formatSubject } from "@proxima/shared";

export interface Malformed {
  kind: "malformed";
  format: "ibeacon" | "altbeacon" | "eddystone";
  reason: string;
}

export interface IBeaconFrame {
  kind: "ibeacon";
  subject: string;
  uuid: string;
  major: number;
  minor: number;
  /** calibrated RSSI at 1 m; null when the byte is implausible (vendors put battery there) */
  measuredPower: number | null;
}

export interface AltBeaconFrame {
  kind: "altbeacon";
  subject: string;
  companyId: number;
  /** reference RSSI at 1 m; null when implausible */
  measuredPower: number | null;
  reserved: number;
}

export interface EddystoneUidFrame {
  kind: "eddystone-uid";
  subject: string;
  namespace: string;
  instance: string;
  /** calibrated TX power at 0 m (Eddystone spec: received power at 0 m) */
  txPowerAt0m: number;
  /** at 1 m: the spec's 0 m figure minus the 41 dB free-space loss of the first metre */
  measuredPower: number | null;
}

export interface EddystoneUrlFrame {
  kind: "eddystone-url";
  url: string;
  txPowerAt0m: number;
}

/** Beacon health from an Eddystone-TLM frame (kept per beacon, never a subject). */
export interface BeaconHealth {
  /** millivolts, null when the beacon does not report it (0) */
  batteryMv: number | null;
  /** °C, null when unsupported (0x8000) */
  temperatureC: number | null;
  advertCount: number;
  uptimeS: number;
}

export interface EddystoneTlmFrame {
  kind: "eddystone-tlm";
  /** null for encrypted TLM (version 0x01): only the owner's key can read it */
  health: BeaconHealth | null;
  encrypted: boolean;
}

export interface EddystoneEidFrame {
  kind: "eddystone-eid";
  /** 8-byte ephemeral id: rotates by design, so never a subject without the owner's key */
  eid: string;
  txPowerAt0m: number;
}

export type BeaconFrame =
  | IBeaconFrame
  | AltBeaconFrame
  | EddystoneUidFrame
  | EddystoneUrlFrame
  | EddystoneTlmFrame
  | EddystoneEidFrame;

export type DecodeResult = BeaconFrame | Malformed | null;

const malformed = (format: Malformed["format"], reason: string): Malformed => ({
  kind: "malformed",
  format,
  reason,
});

const int8 = (b: number) => (b > 127 ? b - 256 : b);
const u16be = (bytes: Uint8Array, i: number) => (bytes[i]! << 8) | bytes[i + 1]!;
const u32be = (bytes: Uint8Array, i: number) =>
  ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;

function hex(bytes: Uint8Array, from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) out += HEX[bytes[i]!]!;
  return out;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function uuidAt(bytes: Uint8Array, i: number): string {
  return `${hex(bytes, i, i + 4)}-${hex(bytes, i + 4, i + 6)}-${hex(bytes, i + 6, i + 8)}-${hex(bytes, i + 8, i + 10)}-${hex(bytes, i + 10, i + 16)}`;
}

/** A 1 m calibration outside this range is not a calibration (battery levels, 0x64 "100"). */
export function plausibleMeasuredPower(dbm: number): number | null {
  return dbm >= -100 && dbm <= -25 ? dbm : null;
}

/**
 * iBeacon (Apple "Proximity Beacon Specification" R1): manufacturer data
 * `4c 00 | 02 15 | uuid[16] | major[2] BE | minor[2] BE | measured power int8` = 25 bytes.
 */
export function decodeIBeacon(bytes: Uint8Array): IBeaconFrame | Malformed | null {
  if (bytes.length < 3 || bytes[0] !== 0x4c || bytes[1] !== 0x00 || bytes[2] !== 0x02) return null;
  if (bytes.length < 4) return malformed("ibeacon", "truncated before the length byte");
  if (bytes[3] !== 0x15) return malformed("ibeacon", `length byte is 0x${HEX[bytes[3]!]}, expected 0x15`);
  if (bytes.length !== 25)
    return malformed("ibeacon", `${bytes.length} bytes of manufacturer data, expected 25`);
  const uuid = uuidAt(bytes, 4);
  const major = u16be(bytes, 20);
  const minor = u16be(bytes, 22);
  return {
    kind: "ibeacon",
    subject: formatSubject({ kind: "ibeacon", uuid, major, minor }),
    uuid,
    major,
    minor,
    measuredPower: plausibleMeasuredPower(int8(bytes[24]!)),
  };
}

/**
 * AltBeacon (AltBeacon spec v1.0): manufacturer data
 * `company[2] LE | be ac | beacon id[20] | reference rssi int8 | mfg reserved` = 26 bytes.
 */
export function decodeAltBeacon(bytes: Uint8Array): AltBeaconFrame | Malformed | null {
  if (bytes.length < 4 || bytes[2] !== 0xbe || bytes[3] !== 0xac) return null;
  if (bytes.length !== 26)
    return malformed("altbeacon", `${bytes.length} bytes of manufacturer data, expected 26`);
  const uuid = uuidAt(bytes, 4);
  const major = u16be(bytes, 20);
  const minor = u16be(bytes, 22);
  return {
    kind: "altbeacon",
    subject: formatSubject({ kind: "altbeacon", uuid, major, minor }),
    companyId: bytes[0]! | (bytes[1]! << 8),
    measuredPower: plausibleMeasuredPower(int8(bytes[24]!)),
    reserved: bytes[25]!,
  };
}

// Eddystone-URL scheme prefixes and expansion codes (Eddystone spec, "Eddystone-URL").
const URL_SCHEMES = ["http://www.", "https://www.", "http://", "https://"];
const URL_EXPANSIONS = [
  ".com/",
  ".org/",
  ".edu/",
  ".net/",
  ".info/",
  ".biz/",
  ".gov/",
  ".com",
  ".org",
  ".edu",
  ".net",
  ".info",
  ".biz",
  ".gov",
];

/** Eddystone service data (16-bit service UUID 0xFEAA), by frame type in the first byte. */
export function decodeEddystone(data: Uint8Array): BeaconFrame | Malformed | null {
  if (data.length === 0) return malformed("eddystone", "empty service data");
  const frameType = data[0]!;
  switch (frameType) {
    case 0x00: {
      // UID: type, tx@0m, namespace[10], instance[6], RFU[2] (some beacons omit the RFU)
      if (data.length !== 18 && data.length !== 20)
        return malformed("eddystone", `UID frame of ${data.length} bytes, expected 18 or 20`);
      const namespace = hex(data, 2, 12);
      const instance = hex(data, 12, 18);
      const txPowerAt0m = int8(data[1]!);
      return {
        kind: "eddystone-uid",
        subject: formatSubject({ kind: "eddystone", namespace, instance }),
        namespace,
        instance,
        txPowerAt0m,
        measuredPower: plausibleMeasuredPower(txPowerAt0m - 41),
      };
    }
    case 0x10: {
      if (data.length < 3) return malformed("eddystone", `URL frame of ${data.length} bytes, expected ≥ 3`);
      if (data.length > 20) return malformed("eddystone", `URL frame of ${data.length} bytes, expected ≤ 20`);
      const scheme = URL_SCHEMES[data[2]!];
      if (scheme === undefined) return malformed("eddystone", `unknown URL scheme prefix 0x${HEX[data[2]!]}`);
      let url = scheme;
      for (let i = 3; i < data.length; i++) {
        const c = data[i]!;
        const expansion = URL_EXPANSIONS[c];
        if (expansion !== undefined) url += expansion;
        else if (c > 0x20 && c < 0x7f) url += String.fromCharCode(c);
        else return malformed("eddystone", `URL byte 0x${HEX[c]} is neither printable nor an expansion`);
      }
      return { kind: "eddystone-url", url, txPowerAt0m: int8(data[1]!) };
    }
    case 0x20: {
      if (data.length < 2) return malformed("eddystone", "TLM frame without a version byte");
      const version = data[1]!;
      if (version === 0x01) {
        // encrypted TLM: version, etlm[12], salt[2], mic[2]
        if (data.length !== 18)
          return malformed("eddystone", `encrypted TLM frame of ${data.length} bytes, expected 18`);
        return { kind: "eddystone-tlm", health: null, encrypted: true };
      }
      if (version !== 0x00) return malformed("eddystone", `unknown TLM version 0x${HEX[version]}`);
      if (data.length !== 14) return malformed("eddystone", `TLM frame of ${data.length} bytes, expected 14`);
      const battery = u16be(data, 2);
      const rawTemp = u16be(data, 4);
      // temperature is signed 8.8 fixed point; 0x8000 means "not supported"
      const temperatureC = rawTemp === 0x8000 ? null : (rawTemp > 0x7fff ? rawTemp - 0x10000 : rawTemp) / 256;
      return {
        kind: "eddystone-tlm",
        encrypted: false,
        health: {
          batteryMv: battery === 0 ? null : battery,
          temperatureC,
          advertCount: u32be(data, 6),
          uptimeS: u32be(data, 10) / 10,
        },
      };
    }
    case 0x30: {
      if (data.length !== 10) return malformed("eddystone", `EID frame of ${data.length} bytes, expected 10`);
      return { kind: "eddystone-eid", eid: hex(data, 2, 10), txPowerAt0m: int8(data[1]!) };
    }
    default:
      // vendor frames on FEAA (0x21 Blue Charm/KKM sensor frames, …) are not Eddystone
      return null;
  }
}

/** Decodes noble-style manufacturer data (company id first): iBeacon, then AltBeacon. */
export function decodeManufacturerData(bytes: Uint8Array): IBeaconFrame | AltBeaconFrame | Malformed | null {
  return decodeIBeacon(bytes) ?? decodeAltBeacon(bytes);
}

/** Hex to bytes without allocation-heavy regexes; null if not even-length hex. */
export function hexBytes(text: string): Uint8Array | null {
  if (text.length % 2 !== 0) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(text.charCodeAt(i * 2));
    const lo = nibble(text.charCodeAt(i * 2 + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** What one advertisement says, in the shape the presence pipeline needs. */
export interface AdvertInfo {
  /** the subject identity, if the advertisement carries one */
  subject: string | null;
  /** the frame's own 1 m calibration, if plausible */
  measuredPower: number | null;
  /** Eddystone-TLM health carried by this advertisement (no subject: linked by address) */
  health: BeaconHealth | null;
  /** every frame found, malformed ones included (for diagnostics and tests) */
  frames: (BeaconFrame | Malformed)[];
}

interface RecordPayload {
  manufacturerData?: string | undefined;
  serviceData?: { uuid: string; data: string }[] | undefined;
}

const EMPTY: AdvertInfo = Object.freeze({ subject: null, measuredPower: null, health: null, frames: [] });

/**
 * Decodes the beacon payloads of one trace record. The first subject-bearing frame
 * wins (a device advertising two identities is rare and ambiguous).
 */
export function decodeAdvertisement(record: RecordPayload): AdvertInfo {
  const frames: (BeaconFrame | Malformed)[] = [];
  if (record.manufacturerData) {
    const bytes = hexBytes(record.manufacturerData);
    const frame = bytes ? decodeManufacturerData(bytes) : null;
    if (frame) frames.push(frame);
  }
  if (record.serviceData) {
    for (const entry of record.serviceData) {
      if (entry.uuid !== "feaa" && entry.uuid !== "0000feaa-0000-1000-8000-00805f9b34fb") continue;
      const bytes = hexBytes(entry.data);
      const frame = bytes ? decodeEddystone(bytes) : malformed("eddystone", "service data is not hex");
      if (frame) frames.push(frame);
    }
  }
  if (frames.length === 0) return EMPTY;
  let subject: string | null = null;
  let measuredPower: number | null = null;
  let health: BeaconHealth | null = null;
  for (const frame of frames) {
    if (subject === null && "subject" in frame) {
      subject = frame.subject;
      measuredPower = frame.measuredPower;
    }
    if (frame.kind === "eddystone-tlm" && frame.health) health = frame.health;
  }
  return { subject, measuredPower, health, frames };
}

/**
 * A bounded memo in front of `decodeAdvertisement`: a beacon repeats the same bytes
 * every advert, so the hot path is one Map lookup. TLM frames (changing counters) are
 * decoded every time; the memo is cleared when full so memory stays bounded.
 */
export class AdvertDecoder {
  private readonly memo = new Map<string, AdvertInfo>();
  constructor(private readonly maxEntries = 8192) {}

  decode(record: RecordPayload): AdvertInfo {
    const service = record.serviceData;
    let key: string | undefined;
    if (service === undefined || service.length === 0) key = record.manufacturerData ?? "";
    else if (service.length === 1 && record.manufacturerData === undefined) {
      const data = service[0]!.data;
      // TLM (0x20…) changes every frame: not worth remembering
      if (data.charCodeAt(0) === 50 && data.charCodeAt(1) === 48) return decodeAdvertisement(record);
      key = `${service[0]!.uuid}|${data}`;
    }
    if (key === undefined) return decodeAdvertisement(record);
    let info = this.memo.get(key);
    if (info === undefined) {
      info = decodeAdvertisement(record);
      if (this.memo.size >= this.maxEntries) this.memo.clear();
      this.memo.set(key, info);
    }
    return info;
  }
}
