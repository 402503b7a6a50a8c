import { describe, expect, it } from "vitest";
import { defaultBucket, presetRange, previousRange, rangeInstants } from "./range.js";

describe("venue-local ranges", () => {
  const tz = "Europe/Berlin";
  // Wednesday 1 April 2026, 00:30 in Berlin (still 31 March in UTC)
  const now = Date.parse("2026-03-31T22:30:00Z");

  it("takes today in the venue's time zone, not UTC", () => {
    expect(presetRange("today", now, tz)).toEqual({ fromDay: "2026-04-01", toDay: "2026-04-01" });
  });

  it("last week is the previous Monday to Sunday, spanning the DST change as 167 hours", () => {
    const range = presetRange("last-week", now, tz);
    expect(range).toEqual({ fromDay: "2026-03-23", toDay: "2026-03-29" });
    const { from, to } = rangeInstants(range, tz);
    expect(from).toBe(Date.parse("2026-03-22T23:00:00Z"));
    expect(to).toBe(Date.parse("2026-03-29T22:00:00Z"));
    expect((to - from) / 3_600_000).toBe(167);
    expect(previousRange(range)).toEqual({ fromDay: "2026-03-16", toDay: "2026-03-22" });
    expect(defaultBucket(range)).toBe("hour");
  });
});
