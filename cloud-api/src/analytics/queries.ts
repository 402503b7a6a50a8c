import {
  addMonths,
  type CompareResponse,
  type CustomerMetricsResponse,
  DAY_MS,
  dayStart,
  type FootfallColumnsResponse,
  type FootfallRangeQuery,
  type FootfallRangeResponse,
  type FunnelResponse,
  footfallToColumns,
  type HeatmapResponse,
  HOUR_MS,
  localDay,
  localMonth,
  localParts,
  monthStart,
  type OccupancySnapshot,
  ProximaError,
  weekOf,
} from "@proxima/shared";
import { emptySketch, mergeInto, sketchPercentile } from "./dwell-sketch.js";
import {
  ALL_VENUES,
  ALL_ZONES,
  decodeBuckets,
  decodeCells,
  getOrSet,
  PACKED_BYTES,
  STALE_PRESENCE_MS,
} from "./rollup.js";
import { RowTextCache } from "./row-cache.js";
import type { Sql } from "./sql.js";
import type { VenueRegistry } from "./venues.js";

type Bucket = FootfallRangeResponse["zones"][number]["buckets"][number];

/** The venue file's zones in its order, then zones only seen in data, sorted; never "*". */
function zoneOrder(known: readonly string[], seen: Iterable<string>): string[] {
  const extra = [...seen].filter((z) => z !== ALL_ZONES && !known.includes(z)).sort();
  return [...known, ...extra];
}

interface RowVersion {
  zone: string;
  day_start: number;
  version: number;
}

/** Whole hours covering [from, to) and the UTC day the first one falls in. */
function hourRange(q: { from: number; to: number }) {
  const first = Math.floor(q.from / HOUR_MS) * HOUR_MS;
  const end = first + Math.max(0, Math.ceil((q.to - first) / HOUR_MS)) * HOUR_MS;
  return { first, end, firstDay: Math.floor(first / DAY_MS) * DAY_MS };
}

const COMMA = Buffer.from(",");

/** Per-zone answer chunks, least recently set out first beyond `maxBytes`. */
class ChunkCache {
  private chunks = new Map<string, { validator: string; bytes: Buffer }>();
  private total = 0;
  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}
  get(key: string) {
    return this.chunks.get(key);
  }
  set(key: string, chunk: { validator: string; bytes: Buffer }): void {
    const old = this.chunks.get(key);
    if (old) this.total -= old.bytes.length;
    this.chunks.delete(key);
    this.chunks.set(key, chunk);
    this.total += chunk.bytes.length;
  }
  /** evicts after a response is assembled, never while its chunks are being read */
  trim(): void {
    for (const [k, c] of this.chunks) {
      if (this.total <= this.maxBytes) break;
      this.chunks.delete(k);
      this.total -= c.bytes.length;
    }
  }
}

const EMPTY_CELL = `"visitors":0,"visits":0,"dwellP50Ms":null,"dwellP90Ms":null}`;

/** The local day containing `ts`, as the first day of a range. */
const firstDay = (ts: number, tz: string) => localDay(ts, tz);
/** The local day containing the last instant before `to`. */
const lastDay = (to: number, tz: string) => localDay(to - 1, tz);

export class AnalyticsQueries {
  private readonly rowCache = new RowTextCache();
  private readonly responses = new Map<string, { validator: string; bytes: Uint8Array }>();
  private readonly zoneChunks = new ChunkCache();

  constructor(
    private readonly sql: Sql,
    private readonly venues: VenueRegistry,
  ) {}

  /** Per zone and bucket: visitors (unique subjects), visits, dwell p50/p90 — from rollups only. */
  async footfall(q: FootfallRangeQuery): Promise<FootfallRangeResponse> {
    const tz = this.venues.timeZoneOf(q.venueId);
    const known = this.venues.get(q.venueId)?.venue.zones.map((z) => z.id) ?? [];
    const series = q.bucket === "hour" ? await this.hourly(q) : await this.daily(q, tz);
    const zones = zoneOrder(known, series.keys()).filter((z) => z !== "\u0000starts");
    const empty = series.get("\u0000starts") ?? [];
    const fill = (zone: string): Bucket[] =>
      series.get(zone) ??
      empty.map((b) => ({ start: b.start, visitors: 0, visits: 0, dwellP50Ms: null, dwellP90Ms: null }));
    return {
      venueId: q.venueId,
      bucket: q.bucket,
      from: q.from,
      to: q.to,
      timeZone: tz,
      zones: zones.map((zone) => ({ zone, buckets: fill(zone) })),
      venue: fill(ALL_ZONES),
    };
  }

  /**
   * The footfall response as JSON text. Hourly: spliced from the stored cell fragments
   * (same document as `JSON.stringify(await footfall(q))`, a test holds them equal),
   * because building and serialising 216,000 bucket objects is most of a 90-day query.
   */
  async footfallBody(q: FootfallRangeQuery): Promise<string> {
    if (q.bucket !== "hour") return JSON.stringify(await this.footfall(q));
    return Buffer.from(await this.footfallBytes(q)).toString("utf8");
  }

