import { describe, expect, it } from "vitest";
import frames from "../fixtures/ble-frames.json" with { type: "json" };
import { bytesToHex, formatSubject, hexToBytes, isSubject, parseSubject, uuidFromBytes } from "./subject.js";

describe("subject identities", () => {
  it("round-trips each of the three beacon formats", () => {
    for (const text of [
      "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949",
      "eddystone:e157bd5df90aad1dc2fb:000000000001",
      "altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:65535",
    ]) {
      const parsed = parseSubject(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(formatSubject(parsed.value)).toBe(text);
      expect(isSubject(text)).toBe(true);
    }
  });

  it("formats the subject the fixtures expect from the real frames' bytes", () => {
    const withSubject = frames.frames.filter((f) => f.expect && "subject" in f.expect && f.expect.subject);
    expect(withSubject.length).toBeGreaterThanOrEqual(4);
    for (const frame of withSubject) {
      const expected = (frame.expect as { subject: string }).subject;
      if (frame.manufacturerData) {
        // 4c00 company id (LE), 02 15 iBeacon prefix, then uuid(16) major(2 BE) minor(2 BE) power(1)
        const bytes = hexToBytes(frame.manufacturerData)!;
        const view = new DataView(bytes.buffer);
        const subject = formatSubject({
          kind: "ibeacon",
          uuid: uuidFromBytes(bytes, 4),
          major: view.getUint16(20),
          minor: view.getUint16(22),
        });
        expect(subject).toBe(expected);
      } else {
        const data = hexToBytes(frame.serviceData![0]!.data)!;
        const subject = formatSubject({
          kind: "eddystone",
          namespace: bytesToHex(data.subarray(2, 12)),
          instance: bytesToHex(data.subarray(12, 18)),
        });
        expect(subject).toBe(expected);
      }
      expect(isSubject(expected)).toBe(true);
    }
  });

  it.each([
    ["", "kind must be"],
    ["ibeacon:426C7565-4368-6172-6d42-6561636f6e73:1:2", "lowercase"],
    ["ibeacon:426c7565-4368-6172-6d42-6561636f6e73:65536:2", "major"],
    ["ibeacon:426c7565-4368-6172-6d42-6561636f6e73:01:2", "major"],
    ["ibeacon:426c7565-4368-6172-6d42-6561636f6e73:1", "expected"],
    ["altbeacon:426c7565-4368-6172-6d42-6561636f6e73:1:-2", "minor"],
    ["eddystone:e157bd5df90aad1dc2f:000000000001", "namespace"],
    ["eddystone:e157bd5df90aad1dc2fb:00000000001g", "instance"],
    ["c4:7c:8d:6a:11:02", "kind must be"],
  ])("refuses %j", (text, why) => {
    const parsed = parseSubject(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain(why);
    expect(isSubject(text)).toBe(false);
  });

  it("refuses odd-length or non-hex byte strings", () => {
    expect(hexToBytes("abc")).toBeNull();
    expect(hexToBytes("zz")).toBeNull();
    expect(bytesToHex(hexToBytes("00ff10")!)).toBe("00ff10");
  });
});
