import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AdvertDecoder,
  decodeAdvertisement,
  decodeAltBeacon,
  decodeEddystone,
  decodeIBeacon,
  hexBytes,
} from "./decode.js";

interface Fixture {
  device: string;
  manufacturerData?: string;
  serviceData?: { uuid: string; data: string }[];
  expect: {
    subject?: string | null;
    measuredPower?: number | null;
    txPowerAt0m?: number;
    url?: string;
  } | null;
}
const fixtures = (
  JSON.parse(readFileSync(join(import.meta.dirname, "../../../shared/fixtures/ble-frames.json"), "utf8")) as {
    frames: Fixture[];
  }
).frames;
const bytes = (hex: string) => hexBytes(hex)!;

describe("decoders against real captured frames (shared/fixtures/ble-frames.json)", () => {
  for (const frame of fixtures) {
    it(`${frame.device}`, () => {
      const info = decodeAdvertisement(frame);
      if (frame.expect === null) {
        expect(info.subject).toBeNull();
        return;
      }
      expect(info.subject).toBe(frame.expect.subject ?? null);
      if ("measuredPower" in frame.expect) expect(info.measuredPower).toBe(frame.expect.measuredPower);
      if (frame.expect.txPowerAt0m !== undefined) {
        const uid = info.frames.find((f) => f.kind === "eddystone-uid");
        expect(uid).toMatchObject({
          txPowerAt0m: frame.expect.txPowerAt0m,
          measuredPower: frame.expect.txPowerAt0m - 41,
        });
      }
      if (frame.expect.url !== undefined)
        expect(info.frames).toContainEqual({ kind: "eddystone-url", url: frame.expect.url, txPowerAt0m: 0 });
    });
  }
});

const IBEACON = "4c000215426c7565436861726d426561636f6e730efe1355c5";
const ALTBEACON = "1801beac" + "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d" + "0007" + "0064" + "c5" + "00";
const UID = "00f8e157bd5df90aad1dc2fb0000000000010000";
const TLM = "2000" + "0bb8" + "1580" + "0000002a" + "00000064";

describe("iBeacon", () => {
  it("decodes uuid, major, minor and measured power", () => {
    expect(decodeIBeacon(bytes(IBEACON))).toMatchObject({
      kind: "ibeacon",
      uuid: "426c7565-4368-6172-6d42-6561636f6e73",
      major: 3838,
      minor: 4949,
      measuredPower: -59,
    });
  });
  it.each([
    ["short (cut inside the uuid)", IBEACON.slice(0, 20)],
    ["short (one byte missing)", IBEACON.slice(0, -2)],
    ["too long (a trailing byte)", `${IBEACON}00`],
    ["wrong length byte", IBEACON.replace("4c000215", "4c000216")],
    ["truncated before the length byte", "4c0002"],
  ])("rejects %s as malformed", (_, hex) => {
    expect(decodeIBeacon(bytes(hex))).toMatchObject({ kind: "malformed", format: "ibeacon" });
    expect(decodeAdvertisement({ manufacturerData: hex }).subject).toBeNull();
  });
  it.each([
    ["another company", IBEACON.replace(/^4c00/, "5900")],
    ["another Apple type (continuity)", "4c0010050b1c93fbf5"],
    ["empty", ""],
  ])("is not an iBeacon: %s", (_, hex) => {
    expect(decodeIBeacon(bytes(hex))).toBeNull();
  });
});

describe("AltBeacon", () => {
  it("decodes the 20-byte id as uuid, major, minor (decimal)", () => {
    expect(decodeAltBeacon(bytes(ALTBEACON))).toMatchObject({
      kind: "altbeacon",
      subject: "altbeacon:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d:7:100",
      companyId: 0x0118,
      measuredPower: -59,
    });
  });
  it.each([
    ["short", ALTBEACON.slice(0, -4)],
    ["too long", `${ALTBEACON}ff`],
  ])("rejects %s as malformed", (_, hex) => {
    expect(decodeAltBeacon(bytes(hex))).toMatchObject({ kind: "malformed", format: "altbeacon" });
  });
  it("needs the beac prefix", () => {
    expect(decodeAltBeacon(bytes(ALTBEACON.replace("beac", "beab")))).toBeNull();
  });
});