  /**
   * The footfall response as UTF-8 bytes, what the route sends. Hourly answers are kept
   * (a few, bounded) with a validator folded from the versions of every row they were
   * built from: asked again, one version query says whether any row changed since.
   */
  async footfallBytes(q: FootfallRangeQuery): Promise<Uint8Array> {
    if (q.bucket !== "hour") return Buffer.from(JSON.stringify(await this.footfall(q)), "utf8");
    const range = hourRange(q);
    const versions = await this.rowVersions(q.venueId, range.firstDay, range.end);
    const known = this.venues.get(q.venueId)?.venue.zones.map((z) => z.id) ?? [];
    let fold = versions.length;
    for (const v of versions) fold = (fold + Number(v.version)) % 2 ** 52;
    const key = `${q.venueId}|${q.from}|${q.to}`;
    const validator = `${fold}|${this.venues.timeZoneOf(q.venueId)}|${known.join(",")}`;
    const hit = this.responses.get(key);
    if (hit && hit.validator === validator) {
      this.responses.delete(key);
      this.responses.set(key, hit);
      return hit.bytes;
    }
    const bytes = await this.hourlyBody(q, range, versions);
    this.keep(key, validator, bytes);
    return bytes;
  }

  /** The footfall answer column-wise (`format=columns`), parsed: tests and tools. */
  async footfallColumns(q: FootfallRangeQuery): Promise<FootfallColumnsResponse> {
    return JSON.parse(Buffer.from(await this.footfallColumnsBytes(q)).toString("utf8"));
  }

  /**
   * `format=columns` as UTF-8 bytes. Hourly: one row per zone from the database — its
   * days' packed int32 cells concatenated in SQL (no JSON.parse, ~100 rows instead of
   * ~9,000) — copied zone by zone into one Int32Array and written out as JSON bytes: the cold
   * 90-day × 100-zone answer is ~3.8 MB instead of ~19 MB of bucket objects. Kept like
   * the row answer, behind a validator of the rows' count and versions per zone.
   */
  async footfallColumnsBytes(q: FootfallRangeQuery): Promise<Uint8Array> {
    if (q.bucket !== "hour")
      return Buffer.from(JSON.stringify(footfallToColumns(await this.footfall(q))), "utf8");
    const range = hourRange(q);
    const tz = this.venues.timeZoneOf(q.venueId);
    const known = this.venues.get(q.venueId)?.venue.zones.map((z) => z.id) ?? [];
    const key = `${q.venueId}|${q.from}|${q.to}|columns`;
    const params = [q.venueId, range.firstDay, range.end];
    const validator = (zones: readonly ZoneVersions[]) => `${foldVersions(zones)}|${tz}|${known.join(",")}`;
    const hit = this.responses.get(key);
    if (hit) {
      const now = await this.sql.all<ZoneVersions>(
        `SELECT zone, COUNT(*) AS n, ${VERSION_SUM} AS s FROM analytics_zone_hours
         WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3 GROUP BY zone`,
        params,
      );
      if (hit.validator === validator(now)) {
        this.responses.delete(key);
        this.responses.set(key, hit);
        return hit.bytes;
      }
    }
    // One read: the cells and the versions they were built from together, so the kept
    // validator is exactly that of the answer.
    const pg = this.sql.dialect === "postgres";
    const zones = await this.sql.all<
      ZoneVersions & { packed: Buffer | null; days: string | null; with_packed: number }
    >(
      `SELECT zone, COUNT(*) AS n, ${VERSION_SUM} AS s, COUNT(packed) AS with_packed,
         ${pg ? "string_agg(packed, ''::bytea ORDER BY day_start)" : "CAST(group_concat(packed, '' ORDER BY day_start) AS BLOB)"} AS packed,
         ${pg ? "string_agg(CASE WHEN packed IS NOT NULL THEN CAST(day_start AS TEXT) END, ',' ORDER BY day_start)" : "group_concat(CASE WHEN packed IS NOT NULL THEN day_start END, ',' ORDER BY day_start)"} AS days
       FROM analytics_zone_hours WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3
       GROUP BY zone`,
      params,
    );
    const series: ZoneCells[] = zones.map((z) => {
      const days = z.days ? z.days.split(",").map(Number) : [];
      if ((z.packed?.length ?? 0) !== days.length * PACKED_BYTES)
        throw new ProximaError(
          "internal",
          `packed cells of zone ${z.zone} (${z.packed?.length ?? 0} bytes) do not match its ${days.length} days`,
        );
      return { zone: z.zone, days, cells: z.packed ? int32s(z.packed) : new Int32Array(0) };
    });
    // Rows written before the packed column (NULL there, skipped by the aggregates):
    // read from their JSON cells.
    if (zones.some((z) => Number(z.with_packed) !== Number(z.n))) {
      const older = await this.sql.all<{ zone: string; day_start: number; cells: string }>(
        `SELECT zone, day_start, cells FROM analytics_zone_hours
         WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3 AND packed IS NULL`,
        params,
      );
      for (const r of older)
        series.push({ zone: r.zone, days: [Number(r.day_start)], cells: cellsFromJson(r.cells) });
    }
    const bytes = columnsBody(q, tz, known, range, series);
    this.keep(key, validator(zones), bytes);
    return bytes;
  }

  /** Keeps an answer (most recently used last), evicting beyond 64 MB in total. */
  private keep(key: string, validator: string, bytes: Uint8Array): void {
    this.responses.delete(key);
    this.responses.set(key, { validator, bytes });
    let total = 0;
    for (const r of this.responses.values()) total += r.bytes.length;
    for (const [k, r] of this.responses) {
      if (total <= 64 * 1024 * 1024 || this.responses.size <= 1) break;
      this.responses.delete(k);
      total -= r.bytes.length;
    }
  }

