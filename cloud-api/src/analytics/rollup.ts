import { DAY_MS, dayStart, type EventEnvelope, HOUR_MS, localDay, localMonth } from "@proxima/shared";
import { bulkInsert, type Column, jsonParam, tuplesIn } from "../store/bulk.js";
import { DWELL_BUCKETS, dwellBucket, emptySketch, mergeInto, sketchPercentile } from "./dwell-sketch.js";
import { type Sql, valuesPlaceholders } from "./sql.js";

/** Venue-wide pseudo zone: unique subjects in any zone. */
export const ALL_ZONES = "*";
/** Overall customer figures across venues. */
export const ALL_VENUES = "*";

/** One hourly cell as stored. */
export interface HourCell {
  visits: number;
  visitors: number;
  p50: number | null;
  p90: number | null;
}

export interface HourRow {
  cells: HourCell[];
  sketches: (number[] | null)[];
}

export interface DayRow {
  dayStart: number;
  visits: number;
  visitors: number;
  sketch: number[];
}

export interface KioskDay {
  dayStart: number;
  sessions: number;
  offersShown: number;
  offersAccepted: number;
  pours: number;
  purchases: number;
  revenue: number;
  ratingSum: number;
  ratingCount: number;
}

const emptyCell = (): HourCell => ({ visits: 0, visitors: 0, p50: null, p90: null });
export const emptyHourRow = (): HourRow => ({
  cells: Array.from({ length: 24 }, emptyCell),
  sketches: new Array<number[] | null>(24).fill(null),
});

/** A visit as rollups see it: attributed to the hour and local day its subject entered. */
export interface Visit {
  venueId: string;
  zone: string;
  subject: string;
  enterTs: number;
  dwellMs: number;
}

/** Which venue-local time zone to use for a venue's days: UTC when the venue is unknown, or an event has none. */
export type TimeZoneOf = (venueId: string | undefined) => string;

/**
 * Rollup deltas built in memory from a batch of visits. `subjectBits` holds, per
 * (venue, day, subject, zone), the hours (bit i = i-th hour of the local day) the
 * subject entered that zone; comparing it with what is stored says which visitor
 * counts are new.
 */
export class VisitRollup {
  readonly hours = new Map<string, HourRow>();
  readonly days = new Map<string, DayRow>();
  readonly subjectBits = new Map<string, number>();

  constructor(private readonly timeZoneOf: TimeZoneOf) {}

  add(visit: Visit): void {
    const tz = this.timeZoneOf(visit.venueId);
    const hour = Math.floor(visit.enterTs / HOUR_MS) * HOUR_MS;
    const day = localDay(visit.enterTs, tz);
    const start = dayStart(day, tz);
    const bit = Math.max(0, Math.min(30, Math.floor((hour - start) / HOUR_MS)));
    const utcDay = Math.floor(hour / DAY_MS) * DAY_MS;
    const index = (hour - utcDay) / HOUR_MS;
    const bucket = dwellBucket(visit.dwellMs);
    for (const zone of [visit.zone, ALL_ZONES]) {
      const hourKey = `${visit.venueId}\u0000${zone}\u0000${utcDay}`;
      const row = getOrSet(this.hours, hourKey, () => emptyHourRow());
      row.cells[index]!.visits++;
      const sketch = row.sketches[index] ?? emptySketch();
      sketch[bucket]!++;
      row.sketches[index] = sketch;

      const dayKey = `${visit.venueId}\u0000${zone}\u0000${day}`;
      const dayRow = getOrSet(this.days, dayKey, () => ({
        dayStart: start,
        visits: 0,
        visitors: 0,
        sketch: emptySketch(),
      }));
      dayRow.visits++;
      dayRow.sketch[bucket]!++;

      const subjectKey = `${visit.venueId}\u0000${day}\u0000${visit.subject}\u0000${zone}`;
      this.subjectBits.set(subjectKey, (this.subjectBits.get(subjectKey) ?? 0) | (1 << bit));
    }
  }

