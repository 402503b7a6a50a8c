import { describe, expect, it } from "vitest";
import frames from "../fixtures/ble-frames.json" with { type: "json" };
import { describeIssues } from "./result.js";
import { SightingsBatch, TraceRecord } from "./trace.js";

const contractExample = {
  ts: 1732262400123,
  scanner: "gw-a",
  address: "c4:7c:8d:6a:11:02",
  addressType: "random",
  rssi: -71,
  connectable: false,
  localName: "tag",
  txPowerLevel: -12,
  manufacturerData: "4c000215426c7565436861726d426561636f6e730efe1355c5",
  serviceData: [{ uuid: "feaa", data: "00f8e157bd5df90aad1dc2fb0000000000010000" }],
  serviceUuids: ["feaa"],
};

describe("TraceRecord", () => {
  it("accepts DESIGN.md's example and the minimal record", () => {
    expect(TraceRecord.parse(contractExample)).toEqual(contractExample);
    expect(TraceRecord.parse({ ts: 0, scanner: "s", address: "a", rssi: -90 })).toMatchObject({ rssi: -90 });
  });

  it("accepts every real frame of the fixtures as a trace record", () => {
    for (const frame of frames.frames) {
      const record = {
        ts: 1,
        scanner: "gw-a",
        address: "aa:bb:cc:dd:ee:ff",
        rssi: -60,
        ...(frame.manufacturerData ? { manufacturerData: frame.manufacturerData } : {}),
        ...(frame.serviceData ? { serviceData: frame.serviceData } : {}),
      };
      expect(TraceRecord.safeParse(record).success, frame.device).toBe(true);
    }
  });

  it("lowercases hex so equal bytes compare equal", () => {
    expect(TraceRecord.parse({ ...contractExample, manufacturerData: "4C000215" }).manufacturerData).toBe(
      "4c000215",
    );
  });

  it.each([
    [{ ...contractExample, ts: -1 }, "ts"],
    [{ ...contractExample, ts: 1.5 }, "ts"],
    [{ ...contractExample, rssi: 40 }, "rssi"],
    [{ ...contractExample, scanner: "" }, "scanner"],
    [{ ...contractExample, manufacturerData: "4c0" }, "manufacturerData"],
    [{ ...contractExample, manufacturerData: "zz" }, "manufacturerData"],
    [{ ...contractExample, serviceData: [{ uuid: "feaa" }] }, "serviceData[0].data"],
    [{ ...contractExample, addressType: "static" }, "addressType"],
    [{ scanner: "gw-a", address: "a", rssi: -1 }, "ts"],
  ])("names the bad field (%#)", (record, field) => {
    const parsed = TraceRecord.safeParse(record);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error).join("\n")).toContain(`${field}:`);
  });

  it("validates satellite sighting batches", () => {
    expect(SightingsBatch.safeParse({ scanner: "gw-b", ts: 5, records: [contractExample] }).success).toBe(
      true,
    );
    expect(SightingsBatch.safeParse({ scanner: "gw-b", ts: 5, records: [{}] }).success).toBe(false);
  });
});