  /**
   * The hourly answer as byte chunks, one per zone: a zone's chunk is kept with a
   * validator folded from its rows' versions, so when one row changed (a live venue's
   * today) only that zone is rebuilt, from rows cached in memory plus the changed one.
   */
  private async hourlyBody(
    q: FootfallRangeQuery,
    { first, end, firstDay }: { first: number; end: number; firstDay: number },
    versions: RowVersion[],
  ): Promise<Buffer> {
    const tz = this.venues.timeZoneOf(q.venueId);
    const known = this.venues.get(q.venueId)?.venue.zones.map((z) => z.id) ?? [];
    const versionsByZone = new Map<string, RowVersion[]>();
    for (const v of versions) getOrSet(versionsByZone, v.zone, () => []).push(v);
    const zones = zoneOrder(known, versionsByZone.keys());
    const all = [...zones, ALL_ZONES];
    const chunkKey = (zone: string) => `${q.venueId}|${q.from}|${q.to}|${zone}`;
    const validators = new Map<string, string>();
    const missing: string[] = [];
    for (const zone of all) {
      let fold = 0;
      const vs = versionsByZone.get(zone) ?? [];
      for (const v of vs) fold = (fold + Number(v.version)) % 2 ** 52;
      const validator = `${vs.length}|${fold}|${tz}`;
      validators.set(zone, validator);
      if (this.zoneChunks.get(chunkKey(zone))?.validator !== validator) missing.push(zone);
    }
    const rows =
      missing.length === 0
        ? []
        : await this.rowTexts(
            q.venueId,
            missing.flatMap((z) => versionsByZone.get(z) ?? []),
            firstDay,
            end,
          );
    const days: number[] = [];
    for (let d = firstDay; d < end; d += DAY_MS) days.push(d);
    const byZone = new Map<string, Map<number, string>>();
    for (const row of rows) getOrSet(byZone, row.zone, () => new Map()).set(Number(row.day_start), row.cells);
    const inRange = (b: { start: number }) => b.start >= first && b.start < end;
    const emptyDays = new Map<number, string>();
    const emptyDay = (d: number) =>
      getOrSet(emptyDays, d, () =>
        Array.from({ length: 24 }, (_, i) => d + i * HOUR_MS)
          .filter((start) => start >= first && start < end)
          .map((start) => `{"start":${start},${EMPTY_CELL}`)
          .join(","),
      );
    const series = (zone: string): string => {
      const stored = byZone.get(zone);
      const pieces: string[] = [];
      for (const d of days) {
        const text = stored?.get(d);
        const piece =
          text === undefined
            ? emptyDay(d)
            : d >= first && d + DAY_MS <= end
              ? text // a whole day inside the range: the stored text as is
              : decodeBuckets(text)
                  .filter(inRange)
                  .map((b) => JSON.stringify(b))
                  .join(",");
        if (piece !== "") pieces.push(piece);
      }
      return `[${pieces.join(",")}]`;
    };
    for (const zone of missing) {
      const text =
        zone === ALL_ZONES ? series(zone) : `{"zone":${JSON.stringify(zone)},"buckets":${series(zone)}}`;
      this.zoneChunks.set(chunkKey(zone), {
        validator: validators.get(zone)!,
        bytes: Buffer.from(text, "utf8"),
      });
    }
    const parts: Buffer[] = [
      Buffer.from(
        `{"venueId":${JSON.stringify(q.venueId)},"bucket":"hour","from":${q.from},"to":${q.to},"timeZone":${JSON.stringify(tz)},"zones":[`,
      ),
    ];
    zones.forEach((zone, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(this.zoneChunks.get(chunkKey(zone))!.bytes);
    });
    parts.push(Buffer.from(`],"venue":`), this.zoneChunks.get(chunkKey(ALL_ZONES))!.bytes, Buffer.from("}"));
    this.zoneChunks.trim();
    return Buffer.concat(parts);
  }

  /** Hourly rows' text for a venue and UTC-day range: versions from the database, text from the cache when current. */
  private rowVersions(venueId: string, fromDay: number, to: number): Promise<RowVersion[]> {
    return this.sql.all<RowVersion>(
      "SELECT zone, day_start, version FROM analytics_zone_hours WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3",
      [venueId, fromDay, to],
    );
  }

  private async rowTexts(venueId: string, versions: readonly RowVersion[], fromDay: number, to: number) {
    const out: { zone: string; day_start: number; cells: string }[] = [];
    const stale: { zone: string; day_start: number }[] = [];
    for (const r of versions) {
      const cells = this.rowCache.get(`${venueId}\u0000${r.zone}\u0000${r.day_start}`, Number(r.version));
      if (cells === undefined) stale.push(r);
      else out.push({ zone: r.zone, day_start: Number(r.day_start), cells });
    }
    const fresh =
      stale.length > 400
        ? await this.sql.all<{ zone: string; day_start: number; cells: string; version: number }>(
            "SELECT zone, day_start, cells, version FROM analytics_zone_hours WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3",
            [venueId, fromDay, to],
          )
        : stale.length === 0
          ? []
          : await this.sql.all<{ zone: string; day_start: number; cells: string; version: number }>(
              `SELECT zone, day_start, cells, version FROM analytics_zone_hours WHERE venue_id = $1 AND (${stale
                .map((_, i) => `(zone = $${2 * i + 2} AND day_start = $${2 * i + 3})`)
                .join(" OR ")})`,
              [venueId, ...stale.flatMap((r) => [r.zone, Number(r.day_start)])],
            );
    if (stale.length > 400) out.length = 0;
    for (const r of fresh) {
      this.rowCache.set(`${venueId}\u0000${r.zone}\u0000${r.day_start}`, Number(r.version), r.cells);
      out.push({ zone: r.zone, day_start: Number(r.day_start), cells: r.cells });
    }
    return out;
  }