  /**
   * Turns subject bits into visitor counts, given what was already stored for those
   * keys (`stored`, absent = never seen): a new (subject, zone, day) counts once for the
   * day, each new hour bit once for its hour.
   */
  countVisitors(stored: ReadonlyMap<string, number>): void {
    for (const [key, bits] of this.subjectBits) {
      const [venueId, day, , zone] = key.split("\u0000") as [string, string, string, string];
      const before = stored.get(key);
      const fresh = bits & ~(before ?? 0);
      if (before === undefined) this.days.get(`${venueId}\u0000${zone}\u0000${day}`)!.visitors++;
      if (fresh === 0) continue;
      const start = dayStart(day, this.timeZoneOf(venueId));
      for (let bit = 0; bit <= 30; bit++) {
        if ((fresh & (1 << bit)) === 0) continue;
        const hour = start + bit * HOUR_MS;
        const utcDay = Math.floor(hour / DAY_MS) * DAY_MS;
        const hourKey = `${venueId}\u0000${zone}\u0000${utcDay}`;
        const row = getOrSet(this.hours, hourKey, () => emptyHourRow());
        row.cells[(hour - utcDay) / HOUR_MS]!.visitors++;
      }
    }
  }
}

export function finishCells(row: HourRow): void {
  for (let i = 0; i < 24; i++) {
    const sketch = row.sketches[i];
    const cell = row.cells[i]!;
    cell.p50 = sketch ? sketchPercentile(sketch, 50) : null;
    cell.p90 = sketch ? sketchPercentile(sketch, 90) : null;
  }
}

export function mergeHourRows(into: HourRow, from: HourRow): HourRow {
  for (let i = 0; i < 24; i++) {
    into.cells[i]!.visits += from.cells[i]!.visits;
    into.cells[i]!.visitors += from.cells[i]!.visitors;
    const s = from.sketches[i];
    if (s) into.sketches[i] = mergeInto(into.sketches[i] ?? emptySketch(), s);
  }
  return into;
}

/**
 * A zone's UTC day of hourly cells, stored as the very JSON the footfall endpoint
 * answers with: 24 bucket objects `{"start","visitors","visits","dwellP50Ms","dwellP90Ms"}`
 * joined by ",". A 90-day hourly query then concatenates 90 stored strings per zone
 * instead of parsing and re-serialising 216,000 objects.
 */
export function encodeCells(row: HourRow, utcDayStart: number): string {
  return row.cells
    .map(
      (c, i) =>
        `{"start":${utcDayStart + i * HOUR_MS},"visitors":${c.visitors},"visits":${c.visits},"dwellP50Ms":${c.p50 ?? "null"},"dwellP90Ms":${c.p90 ?? "null"}}`,
    )
    .join(",");
}

export interface StoredBucket {
  start: number;
  visitors: number;
  visits: number;
  dwellP50Ms: number | null;
  dwellP90Ms: number | null;
}

export function decodeBuckets(text: string): StoredBucket[] {
  return JSON.parse(`[${text}]`) as StoredBucket[];
}

export function decodeCells(text: string): HourCell[] {
  return decodeBuckets(text).map((c) => ({
    visits: c.visits,
    visitors: c.visitors,
    p50: c.dwellP50Ms,
    p90: c.dwellP90Ms,
  }));
}

/**
 * The same cells as `encodeCells`, packed for the columnar read path: 96 little-endian
 * int32 — visitors[24], visits[24], dwell p50[24], dwell p90[24] — with -1 for a null
 * percentile (dwell values are sketch bucket values, at most ~4·10^7 ms).
 */
export function encodePacked(row: HourRow): Buffer {
  const out = Buffer.alloc(PACKED_BYTES);
  row.cells.forEach((c, i) => {
    out.writeInt32LE(c.visitors, 4 * i);
    out.writeInt32LE(c.visits, 4 * (24 + i));
    out.writeInt32LE(c.p50 ?? -1, 4 * (48 + i));
    out.writeInt32LE(c.p90 ?? -1, 4 * (72 + i));
  });
  return out;
}
export const PACKED_BYTES = 96 * 4;

export function encodeSketches(row: HourRow): string {
  return JSON.stringify(row.sketches.map((s) => s ?? 0));
}

