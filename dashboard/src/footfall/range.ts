import { addDays, dayStart, localDay, weekOf } from "@proxima/shared";

export type Bucket = "hour" | "day" | "week";

/** A range of whole venue-local days, inclusive: what a manager means by "last week". */
export interface DayRange {
  fromDay: string;
  toDay: string;
}

export const PRESETS = [
  "today",
  "yesterday",
  "last-7-days",
  "last-week",
  "last-30-days",
  "last-90-days",
] as const;
export type Preset = (typeof PRESETS)[number];
export const PRESET_LABELS: Record<Preset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  "last-7-days": "Last 7 days",
  "last-week": "Last week",
  "last-30-days": "Last 30 days",
  "last-90-days": "Last 90 days",
};

export function presetRange(preset: Preset, now: number, tz: string): DayRange {
  const today = localDay(now, tz);
  switch (preset) {
    case "today":
      return { fromDay: today, toDay: today };
    case "yesterday":
      return { fromDay: addDays(today, -1), toDay: addDays(today, -1) };
    case "last-7-days":
      return { fromDay: addDays(today, -6), toDay: today };
    case "last-week": {
      const monday = addDays(weekOf(today), -7);
      return { fromDay: monday, toDay: addDays(monday, 6) };
    }
    case "last-30-days":
      return { fromDay: addDays(today, -29), toDay: today };
    case "last-90-days":
      return { fromDay: addDays(today, -89), toDay: today };
  }
}

/** [from, to) instants of a day range in the venue's time zone (DST days are 23 or 25 h). */
export function rangeInstants(range: DayRange, tz: string): { from: number; to: number } {
  return { from: dayStart(range.fromDay, tz), to: dayStart(addDays(range.toDay, 1), tz) };
}

/** The equally long range just before. */
export function previousRange(range: DayRange): DayRange {
  const days = daysIn(range);
  return { fromDay: addDays(range.fromDay, -days), toDay: addDays(range.fromDay, -1) };
}

export function daysIn(range: DayRange): number {
  return Math.round((Date.parse(range.toDay) - Date.parse(range.fromDay)) / 86_400_000) + 1;
}

/** Hourly buckets for short ranges, daily up to ~3 months, weekly beyond. */
export function defaultBucket(range: DayRange): Bucket {
  const days = daysIn(range);
  return days <= 7 ? "hour" : days <= 92 ? "day" : "week";
}