  /** zone → dense hourly buckets; key "\0starts" holds an empty template. */
  private async hourly(q: FootfallRangeQuery): Promise<Map<string, Bucket[]>> {
    const first = Math.floor(q.from / HOUR_MS) * HOUR_MS;
    const count = Math.max(0, Math.ceil((q.to - first) / HOUR_MS));
    const rows = await this.sql.all<{ zone: string; day_start: number; cells: string }>(
      "SELECT zone, day_start, cells FROM analytics_zone_hours WHERE venue_id = $1 AND day_start >= $2 AND day_start < $3",
      [q.venueId, Math.floor(first / DAY_MS) * DAY_MS, q.to],
    );
    const out = new Map<string, Bucket[]>();
    const blank = (): Bucket[] => {
      const buckets: Bucket[] = new Array(count);
      for (let i = 0; i < count; i++)
        buckets[i] = {
          start: first + i * HOUR_MS,
          visitors: 0,
          visits: 0,
          dwellP50Ms: null,
          dwellP90Ms: null,
        };
      return buckets;
    };
    out.set("\u0000starts", blank());
    for (const row of rows) {
      const buckets = getOrSet(out, row.zone, () => blank());
      const cells = decodeCells(row.cells);
      const base = Number(row.day_start);
      for (let i = 0; i < 24; i++) {
        const index = (base + i * HOUR_MS - first) / HOUR_MS;
        if (index < 0 || index >= count) continue;
        const cell = cells[i]!;
        if (cell.visits === 0 && cell.visitors === 0) continue;
        buckets[index] = {
          start: first + index * HOUR_MS,
          visitors: cell.visitors,
          visits: cell.visits,
          dwellP50Ms: cell.p50,
          dwellP90Ms: cell.p90,
        };
      }
    }
    return out;
  }

  /** zone → dense daily (or weekly, Monday-first) buckets of the venue-local calendar. */
  private async daily(q: FootfallRangeQuery, tz: string): Promise<Map<string, Bucket[]>> {
    const from = firstDay(q.from, tz);
    const to = lastDay(q.to, tz);
    const weekly = q.bucket === "week";
    const rows = await this.sql.all<{
      zone: string;
      day: string;
      visits: number;
      visitors: number;
      p50: number | null;
      p90: number | null;
      sketch?: string;
    }>(
      `SELECT zone, day, visits, visitors, p50, p90${weekly ? ", sketch" : ""} FROM analytics_zone_day
       WHERE venue_id = $1 AND day >= $2 AND day <= $3`,
      [q.venueId, weekly ? weekOf(from) : from, to],
    );
    const labels: string[] = [];
    for (let d = weekly ? weekOf(from) : from; d <= to; d = addDaysLabel(d, weekly ? 7 : 1)) labels.push(d);
    const index = new Map(labels.map((l, i) => [l, i]));
    const out = new Map<string, Bucket[]>();
    const sketches = new Map<string, number[][]>();
    const blank = (): Bucket[] =>
      labels.map((l) => ({
        start: dayStart(l, tz),
        visitors: 0,
        visits: 0,
        dwellP50Ms: null,
        dwellP90Ms: null,
      }));
    out.set("\u0000starts", blank());
    for (const row of rows) {
      const label = weekly ? weekOf(row.day) : row.day;
      const i = index.get(label);
      if (i === undefined) continue;
      const buckets = getOrSet(out, row.zone, () => blank());
      const b = buckets[i]!;
      b.visits += Number(row.visits);
      b.visitors += Number(row.visitors);
      if (weekly && row.sketch) {
        const zs = getOrSet(sketches, row.zone, () => labels.map(() => emptySketch()));
        mergeInto(zs[i]!, JSON.parse(row.sketch) as number[]);
      } else {
        b.dwellP50Ms = row.p50 === null ? null : Number(row.p50);
        b.dwellP90Ms = row.p90 === null ? null : Number(row.p90);
      }
    }
    for (const [zone, zs] of sketches) {
      const buckets = out.get(zone)!;
      zs.forEach((s, i) => {
        buckets[i]!.dwellP50Ms = sketchPercentile(s, 50);
        buckets[i]!.dwellP90Ms = sketchPercentile(s, 90);
      });
    }
    return out;
  }

  /** Mean unique visitors per venue-local weekday × hour over the range. */
  async heatmap(venueId: string, from: number, to: number): Promise<HeatmapResponse> {
    const tz = this.venues.timeZoneOf(venueId);
    const first = Math.floor(from / HOUR_MS) * HOUR_MS;
    const rows = await this.sql.all<{ day_start: number; cells: string }>(
      "SELECT day_start, cells FROM analytics_zone_hours WHERE venue_id = $1 AND zone = $2 AND day_start >= $3 AND day_start < $4",
      [venueId, ALL_ZONES, Math.floor(first / DAY_MS) * DAY_MS, to],
    );
    const byHour = new Map<number, { visitors: number; visits: number }>();
    for (const row of rows) {
      const cells = decodeCells(row.cells);
      cells.forEach((c, i) => {
        if (c.visits > 0 || c.visitors > 0) byHour.set(Number(row.day_start) + i * HOUR_MS, c);
      });
    }
    const cells = Array.from({ length: 7 * 24 }, (_, k) => ({
      weekday: Math.floor(k / 24),
      hour: k % 24,
      visitors: 0,
      visits: 0,
      samples: 0,
    }));
    for (let h = first; h < to; h += HOUR_MS) {
      const p = localParts(h, tz);
      const cell = cells[p.weekday * 24 + p.hour]!;
      cell.samples++;
      const value = byHour.get(h);
      if (value) {
        cell.visitors += value.visitors;
        cell.visits += value.visits;
      }
    }
    for (const c of cells) {
      if (c.samples > 0) {
        c.visitors = Math.round((c.visitors / c.samples) * 100) / 100;
        c.visits = Math.round((c.visits / c.samples) * 100) / 100;
      }
    }
    return { venueId, timeZone: tz, from, to, cells };
  }