describe("Eddystone", () => {
  it("UID with and without the RFU bytes", () => {
    expect(decodeEddystone(bytes(UID))).toMatchObject({
      subject: "eddystone:e157bd5df90aad1dc2fb:000000000001",
    });
    expect(decodeEddystone(bytes(UID.slice(0, -4)))).toMatchObject({ kind: "eddystone-uid" });
  });
  it("TLM becomes beacon health, never a subject", () => {
    expect(decodeEddystone(bytes(TLM))).toEqual({
      kind: "eddystone-tlm",
      encrypted: false,
      health: { batteryMv: 3000, temperatureC: 21.5, advertCount: 42, uptimeS: 10 },
    });
    expect(decodeEddystone(bytes("2000000080000000000000000000"))).toMatchObject({
      health: { batteryMv: null, temperatureC: null },
    });
    const negative = decodeEddystone(bytes("20000bb8ff800000000000000000"));
    expect(negative).toMatchObject({ health: { temperatureC: -0.5 } });
    expect(decodeEddystone(bytes(`2001${"00".repeat(16)}`))).toEqual({
      kind: "eddystone-tlm",
      encrypted: true,
      health: null,
    });
    const info = decodeAdvertisement({ serviceData: [{ uuid: "feaa", data: TLM }] });
    expect(info.subject).toBeNull();
    expect(info.health?.batteryMv).toBe(3000);
  });
  it("EID is recognised but is not a stable subject", () => {
    const eid = decodeEddystone(bytes("30f80102030405060708"));
    expect(eid).toEqual({ kind: "eddystone-eid", eid: "0102030405060708", txPowerAt0m: -8 });
    expect(
      decodeAdvertisement({ serviceData: [{ uuid: "feaa", data: "30f80102030405060708" }] }).subject,
    ).toBeNull();
  });
  it("URL with expansion codes", () => {
    expect(decodeEddystone(bytes("10ec01676f6f676c6507"))).toMatchObject({ url: "https://www.google.com" });
  });
  it.each([
    ["empty", ""],
    ["UID short", UID.slice(0, 30)],
    ["UID wrong length", `${UID}00`],
    ["URL short", "1000"],
    ["URL unknown scheme", "100009616263"],
    ["URL unprintable byte", "1000031f"],
    ["TLM short", TLM.slice(0, -2)],
    ["TLM unknown version", TLM.replace(/^2000/, "2002")],
    ["encrypted TLM wrong length", "2001aabb"],
    ["EID short", "30f801020304"],
  ])("rejects %s as malformed", (_, hex) => {
    expect(decodeEddystone(bytes(hex))).toMatchObject({ kind: "malformed", format: "eddystone" });
  });
  it("vendor frames on FEAA are not Eddystone", () => {
    expect(decodeEddystone(bytes("21010b0c1318000021fffdfc12"))).toBeNull();
  });
  it("service data that is not hex is reported malformed, not thrown", () => {
    expect(decodeAdvertisement({ serviceData: [{ uuid: "feaa", data: "zz" }] }).frames).toEqual([
      { kind: "malformed", format: "eddystone", reason: "service data is not hex" },
    ]);
  });
});

describe("AdvertDecoder memo", () => {
  it("answers like decodeAdvertisement and stays bounded", () => {
    const decoder = new AdvertDecoder(4);
    for (let i = 0; i < 20; i++) {
      const hex = IBEACON.slice(0, -6) + i.toString(16).padStart(4, "0") + "c5";
      expect(decoder.decode({ manufacturerData: hex })).toEqual(
        decodeAdvertisement({ manufacturerData: hex }),
      );
    }
    expect(decoder.decode({ serviceData: [{ uuid: "feaa", data: TLM }] }).health?.advertCount).toBe(42);
  });
});
