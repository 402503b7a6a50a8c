/** Formatting in the venue's time zone (Intl), so a manager abroad still sees store-local hours. */
const cache = new Map<string, Intl.DateTimeFormat>();

function fmt(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone, ...options });
    cache.set(key, f);
  }
  return f;
}

export const formatDay = (ts: number, tz: string) =>
  fmt(tz, { weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(ts);
export const formatHour = (ts: number, tz: string) =>
  fmt(tz, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(ts);
export const formatDateTime = (ts: number, tz: string) =>
  fmt(tz, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(ts);
export const formatTime = (ts: number, tz: string) =>
  fmt(tz, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(ts);

export function formatBucket(ts: number, bucket: "hour" | "day" | "week", tz: string): string {
  if (bucket === "hour") return formatHour(ts, tz);
  if (bucket === "week") return `week of ${formatDay(ts, tz)}`;
  return formatDay(ts, tz);
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const integer = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 1 });
const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" });

export const formatInt = (n: number) => integer.format(n);
export const formatDecimal = (n: number) => decimal.format(n);
export const formatPercent = (n: number | null) => (n === null ? "–" : percent.format(n));
export const formatMoney = (n: number | null) => (n === null ? "–" : money.format(n));

export function formatChange(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? "±0 %" : "new";
  const change = (current - previous) / previous;
  return `${change >= 0 ? "+" : ""}${percent.format(change)}`;
}