  /** Entrance → zone (same-day unique subjects) and zone → kiosk (pours per zone visitor). */
  async funnel(venueId: string, from: number, to: number): Promise<FunnelResponse> {
    const tz = this.venues.timeZoneOf(venueId);
    const venue = this.venues.get(venueId)?.venue;
    const entrances = venue?.zones.filter((z) => z.kind === "entrance").map((z) => z.id) ?? [];
    const d0 = firstDay(from, tz);
    const d1 = lastDay(to, tz);
    const marks = entrances.map((_, i) => `$${i + 4}`).join(",") || "NULL";
    const rows = await this.sql.all<{ zone: string; visitors: number; from_entrance: number }>(
      `SELECT s.zone AS zone, COUNT(*) AS visitors,
         SUM(CASE WHEN EXISTS (SELECT 1 FROM analytics_subject_day e WHERE e.venue_id = s.venue_id AND e.day = s.day
           AND e.subject = s.subject AND e.zone IN (${marks})) THEN 1 ELSE 0 END) AS from_entrance
       FROM analytics_subject_day s WHERE s.venue_id = $1 AND s.day >= $2 AND s.day <= $3 AND s.zone <> '*'
       GROUP BY s.zone`,
      [venueId, d0, d1, ...entrances],
    );
    const byZone = new Map(rows.map((r) => [r.zone, r]));
    const entranceVisitors = Math.max(0, ...entrances.map((z) => Number(byZone.get(z)?.visitors ?? 0)));
    const zoneList = venue?.zones ?? rows.map((r) => ({ id: r.zone, name: r.zone, kind: "area" as const }));
    const zones = zoneList.map((z) => {
      const r = byZone.get(z.id);
      const fromEntrance = Number(r?.from_entrance ?? 0);
      return {
        zone: z.id,
        name: z.name,
        kind: z.kind,
        visitors: Number(r?.visitors ?? 0),
        fromEntrance,
        entranceRate: entranceVisitors > 0 ? fromEntrance / entranceVisitors : null,
      };
    });
    const kioskRows = await this.sql.all<{
      kiosk_id: string;
      sessions: number;
      offers_shown: number;
      offers_accepted: number;
      pours: number;
      purchases: number;
    }>(
      `SELECT kiosk_id, SUM(sessions) AS sessions, SUM(offers_shown) AS offers_shown, SUM(offers_accepted) AS offers_accepted,
         SUM(pours) AS pours, SUM(purchases) AS purchases
       FROM analytics_kiosk_day WHERE venue_id = $1 AND day >= $2 AND day <= $3 GROUP BY kiosk_id ORDER BY kiosk_id`,
      [venueId, d0, d1],
    );
    const kioskZones = venue?.zones.filter((z) => z.kind === "kiosk") ?? [];
    const kioskIds = [
      ...new Set([...kioskZones.map((z) => z.kioskId ?? z.id), ...kioskRows.map((k) => k.kiosk_id)]),
    ];
    const kiosks = kioskIds.map((kioskId) => {
      const k = kioskRows.find((r) => r.kiosk_id === kioskId);
      const zone = kioskZones.find((z) => (z.kioskId ?? z.id) === kioskId)?.id ?? null;
      const zoneVisitors = zone ? Number(byZone.get(zone)?.visitors ?? 0) : 0;
      const pours = Number(k?.pours ?? 0);
      return {
        kioskId,
        zone,
        zoneVisitors,
        sessions: Number(k?.sessions ?? 0),
        offersShown: Number(k?.offers_shown ?? 0),
        offersAccepted: Number(k?.offers_accepted ?? 0),
        pours,
        purchases: Number(k?.purchases ?? 0),
        conversion: zoneVisitors > 0 ? pours / zoneVisitors : null,
      };
    });
    return { venueId, from, to, entranceVisitors, zones, kiosks };
  }

  private async totals(venueId: string, from: number, to: number) {
    const tz = this.venues.timeZoneOf(venueId);
    const rows = await this.sql.all<{ visits: number; visitors: number; sketch: string }>(
      "SELECT visits, visitors, sketch FROM analytics_zone_day WHERE venue_id = $1 AND zone = $2 AND day >= $3 AND day <= $4",
      [venueId, ALL_ZONES, firstDay(from, tz), lastDay(to, tz)],
    );
    const sketch = emptySketch();
    let visits = 0;
    let visitors = 0;
    for (const r of rows) {
      visits += Number(r.visits);
      visitors += Number(r.visitors);
      mergeInto(sketch, JSON.parse(r.sketch) as number[]);
    }
    return {
      visitors,
      visits,
      dwellP50Ms: sketchPercentile(sketch, 50),
      dwellP90Ms: sketchPercentile(sketch, 90),
    };
  }

  /** Venue totals (visitor-days, visits, dwell) for the range and the period just before it. */
  async compare(venueIds: readonly string[], from: number, to: number): Promise<CompareResponse> {
    const previousFrom = from - (to - from);
    const venues = [];
    for (const venueId of venueIds) {
      venues.push({
        venueId,
        name: this.venues.get(venueId)?.venue.name ?? venueId,
        current: await this.totals(venueId, from, to),
        previous: await this.totals(venueId, previousFrom, from),
      });
    }
    return { from, to, previousFrom, venues };
  }

