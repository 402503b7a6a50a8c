import { describe, expect, it } from "vitest";
import { describeIssues } from "./result.js";
import { Venue } from "./venue.js";

const example = {
  venueId: "store-042",
  name: "Downtown",
  scanners: [{ id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } }],
  zones: [{ id: "entrance", name: "Entrance", kind: "entrance" }],
};

describe("Venue", () => {
  it("accepts DESIGN.md's example", () => {
    expect(Venue.parse(example)).toEqual(example);
  });

  it("accepts calibration, beacons and tuning extras", () => {
    const venue = {
      ...example,
      scanners: [{ ...example.scanners[0], rssiOffset: -3, pathLossExponent: 2.4 }],
      beacons: [
        {
          subject: "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:1:2",
          measuredPower: -59,
          fixed: { zone: "entrance", position: { x: 1, y: 1 } },
        },
      ],
      tuning: { minDwellMs: 2000 },
    };
    expect(Venue.safeParse(venue).success).toBe(true);
  });

  it("lists every problem at once: unknown zone, duplicate ids, bad kind", () => {
    const parsed = Venue.safeParse({
      ...example,
      scanners: [
        { id: "gw-a", zone: "lobby", position: { x: 0, y: 0 } },
        { id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } },
        { id: "gw-c", position: { x: 0, y: 0 } },
      ],
      zones: [
        ...example.zones,
        { id: "entrance", name: "Again", kind: "entrance" },
        { id: "z", name: "Z", kind: "lobby" },
      ],
    });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const problems = describeIssues(parsed.error);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scanners\[2\]\.zone:/),
        expect.stringMatching(/^zones\[2\]\.kind:/),
        // and, in the same answer, the cross-references
        'zones[1].id: duplicate zone id "entrance"',
        expect.stringMatching(/^scanners\[0\]\.zone: unknown zone "lobby"/),
        'scanners[1].id: duplicate scanner id "gw-a"',
      ]),
    );
    // the cross-reference checks run once the shapes are right
    const shapes = Venue.safeParse({
      ...example,
      scanners: [
        { id: "gw-a", zone: "lobby", position: { x: 0, y: 0 } },
        { id: "gw-a", zone: "entrance", position: { x: 0, y: 0 } },
      ],
      zones: [...example.zones, { id: "entrance", name: "Again", kind: "entrance" }],
    });
    expect(shapes.success).toBe(false);
    if (!shapes.success)
      expect(describeIssues(shapes.error)).toEqual([
        'zones[1].id: duplicate zone id "entrance"',
        'scanners[0].zone: unknown zone "lobby" (known: entrance)',
        'scanners[1].id: duplicate scanner id "gw-a"',
      ]);
  });

  it("refuses ids that would break MQTT topics", () => {
    const parsed = Venue.safeParse({ ...example, venueId: "store/+" });
    expect(parsed.success).toBe(false);
  });
});
