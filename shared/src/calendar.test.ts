import { describe, expect, it } from "vitest";
import { addDays, dayHours, dayStart, daysBetween, localDay, localParts, weekOf } from "./calendar.js";

describe("venue calendar", () => {
  it("finds local days across the spring-forward and fall-back changes", () => {
    expect(dayStart("2026-03-29", "Europe/Berlin")).toBe(Date.parse("2026-03-28T23:00:00Z"));
    expect(dayStart("2026-03-30", "Europe/Berlin")).toBe(Date.parse("2026-03-29T22:00:00Z"));
    expect(dayHours("2026-03-29", "Europe/Berlin")).toBe(23);
    expect(dayHours("2026-10-25", "Europe/Berlin")).toBe(25);
    expect(dayHours("2026-11-01", "America/New_York")).toBe(25);
    expect(dayHours("2026-06-01", "Asia/Kolkata")).toBe(24);
  });

  it("starts a day at 01:00 where midnight does not exist (Chile, September 2026)", () => {
    const start = dayStart("2026-09-06", "America/Santiago");
    expect(localDay(start, "America/Santiago")).toBe("2026-09-06");
    expect(localDay(start - 1, "America/Santiago")).toBe("2026-09-05");
    expect(localParts(start, "America/Santiago").hour).toBe(1);
  });

  it("names the local day and weekday of an instant", () => {
    // 23:30 UTC on a Sunday is already Monday in Berlin
    const ts = Date.parse("2026-03-29T22:30:00Z");
    expect(localDay(ts, "Europe/Berlin")).toBe("2026-03-30");
    expect(localDay(ts, "UTC")).toBe("2026-03-29");
    expect(localParts(ts, "Europe/Berlin")).toMatchObject({ weekday: 0, hour: 0, minute: 30 });
    expect(weekOf("2026-04-05")).toBe("2026-03-30");
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
  });

  it("lists the days whose first instant falls in a range (48 h after a 23-hour day reach a third day)", () => {
    const from = Date.parse("2026-03-28T23:00:00Z");
    const to = from + 2 * 86_400_000;
    expect(daysBetween(from, to, "Europe/Berlin")).toEqual(["2026-03-29", "2026-03-30", "2026-03-31"]);
    expect(daysBetween(from + 1, to, "Europe/Berlin")).toEqual(["2026-03-30", "2026-03-31"]);
  });

  it("answers every instant as Intl does, across DST changes and odd offsets", () => {
    const zones = [
      "Europe/London",
      "America/New_York",
      "America/Santiago",
      "Australia/Lord_Howe", // 30-minute DST shift
      "Asia/Kathmandu", // +05:45
      "Pacific/Chatham", // +12:45 / +13:45
      "UTC",
    ];
    const formats = new Map<string, Intl.DateTimeFormat>();
    const format = (timeZone: string) =>
      formats.get(timeZone) ??
      formats
        .set(
          timeZone,
          new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
            second: "2-digit",
          }),
        )
        .get(timeZone)!;
    const fields = (ts: number, timeZone: string) => {
      const parts = format(timeZone).formatToParts(ts);
      const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
      return {
        year: get("year"),
        month: get("month"),
        day: get("day"),
        hour: get("hour"),
        minute: get("minute"),
        second: get("second"),
      };
    };
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const from = Date.UTC(2025, 0, 1);
    const span = Date.UTC(2028, 0, 1) - from;
    for (const zone of zones) {
      // every minute around each 2026 change, plus random instants over three years
      const instants = Array.from({ length: 4000 }, () => from + Math.floor(random() * span));
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000) {
        const a = fields(t, zone);
        const b = fields(t + 3_600_000, zone);
        if ((b.hour - a.hour + 24) % 24 === 1 && a.minute === b.minute) continue;
        for (let m = -90; m <= 90; m++) instants.push(t + m * 60_000 + 17_000);
      }
      for (const ts of instants)
        expect(localParts(ts, zone), `${zone} ${new Date(ts).toISOString()}`).toMatchObject(fields(ts, zone));
    }
  });
});