  /** Who is in which zone now, this hour's visitors and the typical count for this hour. */
  async occupancy(venueId: string, now: number): Promise<OccupancySnapshot> {
    const rows = await this.sql.all<{ zone: string; n: number }>(
      "SELECT zone, COUNT(*) AS n FROM analytics_presence_now WHERE venue_id = $1 AND since > $2 GROUP BY zone",
      [venueId, now - STALE_PRESENCE_MS],
    );
    const counts = new Map(rows.map((r) => [r.zone, Number(r.n)]));
    const zoneIds = this.venues.get(venueId)?.venue.zones.map((z) => z.id) ?? [];
    const zones = [...new Set([...zoneIds, ...counts.keys()])].map((zone) => ({
      zone,
      count: counts.get(zone) ?? 0,
    }));
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    // Same local hour on the four previous weeks: 7 × 24 h back is the same wall-clock
    // hour except across a DST change, which shifts one sample by an hour.
    const hours = [0, 1, 2, 3, 4].map((k) => hour - k * 7 * DAY_MS);
    const utcDays = [...new Set(hours.map((h) => Math.floor(h / DAY_MS) * DAY_MS))];
    const cellRows = await this.sql.all<{ day_start: number; cells: string }>(
      `SELECT day_start, cells FROM analytics_zone_hours WHERE venue_id = $1 AND zone = $2 AND day_start IN (${utcDays.map((_, i) => `$${i + 3}`).join(",")})`,
      [venueId, ALL_ZONES, ...utcDays],
    );
    const visitorsAt = (h: number): number | undefined => {
      const day = Math.floor(h / DAY_MS) * DAY_MS;
      const row = cellRows.find((r) => Number(r.day_start) === day);
      return row ? decodeCells(row.cells)[(h - day) / HOUR_MS]!.visitors : undefined;
    };
    const history = hours
      .slice(1)
      .map(visitorsAt)
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const typical =
      history.length === 0
        ? null
        : history.length % 2
          ? history[(history.length - 1) / 2]!
          : (history[history.length / 2 - 1]! + history[history.length / 2]!) / 2;
    return {
      venueId,
      ts: now,
      total: zones.reduce((s, z) => s + z.count, 0),
      zones,
      visitorsThisHour: visitorsAt(hour) ?? 0,
      typicalThisHour: typical,
    };
  }