export function decodeSketches(text: string): (number[] | null)[] {
  return (JSON.parse(text) as (number[] | 0)[]).map((s) => (s === 0 ? null : s));
}

const CHUNK = 400;

/**
 * A new version for every write of an hourly row: readers that cached the row's text
 * compare versions to know it changed. Random rather than a clock, so writers on
 * different instances never hand out the same one.
 */
export function rowVersion(): number {
  return Math.floor(Math.random() * 2 ** 52);
}

/** The value under `key`, created by `make` on first use. */
export function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

async function inChunks<T>(items: T[], size: number, fn: (chunk: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}

/** Reads stored subject bits for the keys of `rollup`. */
async function storedSubjectBits(sql: Sql, rollup: VisitRollup): Promise<Map<string, number>> {
  const byVenueDay = new Map<string, string[]>();
  for (const key of rollup.subjectBits.keys()) {
    const [venueId, day, subject] = key.split("\u0000") as [string, string, string];
    const vd = `${venueId}\u0000${day}`;
    const list = byVenueDay.get(vd) ?? [];
    list.push(subject);
    byVenueDay.set(vd, list);
  }
  const stored = new Map<string, number>();
  for (const [vd, subjects] of byVenueDay) {
    const [venueId, day] = vd.split("\u0000") as [string, string];
    const unique = [...new Set(subjects)];
    await inChunks(unique, CHUNK, async (chunk) => {
      const marks = chunk.map((_, i) => `$${i + 3}`).join(",");
      const rows = await sql.all<{ subject: string; zone: string; hours: number }>(
        `SELECT subject, zone, hours FROM analytics_subject_day WHERE venue_id = $1 AND day = $2 AND subject IN (${marks})`,
        [venueId, day, ...chunk],
      );
      for (const r of rows)
        stored.set(`${venueId}\u0000${day}\u0000${r.subject}\u0000${r.zone}`, Number(r.hours));
    });
  }
  return stored;
}

/** Writes a rollup whose visitor counts are final, merging with stored rows. */
export async function writeVisitRollup(
  sql: Sql,
  rollup: VisitRollup,
  stored: Map<string, number>,
  options: { subjects?: boolean } = {},
): Promise<void> {
  // subject bits
  const subjectRows = [...rollup.subjectBits].map(([key, bits]) => {
    const [venueId, day, subject, zone] = key.split("\u0000") as [string, string, string, string];
    return [venueId, day, subject, zone, bits | (stored.get(key) ?? 0)];
  });
  // Bulk loads of closed history may skip the dedup set (nothing arrives later to dedup).
  if (options.subjects === false) subjectRows.length = 0;
  await inChunks(subjectRows, CHUNK, (chunk) =>
    sql.run(
      `INSERT INTO analytics_subject_day (venue_id, day, subject, zone, hours) VALUES ${valuesPlaceholders(chunk.length, 5)}
       ON CONFLICT (venue_id, day, subject, zone) DO UPDATE SET hours = excluded.hours`,
      chunk.flat(),
    ),
  );

  // hourly rows: read, merge, write back
  const hourKeys = [...rollup.hours.keys()];
  await inChunks(hourKeys, CHUNK, async (chunk) => {
    const parts = chunk.map((k) => k.split("\u0000") as [string, string, string]);
    const where = parts.map(
      (_, i) => `(venue_id = $${i * 3 + 1} AND zone = $${i * 3 + 2} AND day_start = $${i * 3 + 3})`,
    );
    const existing = await sql.all<{
      venue_id: string;
      zone: string;
      day_start: number;
      cells: string;
      sketches: string;
    }>(
      `SELECT venue_id, zone, day_start, cells, sketches FROM analytics_zone_hours WHERE ${where.join(" OR ")}`,
      parts.flatMap(([v, z, d]) => [v, z, Number(d)]),
    );
    const old = new Map(existing.map((r) => [`${r.venue_id}\u0000${r.zone}\u0000${Number(r.day_start)}`, r]));
    const rows = chunk.map((key) => {
      const delta = rollup.hours.get(key)!;
      const prior = old.get(key);
      const merged = prior
        ? mergeHourRows({ cells: decodeCells(prior.cells), sketches: decodeSketches(prior.sketches) }, delta)
        : delta;
      finishCells(merged);
      const [v, z, d] = key.split("\u0000") as [string, string, string];
      return [
        v,
        z,
        Number(d),
        encodeCells(merged, Number(d)),
        encodeSketches(merged),
        rowVersion(),
        encodePacked(merged),
      ];
    });
    await sql.run(
      `INSERT INTO analytics_zone_hours (venue_id, zone, day_start, cells, sketches, version, packed) VALUES ${valuesPlaceholders(rows.length, 7)}
       ON CONFLICT (venue_id, zone, day_start) DO UPDATE SET cells = excluded.cells, sketches = excluded.sketches, version = excluded.version, packed = excluded.packed`,
      rows.flat(),
    );
  });

  // daily rows
  const dayKeys = [...rollup.days.keys()];
  await inChunks(dayKeys, CHUNK, async (chunk) => {
    const parts = chunk.map((k) => k.split("\u0000") as [string, string, string]);
    const where = parts.map(
      (_, i) => `(venue_id = $${i * 3 + 1} AND zone = $${i * 3 + 2} AND day = $${i * 3 + 3})`,
    );
    const existing = await sql.all<{
      venue_id: string;
      zone: string;
      day: string;
      visits: number;
      visitors: number;
      sketch: string;
    }>(
      `SELECT venue_id, zone, day, visits, visitors, sketch FROM analytics_zone_day WHERE ${where.join(" OR ")}`,
      parts.flat(),
    );
    const old = new Map(existing.map((r) => [`${r.venue_id}\u0000${r.zone}\u0000${r.day}`, r]));
    const rows = chunk.map((key) => {
      const delta = rollup.days.get(key)!;
      const prior = old.get(key);
      const sketch = prior ? mergeInto(JSON.parse(prior.sketch) as number[], delta.sketch) : delta.sketch;
      const [v, z, d] = key.split("\u0000") as [string, string, string];
      return [
        v,
        z,
        d,
        delta.dayStart,
        delta.visits + Number(prior?.visits ?? 0),
        delta.visitors + Number(prior?.visitors ?? 0),
        sketchPercentile(sketch, 50),
        sketchPercentile(sketch, 90),
        JSON.stringify(sketch),
      ];
    });
    await sql.run(
      `INSERT INTO analytics_zone_day (venue_id, zone, day, day_start, visits, visitors, p50, p90, sketch) VALUES ${valuesPlaceholders(rows.length, 9)}
       ON CONFLICT (venue_id, zone, day) DO UPDATE SET visits = excluded.visits, visitors = excluded.visitors,
         p50 = excluded.p50, p90 = excluded.p90, sketch = excluded.sketch`,
      rows.flat(),
    );
  });
}

const KIOSK_TYPES = new Set([
  "kiosk.session_started",
  "offer.shown",
  "offer.accepted",
  "pour.completed",
  "purchase.completed",
  "feedback.submitted",
]);

/**
 * The key a customer is counted under: the store's resolved customer id when given,
 * else the strongest customer identity (loyalty before app, email, phone). Tags alone
 * ("subject") are visitors, not customers, until identity resolution links them.
 */
const IDENTITY_RANK = ["loyalty", "app", "email", "phone"] as const;
export function customerKey(event: EventEnvelope, resolved?: string): string | null {
  if (resolved) return resolved;
  const all = [event.identity, ...(event.identities ?? [])];
  for (const type of IDENTITY_RANK) {
    const found = all.find((i) => i.type === type);
    if (found) return `${found.type}:${found.value}`;
  }
  return null;
}

/** Counts kiosk activity per kiosk and local day (additive, so plain upserts). */
async function writeKioskDays(
  sql: Sql,
  events: readonly EventEnvelope[],
  timeZoneOf: TimeZoneOf,
): Promise<void> {
  const days = new Map<string, KioskDay>();
  for (const e of events) {
    if (!e.venueId || !KIOSK_TYPES.has(e.type)) continue;
    const kioskId =
      e.source.kind === "kiosk" ? e.source.id : typeof e.data.kioskId === "string" ? e.data.kioskId : null;
    if (!kioskId) continue;
    const tz = timeZoneOf(e.venueId);
    const day = localDay(e.ts, tz);
    const key = `${e.venueId}\u0000${kioskId}\u0000${day}`;
    const row = getOrSet(days, key, () => ({
      dayStart: dayStart(day, tz),
      sessions: 0,
      offersShown: 0,
      offersAccepted: 0,
      pours: 0,
      purchases: 0,
      revenue: 0,
      ratingSum: 0,
      ratingCount: 0,
    }));
    if (e.type === "kiosk.session_started") row.sessions++;
    else if (e.type === "offer.shown") row.offersShown++;
    else if (e.type === "offer.accepted") row.offersAccepted++;
    else if (e.type === "pour.completed") row.pours++;
    else if (e.type === "purchase.completed") {
      row.purchases++;
      row.revenue += Number(e.data.amount ?? 0);
    } else if (e.type === "feedback.submitted") {
      row.ratingSum += Number(e.data.rating ?? 0);
      row.ratingCount++;
    }
  }
  const rows = [...days].map(([key, r]) => [
    ...key.split("\u0000"),
    r.dayStart,
    r.sessions,
    r.offersShown,
    r.offersAccepted,
    r.pours,
    r.purchases,
    r.revenue,
    r.ratingSum,
    r.ratingCount,
  ]);
  const add = (c: string) => `${c} = analytics_kiosk_day.${c} + excluded.${c}`;
  await inChunks(rows, CHUNK, (chunk) =>
    sql.run(
      `INSERT INTO analytics_kiosk_day (venue_id, kiosk_id, day, day_start, sessions, offers_shown, offers_accepted, pours, purchases, revenue, rating_sum, rating_count)
       VALUES ${valuesPlaceholders(chunk.length, 12)}
       ON CONFLICT (venue_id, kiosk_id, day) DO UPDATE SET ${["sessions", "offers_shown", "offers_accepted", "pours", "purchases", "revenue", "rating_sum", "rating_count"].map(add).join(", ")}`,
      chunk.flat(),
    ),
  );
}

interface CustomerActivity {
  firstSeen: number;
  lastSeen: number;
  days: Set<string>;
  /** month → purchases, revenue, active days */
  months: Map<string, { purchases: number; revenue: number; days: Set<string> }>;
}

/** Customer activity per venue and overall: first/last seen, active days, monthly revenue. */
async function writeCustomers(
  sql: Sql,
  events: readonly EventEnvelope[],
  timeZoneOf: TimeZoneOf,
  resolve: (e: EventEnvelope) => string | undefined,
): Promise<void> {
  const activity = new Map<string, CustomerActivity>();
  for (const e of events) {
    const customer = customerKey(e, resolve(e));
    if (!customer) continue;
    const tz = timeZoneOf(e.venueId);
    const day = localDay(e.ts, tz);
    const month = localMonth(e.ts, tz);
    for (const venue of e.venueId ? [e.venueId, ALL_VENUES] : [ALL_VENUES]) {
      const key = `${venue}\u0000${customer}`;
      const a = getOrSet(activity, key, () => ({
        firstSeen: e.ts,
        lastSeen: e.ts,
        days: new Set(),
        months: new Map(),
      }));
      a.firstSeen = Math.min(a.firstSeen, e.ts);
      a.lastSeen = Math.max(a.lastSeen, e.ts);
      a.days.add(day);
      const m = getOrSet(a.months, month, () => ({ purchases: 0, revenue: 0, days: new Set() }));
      m.days.add(day);
      if (e.type === "purchase.completed") {
        m.purchases++;
        m.revenue += Number(e.data.amount ?? 0);
      }
    }
  }
  if (activity.size === 0) return;
  const keys = [...activity.keys()];
  const existing = await sql.all<{
    venue_id: string;
    customer: string;
    first_seen: number;
    last_seen: number;
    last_day: string;
    active_days: number;
  }>(
    `SELECT venue_id, customer, first_seen, last_seen, last_day, active_days FROM analytics_customer WHERE ${tuplesIn(sql, CUSTOMER_KEY, 1)}`,
    [jsonParam(keys.map((k) => k.split("\u0000")))],
  );
  const old = new Map(existing.map((r) => [`${r.venue_id}\u0000${r.customer}`, r]));
  const customerRows: unknown[][] = [];
  const monthRows: unknown[][] = [];
  for (const key of keys) {
    const a = activity.get(key)!;
    const prior = old.get(key);
    const lastDay = prior?.last_day ?? "";
    // A day counts as a new active day when it is after the last one stored (events
    // arrive roughly in order; a late event from an earlier day is not re-counted).
    const newDays = new Set([...a.days].filter((d) => d > lastDay));
    const [venue, customer] = key.split("\u0000") as [string, string];
    customerRows.push([
      venue,
      customer,
      Math.min(a.firstSeen, Number(prior?.first_seen ?? a.firstSeen)),
      Math.max(a.lastSeen, Number(prior?.last_seen ?? a.lastSeen)),
      [...a.days, lastDay].sort().at(-1)!,
      Number(prior?.active_days ?? 0) + newDays.size,
    ]);
    for (const [month, m] of a.months)
      monthRows.push([
        venue,
        month,
        customer,
        [...m.days].filter((d) => newDays.has(d)).length,
        m.purchases,
        m.revenue,
      ]);
  }
  await bulkInsert(
    sql,
    "analytics_customer",
    [
      ...CUSTOMER_KEY,
      ["first_seen", "bigint"],
      ["last_seen", "bigint"],
      ["last_day", "text"],
      ["active_days", "bigint"],
    ],
    customerRows,
    `ON CONFLICT (venue_id, customer) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen,
       last_day = excluded.last_day, active_days = excluded.active_days`,
  );
  await bulkInsert(
    sql,
    "analytics_customer_month",
    [
      ["venue_id", "text"],
      ["month", "text"],
      ["customer", "text"],
      ["active_days", "bigint"],
      ["purchases", "bigint"],
      ["revenue", "float8"],
    ],
    monthRows,
    `ON CONFLICT (venue_id, month, customer) DO UPDATE SET active_days = analytics_customer_month.active_days + excluded.active_days,
       purchases = analytics_customer_month.purchases + excluded.purchases, revenue = analytics_customer_month.revenue + excluded.revenue`,
  );
}

const CUSTOMER_KEY: readonly Column[] = [
  ["venue_id", "text"],
  ["customer", "text"],
];

/** Presence changes: who is in which zone now (enter sets, exit clears when it is the same zone). */
export interface PresenceChange {
  venueId: string;
  subject: string;
  zone: string;
  ts: number;
  kind: "enter" | "exit";
}

/** A presence with no exit after this long is stale (a lost exit), not someone still there. */
export const STALE_PRESENCE_MS = 4 * HOUR_MS;

type PresenceState =
  | { kind: "stored" }
  | { kind: "set"; zone: string; since: number }
  | { kind: "gone" }
  | { kind: "exit-stored"; zone: string; ts: number };

/**
 * Folds a batch's presence changes per subject into one final write each (a day of
 * history is one upsert and one delete per subject, not a statement per event), then
 * drops presences gone stale.
 */
async function writePresence(sql: Sql, changes: readonly PresenceChange[]): Promise<void> {
  const states = new Map<string, PresenceState>();
  const latest = new Map<string, number>();
  for (const c of [...changes].sort((a, b) => a.ts - b.ts)) {
    const key = `${c.venueId}\u0000${c.subject}`;
    latest.set(c.venueId, Math.max(latest.get(c.venueId) ?? 0, c.ts));
    const state = states.get(key) ?? { kind: "stored" };
    if (c.kind === "enter") states.set(key, { kind: "set", zone: c.zone, since: c.ts });
    else if (state.kind === "set" && state.zone === c.zone && state.since <= c.ts)
      states.set(key, { kind: "gone" });
    else if (state.kind === "stored" || state.kind === "exit-stored")
      states.set(key, { kind: "exit-stored", zone: c.zone, ts: c.ts });
  }
  const upserts: unknown[][] = [];
  const gone = new Map<string, string[]>();
  for (const [key, state] of states) {
    const [venueId, subject] = key.split("\u0000") as [string, string];
    if (state.kind === "set") upserts.push([venueId, subject, state.zone, state.since]);
    else if (state.kind === "gone") getOrSet(gone, venueId, () => []).push(subject);
    else if (state.kind === "exit-stored")
      await sql.run(
        "DELETE FROM analytics_presence_now WHERE venue_id = $1 AND subject = $2 AND zone = $3 AND since <= $4",
        [venueId, subject, state.zone, state.ts],
      );
  }
  await inChunks(upserts, CHUNK, (chunk) =>
    sql.run(
      `INSERT INTO analytics_presence_now (venue_id, subject, zone, since) VALUES ${valuesPlaceholders(chunk.length, 4)}
       ON CONFLICT (venue_id, subject) DO UPDATE SET zone = excluded.zone, since = excluded.since
       WHERE analytics_presence_now.since <= excluded.since`,
      chunk.flat(),
    ),
  );
  for (const [venueId, subjects] of gone)
    await inChunks(subjects, CHUNK, (chunk) =>
      sql.run(
        `DELETE FROM analytics_presence_now WHERE venue_id = $1 AND subject IN (${chunk.map((_, i) => `$${i + 2}`).join(",")})`,
        [venueId, ...chunk],
      ),
    );
  for (const [venueId, ts] of latest)
    await sql.run("DELETE FROM analytics_presence_now WHERE venue_id = $1 AND since < $2", [
      venueId,
      ts - STALE_PRESENCE_MS,
    ]);
}

export function presenceChanges(events: readonly EventEnvelope[]): PresenceChange[] {
  const out: PresenceChange[] = [];
  for (const e of events) {
    if ((e.type !== "presence.enter" && e.type !== "presence.exit") || !e.venueId) continue;
    const zone = e.data.zone;
    if (typeof zone !== "string") continue;
    out.push({
      venueId: e.venueId,
      subject: `${e.identity.type}:${e.identity.value}`,
      zone,
      ts: e.ts,
      kind: e.type === "presence.enter" ? "enter" : "exit",
    });
  }
  return out;
}

export function visitsOf(events: readonly EventEnvelope[]): Visit[] {
  const visits: Visit[] = [];
  for (const e of events) {
    if (e.type !== "presence.exit" || !e.venueId) continue;
    const zone = e.data.zone;
    const dwellMs = e.data.dwellMs;
    if (typeof zone !== "string" || typeof dwellMs !== "number") continue;
    visits.push({
      venueId: e.venueId,
      zone,
      subject: `${e.identity.type}:${e.identity.value}`,
      enterTs: e.ts - dwellMs,
      dwellMs,
    });
  }
  return visits;
}

export interface ProjectOptions {
  timeZoneOf: TimeZoneOf;
  /** the customer id the store resolved for an event, when it did */
  resolveCustomer?: (e: EventEnvelope) => string | undefined;
}

/**
 * The analytics projection: folds one batch of newly accepted events (never duplicates:
 * the store dedups by id first) into every rollup, in one transaction.
 */
export async function projectEvents(
  sql: Sql,
  events: readonly EventEnvelope[],
  options: ProjectOptions,
): Promise<PresenceChange[]> {
  const changes = presenceChanges(events);
  const visits = visitsOf(events);
  await sql.transaction(async (tx) => {
    // One analytics writer at a time across instances: rollups are read-modify-write.
    if (tx.dialect === "postgres") await tx.run("SELECT pg_advisory_xact_lock(7261001)");
    if (visits.length > 0) {
      const rollup = new VisitRollup(options.timeZoneOf);
      for (const v of visits) rollup.add(v);
      const stored = await storedSubjectBits(tx, rollup);
      rollup.countVisitors(stored);
      await writeVisitRollup(tx, rollup, stored);
    }
    await writeKioskDays(tx, events, options.timeZoneOf);
    await writeCustomers(tx, events, options.timeZoneOf, options.resolveCustomer ?? (() => undefined));
    if (changes.length > 0) await writePresence(tx, changes);
  });
  return changes;
}

export { DWELL_BUCKETS };
