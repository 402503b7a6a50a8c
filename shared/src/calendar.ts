/**
 * A venue's calendar: local days, weeks and hours in an IANA time zone, daylight-saving
 * changes included. Every offset comes from `Intl.DateTimeFormat` (the platform's tz
 * database); nothing here knows a rule of any zone.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows this IANA zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of instant `ts` in `timeZone`, straight from Intl (slow: ~10 µs). */
function intlParts(ts: number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const part of formatter(timeZone).formatToParts(ts)) {
    switch (part.type) {
      case "year":
        out.year = Number(part.value);
        break;
      case "month":
        out.month = Number(part.value);
        break;
      case "day":
        out.day = Number(part.value);
        break;
      case "hour":
        out.hour = Number(part.value);
        break;
      case "minute":
        out.minute = Number(part.value);
        break;
      case "second":
        out.second = Number(part.value);
        break;
      case "weekday":
        out.weekday = WEEKDAYS[part.value] ?? 0;
        break;
    }
  }
  return out;
}

/** UTC offsets change (DST, zone rules) at most once in any 15-minute slot, and only on its edges in practice. */
const SLOT_MS = 15 * 60_000;
/** per zone: UTC slot number → the zone's offset through that whole slot, or NaN if it changes inside it */
const slotOffsets = new Map<string, Map<number, number>>();

function intlOffset(ts: number, timeZone: string): number {
  const p = intlParts(ts, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (ts - (((ts % 1000) + 1000) % 1000));
}

/**
 * The wall-clock fields of instant `ts` in `timeZone`. Ingest computes these for every
 * event, so the zone's offset is asked of Intl once per 15-minute slot (checked at both
 * ends: a slot with a change inside it is answered by Intl event by event) and the
 * fields follow from UTC arithmetic.
 */
export function localParts(ts: number, timeZone: string): LocalParts {
  let slots = slotOffsets.get(timeZone);
  if (!slots) {
    formatter(timeZone); // throws RangeError for an unknown zone, before caching anything
    slots = new Map();
    slotOffsets.set(timeZone, slots);
  }
  const slot = Math.floor(ts / SLOT_MS);
  let offset = slots.get(slot);
  if (offset === undefined) {
    const first = intlOffset(slot * SLOT_MS, timeZone);
    offset = first === intlOffset(slot * SLOT_MS + SLOT_MS - 1000, timeZone) ? first : Number.NaN;
    if (slots.size >= 100_000) slots.clear();
    slots.set(slot, offset);
  }
  if (Number.isNaN(offset)) return intlParts(ts, timeZone);
  const wall = new Date(ts + offset);
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: (wall.getUTCDay() + 6) % 7,
  };
}

/**
 * The venue-local calendar date containing `ts` as a day number (days since
 * 1970-01-01 of that date): the same number for every instant of one local day.
 */
export function localDayNumber(ts: number, timeZone: string): number {
  const p = localParts(ts, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day) / DAY_MS;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `YYYY-MM-DD` of the venue-local day containing `ts`. */
export function localDay(ts: number, timeZone: string): string {
  const p = localParts(ts, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** `YYYY-MM` of the venue-local month containing `ts`. */
export function localMonth(ts: number, timeZone: string): string {
  return localDay(ts, timeZone).slice(0, 7);
}

/** UTC offset of `timeZone` at `ts`, in ms (as Intl reports it). */
const offsetAt = intlOffset;

const dayStartCache = new Map<string, number>();

/** The first instant of local day `day` (`YYYY-MM-DD`); a day may start at 01:00 where midnight is skipped. */
export function dayStart(day: string, timeZone: string): number {
  const key = `${timeZone}|${day}`;
  const cached = dayStartCache.get(key);
  if (cached !== undefined) return cached;
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  // Where the guess is not the day's first instant (midnight skipped by a DST change),
  // walk to the first whole hour whose local day is `day`.
  if (localDay(guess, timeZone) !== day) {
    while (localDay(guess, timeZone) < day) guess += HOUR_MS;
  } else {
    while (localDay(guess - HOUR_MS, timeZone) === day) guess -= HOUR_MS;
  }
  if (dayStartCache.size > 100_000) dayStartCache.clear();
  dayStartCache.set(key, guess);
  return guess;
}

/** `YYYY-MM-DD` of the calendar day `n` days after `day` (calendar arithmetic only, no time zone). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Calendar weekday of `YYYY-MM-DD`, 0 = Monday. */
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The Monday starting the week of `day`. */
export function weekOf(day: string): string {
  return addDays(day, -weekdayOf(day));
}

/** Length of a local day in hours: 23 or 25 on daylight-saving changes. */
export function dayHours(day: string, timeZone: string): number {
  return Math.round((dayStart(addDays(day, 1), timeZone) - dayStart(day, timeZone)) / HOUR_MS);
}

/** Every local day whose first instant lies in [from, to). */
export function daysBetween(from: number, to: number, timeZone: string): string[] {
  const days: string[] = [];
  let day = localDay(from, timeZone);
  if (dayStart(day, timeZone) < from) day = addDays(day, 1);
  while (dayStart(day, timeZone) < to) {
    days.push(day);
    day = addDays(day, 1);
  }
  return days;
}

/** First instant of the local month `YYYY-MM`. */
export function monthStart(month: string, timeZone: string): number {
  return dayStart(`${month}-01`, timeZone);
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const t = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}`;
}