  /** Customer metrics over the venue-local months touching [from, to), with definitions. */
  async customerMetrics(
    venueId: string | undefined,
    from: number,
    to: number,
    now: number,
  ): Promise<CustomerMetricsResponse> {
    const scope = venueId ?? ALL_VENUES;
    const tz = venueId ? this.venues.timeZoneOf(venueId) : "UTC";
    const m0 = localMonth(from, tz);
    const m1 = localMonth(to - 1, tz);
    const months: string[] = [];
    for (let m = m0; m <= m1; m = addMonths(m, 1)) months.push(m);
    const periodFrom = monthStart(m0, tz);
    const periodTo = monthStart(addMonths(m1, 1), tz);
    const prevM0 = addMonths(m0, -months.length);

    const customers = await this.sql.all<{
      customer: string;
      first_seen: number;
      last_seen: number;
      active_days: number;
    }>(
      "SELECT customer, first_seen, last_seen, active_days FROM analytics_customer WHERE venue_id = $1 AND first_seen < $2",
      [scope, periodTo],
    );
    const monthRows = await this.sql.all<{
      month: string;
      customer: string;
      active_days: number;
      revenue: number;
    }>(
      "SELECT month, customer, active_days, revenue FROM analytics_customer_month WHERE venue_id = $1 AND month >= $2 AND month <= $3",
      [scope, addMonths(prevM0, -1), m1],
    );
    const kioskVenue = venueId ? "venue_id = $1" : "$1 = $1";
    const ratings = await this.sql.all<{ day: string; rating_sum: number; rating_count: number }>(
      `SELECT day, rating_sum, rating_count FROM analytics_kiosk_day WHERE ${kioskVenue} AND day >= $2 AND day <= $3`,
      [scope, `${m0}-01`, `${m1}-31`],
    );

    const activeIn = new Map<string, Map<string, number>>(); // month → customer → revenue
    for (const r of monthRows) {
      const m = getOrSet(activeIn, r.month, () => new Map());
      m.set(r.customer, (m.get(r.customer) ?? 0) + Number(r.revenue));
    }
    const activeSet = (ms: string[]) => {
      const out = new Map<string, number>();
      for (const m of ms) for (const [c, rev] of activeIn.get(m) ?? []) out.set(c, (out.get(c) ?? 0) + rev);
      return out;
    };
    const current = activeSet(months);
    const previous = activeSet(months.map((m) => addMonths(m, -months.length)));
    const base = customers.filter((c) => Number(c.first_seen) < periodFrom).length;
    const fresh = customers.filter(
      (c) => Number(c.first_seen) >= periodFrom && Number(c.first_seen) < periodTo,
    ).length;
    const revenue = [...current.values()].reduce((s, v) => s + v, 0);
    let retainedNow = 0;
    let retainedBefore = 0;
    for (const [c, rev] of current)
      if (previous.has(c)) {
        retainedNow += rev;
        retainedBefore += previous.get(c)!;
      }
    const asOf = Math.min(now, periodTo);
    const interval = (c: { first_seen: number; last_seen: number; active_days: number }) =>
      Number(c.active_days) >= 2
        ? Math.max(DAY_MS, (Number(c.last_seen) - Number(c.first_seen)) / (Number(c.active_days) - 1))
        : 30 * DAY_MS;
    const stages = { new: 0, active: 0, at_risk: 0, lapsed: 0 };
    let overdue = 0;
    let considered = 0;
    for (const c of customers) {
      const gap = asOf - Number(c.last_seen);
      const expected = interval(c);
      if (Number(c.first_seen) >= asOf - 30 * DAY_MS) stages.new++;
      else if (gap <= 1.5 * expected) stages.active++;
      else if (gap <= 3 * expected) stages.at_risk++;
      else stages.lapsed++;
      if (gap <= 365 * DAY_MS) {
        considered++;
        if (gap > 1.5 * expected) overdue++;
      }
    }
    let ratingSum = 0;
    let ratingCount = 0;
    const ratingByMonth = new Map<string, { sum: number; count: number }>();
    for (const r of ratings) {
      ratingSum += Number(r.rating_sum);
      ratingCount += Number(r.rating_count);
      const m = r.day.slice(0, 7);
      const acc = ratingByMonth.get(m) ?? { sum: 0, count: 0 };
      acc.sum += Number(r.rating_sum);
      acc.count += Number(r.rating_count);
      ratingByMonth.set(m, acc);
    }
    const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
    const trend = months.map((month) => {
      const start = monthStart(month, tz);
      const end = monthStart(addMonths(month, 1), tz);
      const active = activeIn.get(month) ?? new Map<string, number>();
      const before = activeIn.get(addMonths(month, -1)) ?? new Map<string, number>();
      const newCustomers = customers.filter(
        (c) => Number(c.first_seen) >= start && Number(c.first_seen) < end,
      ).length;
      const existing = customers.filter((c) => Number(c.first_seen) < start).length;
      let lost = 0;
      for (const c of before.keys()) if (!active.has(c)) lost++;
      const rev = [...active.values()].reduce((s, v) => s + v, 0);
      const r = ratingByMonth.get(month);
      return {
        month,
        activeCustomers: active.size,
        newCustomers,
        acquisitionRate: ratio(newCustomers, existing),
        attritionRate: ratio(lost, before.size),
        revenuePerCustomer: ratio(rev, active.size),
        satisfaction: r ? ratio(r.sum, r.count) : null,
      };
    });
    return {
      venueId: venueId ?? null,
      from: periodFrom,
      to: periodTo,
      metrics: {
        customers: {
          value: customers.length,
          unit: "count",
          definition:
            "Customers known by the end of the period: anyone identified (loyalty, app, email, phone or tag).",
        },
        activeCustomers: {
          value: current.size,
          unit: "count",
          definition:
            "Customers with at least one event (visit, kiosk, purchase, any channel) in the period.",
        },
        newCustomers: {
          value: fresh,
          unit: "count",
          definition: "Customers first seen in the period.",
        },
        acquisitionRate: {
          value: ratio(fresh, base),
          unit: "ratio",
          definition: "New customers in the period ÷ customers known before it started.",
        },
        attritionRate: {
          value: ratio(overdue, considered),
          unit: "ratio",
          definition:
            "Share of customers seen in the last year who have not come back within 1.5× their expected return interval (their average gap between active days; 30 days after a single visit), as of the period end.",
        },
        revenue: {
          value: revenue,
          unit: "money",
          definition: "Purchases completed by identified customers in the period.",
        },
        profitability: {
          value: ratio(revenue, current.size),
          unit: "money",
          definition: "Revenue per active customer in the period (gross; margins are not tracked).",
        },
        growthIndex: {
          value: retainedBefore > 0 ? (100 * retainedNow) / retainedBefore : null,
          unit: "index",
          definition:
            "Spend of customers active in both this and the previous equal period, this period ÷ previous × 100: above 100 means existing customers buy more (cross- and up-sell).",
        },
        satisfaction: {
          value: ratio(ratingSum, ratingCount),
          unit: "rating",
          definition: "Mean kiosk feedback rating (1–5) in the period.",
        },
        ratings: {
          value: ratingCount,
          unit: "count",
          definition: "Kiosk feedback ratings given in the period.",
        },
      },
      lifecycle: (["new", "active", "at_risk", "lapsed"] as const).map((stage) => ({
        stage,
        customers: stages[stage],
      })),
      lifecycleDefinition:
        "As of the period end: new = first seen in the last 30 days; active = seen within 1.5× their expected return interval; at risk = within 3×; lapsed = longer.",
      trend,
    };
  }
}

/** A zone's packed cells for `days` (UTC day starts), 96 int32 per day in that order. */
interface ZoneCells {
  zone: string;
  days: number[];
  cells: Int32Array;
}

/** Per zone: how many hourly rows and the sum of their versions (mod 2^52). */
interface ZoneVersions {
  zone: string;
  n: number;
  s: number;
}
const MOD = 2 ** 52;
/** versions are below 2^52 (rowVersion), so per-zone sums of up to 2^11 rows fit in int64 */
const VERSION_SUM = `SUM(version % ${MOD}) % ${MOD}`;

/** One number for a set of rows' versions: any row written, added or removed changes it. */
function foldVersions(zones: readonly ZoneVersions[]): number {
  let fold = 0;
  for (const z of zones) {
    // every step stays below 2^53, so the sum is exact whatever the order of the zones
    fold = (fold + (Number(z.s) % MOD)) % MOD;
    fold = (fold + Number(z.n)) % MOD;
  }
  return fold;
}

// The stored layout is little-endian (see encodePacked); views read it natively.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Packed cells as int32: a view over the driver's buffer when aligned, else a copy. */
function int32s(buf: Buffer): Int32Array {
  const n = Math.floor(buf.length / 4);
  if (LITTLE_ENDIAN && buf.byteOffset % 4 === 0) return new Int32Array(buf.buffer, buf.byteOffset, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(4 * i);
  return out;
}

/** One day's cells in the packed layout from the stored JSON (rows written before `packed`). */
function cellsFromJson(text: string): Int32Array {
  const out = new Int32Array(96);
  decodeCells(text).forEach((c, h) => {
    out[h] = c.visitors;
    out[24 + h] = c.visits;
    out[48 + h] = c.p50 ?? -1;
    out[72 + h] = c.p90 ?? -1;
  });
  return out;
}

/** "00" … "99" */
const PAIRS = Buffer.from(
  Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""),
  "latin1",
);
const decimalDigits = (v: number) =>
  v < 10
    ? 1
    : v < 100
      ? 2
      : v < 1e3
        ? 3
        : v < 1e4
          ? 4
          : v < 1e5
            ? 5
            : v < 1e6
              ? 6
              : v < 1e7
                ? 7
                : v < 1e8
                  ? 8
                  : v < 1e9
                    ? 9
                    : 10;

/** Writes ASCII JSON straight into a Buffer: no intermediate strings for ~900k numbers. */
class JsonBytes {
  /**
   * One scratch buffer reused by every answer (writing is synchronous, so answers never
   * interleave): a cold answer then allocates only its own bytes, not a second, bigger
   * buffer for the garbage collector.
   */
  private static scratch = Buffer.allocUnsafe(0);
  private buf: Buffer;
  private at = 0;
  constructor(size: number) {
    if (JsonBytes.scratch.length < size) JsonBytes.scratch = Buffer.allocUnsafe(size);
    this.buf = JsonBytes.scratch;
  }
  text(s: string): void {
    this.room(s.length * 3);
    this.at += this.buf.write(s, this.at, "utf8");
  }
  /** `[v0,v1,…]`; negative values (only ever -1) as null */
  array(a: Int32Array): void {
    this.room(a.length * 12 + 2);
    const b = this.buf;
    let p = this.at;
    b[p++] = 0x5b; // [
    for (let i = 0; i < a.length; i++) {
      if (i > 0) b[p++] = 0x2c; // ,
      let v = a[i]!;
      if (v < 0) {
        b[p++] = 0x6e; // n
        b[p++] = 0x75; // u
        b[p++] = 0x6c; // l
        b[p++] = 0x6c; // l
        continue;
      }
      // digits from the right, two at a time
      let end = p + decimalDigits(v);
      p = end;
      while (v >= 100) {
        const r = v % 100;
        v = (v - r) / 100;
        b[--end] = PAIRS[2 * r + 1]!;
        b[--end] = PAIRS[2 * r]!;
      }
      if (v >= 10) {
        b[--end] = PAIRS[2 * v + 1]!;
        b[--end] = PAIRS[2 * v]!;
      } else b[--end] = 0x30 + v;
    }
    b[p++] = 0x5d; // ]
    this.at = p;
  }
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
    JsonBytes.scratch = bigger;
  }
  /** the bytes written, in a buffer of their own size (what gets kept) */
  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }
}

/**
 * Hourly footfall column-wise from packed rows: zone by zone, one Int32Array of
 * visitors[count], visits[count], p50[count], p90[count] (-1 = null) is filled a day at a
 * time from the rows' packed cells (the same layout), then written out as JSON bytes.
 */
function columnsBody(
  q: FootfallRangeQuery,
  tz: string,
  known: readonly string[],
  { first, end }: { first: number; end: number },
  input: readonly ZoneCells[],
): Buffer {
  const count = (end - first) / HOUR_MS;
  const byZone = new Map<string, ZoneCells[]>();
  for (const z of input) getOrSet(byZone, z.zone, () => []).push(z);
  // one zone at a time through the same array: visitors, visits, p50, p90 × count
  const a = new Int32Array(4 * count);
  const fill = (parts: readonly ZoneCells[]) => {
    a.fill(0, 0, 2 * count);
    a.fill(-1, 2 * count);
    for (const { days, cells } of parts)
      for (let d = 0; d < days.length; d++) {
        const base = (days[d]! - first) / HOUR_MS;
        const lo = Math.max(0, -base);
        const hi = Math.min(24, count - base);
        // An hour nobody entered is all-empty in the stored cells too (no visits, no
        // visitors, no dwell sketch), so copying every hour matches the row answer.
        for (let k = 0; k < 4; k++) {
          const from = 96 * d + 24 * k;
          const to = k * count + base;
          for (let h = lo; h < hi; h++) a[to + h] = cells[from + h]!;
        }
      }
  };
  const zones = zoneOrder(known, byZone.keys());
  // ~4 bytes a number on average (small counts, 5–7 digit dwells); grows when needed
  const out = new JsonBytes((zones.length + 1) * count * 4 * 5 + count * 16 + 4096);
  const column = (zone: string) => {
    fill(byZone.get(zone) ?? []);
    out.text(`"visitors":`);
    out.array(a.subarray(0, count));
    out.text(`,"visits":`);
    out.array(a.subarray(count, 2 * count));
    out.text(`,"dwellP50Ms":`);
    out.array(a.subarray(2 * count, 3 * count));
    out.text(`,"dwellP90Ms":`);
    out.array(a.subarray(3 * count, 4 * count));
  };
  const starts = Array.from({ length: count }, (_, i) => first + i * HOUR_MS);
  out.text(
    `{"format":"columns","venueId":${JSON.stringify(q.venueId)},"bucket":"hour","from":${q.from},"to":${q.to},"timeZone":${JSON.stringify(tz)},"starts":[${starts.join(",")}],"stepMs":${HOUR_MS},"zones":[`,
  );
  zones.forEach((zone, i) => {
    out.text(`${i > 0 ? "," : ""}{"zone":${JSON.stringify(zone)},`);
    column(zone);
    out.text("}");
  });
  out.text(`],"venue":{`);
  column(ALL_ZONES);
  out.text("}}");
  return out.done();
}

function addDaysLabel(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}
