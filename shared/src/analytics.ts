import { z } from "zod";
import { FootfallBucket } from "./api.js";
import { Id, Venue } from "./venue.js";

/**
 * Bodies of the analytics, venue and sign-in endpoints the dashboard uses, beside the
 * contract `FootfallQuery`/`FootfallResponse` in api.ts (which these extend, never break).
 */

const Instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const ANALYTICS_BUCKETS = ["hour", "day", "week"] as const;
export const FOOTFALL_FORMATS = ["rows", "columns"] as const;

/** `GET /v1/analytics/footfall`: the contract query plus `bucket=week` (weeks start on Monday, venue-local). */
export const FootfallRangeQuery = z
  .object({
    venueId: Id,
    from: Instant,
    to: Instant,
    bucket: z.enum(ANALYTICS_BUCKETS).default("hour"),
    /** `rows` (default): the contract `FootfallResponse`; `columns`: `FootfallColumnsResponse` */
    format: z.enum(FOOTFALL_FORMATS).optional(),
  })
  .refine((q) => q.to > q.from, { message: "to must be after from", path: ["to"] })
  .refine((q) => q.to - q.from <= 400 * 86_400_000, { message: "at most 400 days per query", path: ["to"] });
export type FootfallRangeQuery = z.infer<typeof FootfallRangeQuery>;

/** The contract `FootfallResponse` plus optional venue-wide totals and the time zone used for days. */
export const FootfallRangeResponse = z.object({
  venueId: z.string(),
  bucket: z.enum(ANALYTICS_BUCKETS),
  from: z.number().int(),
  to: z.number().int(),
  timeZone: z.string().optional(),
  zones: z.array(z.object({ zone: z.string(), buckets: z.array(FootfallBucket) })),
  /** venue-wide: unique subjects in any zone per bucket */
  venue: z.array(FootfallBucket).optional(),
});
export type FootfallRangeResponse = z.infer<typeof FootfallRangeResponse>;

/** One zone's (or the venue's) buckets as parallel arrays, index i = bucket `starts[i]`. */
const FootfallColumn = z.object({
  visitors: z.array(z.number().int().nonnegative()),
  visits: z.array(z.number().int().nonnegative()),
  dwellP50Ms: z.array(z.number().nonnegative().nullable()),
  dwellP90Ms: z.array(z.number().nonnegative().nullable()),
});

/**
 * `GET /v1/analytics/footfall?format=columns`: the same figures as `FootfallRangeResponse`,
 * column-wise — one `starts` array shared by every zone and four number arrays per zone —
 * about 5× smaller than 216,000 bucket objects for a 90-day hourly range over 100 zones.
 * `stepMs` is 3,600,000 for hourly buckets (starts[i] = starts[0] + i·stepMs) and null for
 * days and weeks, whose length varies with daylight-saving changes.
 */
export const FootfallColumnsResponse = z.object({
  format: z.literal("columns"),
  venueId: z.string(),
  bucket: z.enum(ANALYTICS_BUCKETS),
  from: z.number().int(),
  to: z.number().int(),
  timeZone: z.string(),
  starts: z.array(z.number().int()),
  stepMs: z.number().int().positive().nullable(),
  zones: z.array(FootfallColumn.extend({ zone: z.string() })),
  /** venue-wide: unique subjects in any zone per bucket */
  venue: FootfallColumn,
});
export type FootfallColumnsResponse = z.infer<typeof FootfallColumnsResponse>;

type Buckets = FootfallRangeResponse["zones"][number]["buckets"];
const columnOf = (buckets: Buckets) => ({
  visitors: buckets.map((b) => b.visitors),
  visits: buckets.map((b) => b.visits),
  dwellP50Ms: buckets.map((b) => b.dwellP50Ms),
  dwellP90Ms: buckets.map((b) => b.dwellP90Ms),
});

/** The row answer column-wise (what `format=columns` answers for the same query). */
export function footfallToColumns(rows: FootfallRangeResponse): FootfallColumnsResponse {
  const starts = (rows.venue ?? rows.zones[0]?.buckets ?? []).map((b) => b.start);
  return {
    format: "columns",
    venueId: rows.venueId,
    bucket: rows.bucket,
    from: rows.from,
    to: rows.to,
    timeZone: rows.timeZone ?? "UTC",
    starts,
    stepMs: rows.bucket === "hour" ? 3_600_000 : null,
    zones: rows.zones.map((z) => ({ zone: z.zone, ...columnOf(z.buckets) })),
    venue: columnOf(
      rows.venue ??
        starts.map((start) => ({ start, visitors: 0, visits: 0, dwellP50Ms: null, dwellP90Ms: null })),
    ),
  };
}

/** The column answer back as rows (the dashboard's tables and CSV export read rows). */
export function footfallFromColumns(cols: FootfallColumnsResponse): FootfallRangeResponse {
  const rowsOf = (c: z.infer<typeof FootfallColumn>): Buckets =>
    cols.starts.map((start, i) => ({
      start,
      visitors: c.visitors[i] ?? 0,
      visits: c.visits[i] ?? 0,
      dwellP50Ms: c.dwellP50Ms[i] ?? null,
      dwellP90Ms: c.dwellP90Ms[i] ?? null,
    }));
  return {
    venueId: cols.venueId,
    bucket: cols.bucket,
    from: cols.from,
    to: cols.to,
    timeZone: cols.timeZone,
    zones: cols.zones.map((z) => ({ zone: z.zone, buckets: rowsOf(z) })),
    venue: rowsOf(cols.venue),
  };
}

/** Any venue-scoped range query (heatmap, funnel, customer metrics). */
export const VenueRangeQuery = z
  .object({ venueId: Id, from: Instant, to: Instant })
  .refine((q) => q.to > q.from, { message: "to must be after from", path: ["to"] })
  .refine((q) => q.to - q.from <= 400 * 86_400_000, { message: "at most 400 days per query", path: ["to"] });
export type VenueRangeQuery = z.infer<typeof VenueRangeQuery>;

export const HeatmapResponse = z.object({
  venueId: z.string(),
  timeZone: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  /** weekday 0 = Monday … 6 = Sunday, venue-local; mean unique visitors per such hour */
  cells: z.array(
    z.object({
      weekday: z.number().int().min(0).max(6),
      hour: z.number().int().min(0).max(23),
      visitors: z.number().nonnegative(),
      visits: z.number().nonnegative(),
      samples: z.number().int().nonnegative(),
    }),
  ),
});
export type HeatmapResponse = z.infer<typeof HeatmapResponse>;

export const FunnelResponse = z.object({
  venueId: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  /** unique subject-days at the entrance zones */
  entranceVisitors: z.number().int().nonnegative(),
  zones: z.array(
    z.object({
      zone: z.string(),
      name: z.string(),
      kind: z.string(),
      /** unique subject-days in this zone */
      visitors: z.number().int().nonnegative(),
      /** of which also passed an entrance zone that day */
      fromEntrance: z.number().int().nonnegative(),
      /** fromEntrance / entranceVisitors */
      entranceRate: z.number().nonnegative().nullable(),
    }),
  ),
  kiosks: z.array(
    z.object({
      kioskId: z.string(),
      zone: z.string().nullable(),
      zoneVisitors: z.number().int().nonnegative(),
      sessions: z.number().int().nonnegative(),
      offersShown: z.number().int().nonnegative(),
      offersAccepted: z.number().int().nonnegative(),
      pours: z.number().int().nonnegative(),
      purchases: z.number().int().nonnegative(),
      /** pours / zone visitors */
      conversion: z.number().nonnegative().nullable(),
    }),
  ),
});
export type FunnelResponse = z.infer<typeof FunnelResponse>;

export const CompareQuery = z
  .object({ from: Instant, to: Instant })
  .refine((q) => q.to > q.from, { message: "to must be after from", path: ["to"] });

const Totals = z.object({
  visitors: z.number().int().nonnegative(),
  visits: z.number().int().nonnegative(),
  dwellP50Ms: z.number().nonnegative().nullable(),
  dwellP90Ms: z.number().nonnegative().nullable(),
});
export const CompareResponse = z.object({
  from: z.number().int(),
  to: z.number().int(),
  previousFrom: z.number().int(),
  venues: z.array(z.object({ venueId: z.string(), name: z.string(), current: Totals, previous: Totals })),
});
export type CompareResponse = z.infer<typeof CompareResponse>;

export const OccupancySnapshot = z.object({
  venueId: z.string(),
  ts: z.number().int(),
  total: z.number().int().nonnegative(),
  zones: z.array(z.object({ zone: z.string(), count: z.number().int().nonnegative() })),
  /** unique visitors so far in the current venue-local hour */
  visitorsThisHour: z.number().int().nonnegative(),
  /** median of the same weekday and hour over the previous four weeks (null without history) */
  typicalThisHour: z.number().nonnegative().nullable(),
});
export type OccupancySnapshot = z.infer<typeof OccupancySnapshot>;

export const MetricValue = z.object({
  value: z.number().nullable(),
  unit: z.enum(["ratio", "count", "money", "rating", "index"]),
  definition: z.string(),
});
export type MetricValue = z.infer<typeof MetricValue>;

export const LIFECYCLE_STAGES = ["new", "active", "at_risk", "lapsed"] as const;

export const CustomerMetricsQuery = z
  .object({ venueId: Id.optional(), from: Instant, to: Instant })
  .refine((q) => q.to > q.from, { message: "to must be after from", path: ["to"] });
export type CustomerMetricsQuery = z.infer<typeof CustomerMetricsQuery>;

export const CustomerMetricsResponse = z.object({
  venueId: z.string().nullable(),
  from: z.number().int(),
  to: z.number().int(),
  metrics: z.object({
    customers: MetricValue,
    activeCustomers: MetricValue,
    newCustomers: MetricValue,
    acquisitionRate: MetricValue,
    attritionRate: MetricValue,
    revenue: MetricValue,
    profitability: MetricValue,
    growthIndex: MetricValue,
    satisfaction: MetricValue,
    ratings: MetricValue,
  }),
  lifecycle: z.array(
    z.object({ stage: z.enum(LIFECYCLE_STAGES), customers: z.number().int().nonnegative() }),
  ),
  lifecycleDefinition: z.string(),
  /** one row per venue-local month touching the range */
  trend: z.array(
    z.object({
      month: z.string(),
      activeCustomers: z.number().int().nonnegative(),
      newCustomers: z.number().int().nonnegative(),
      acquisitionRate: z.number().nullable(),
      attritionRate: z.number().nullable(),
      revenuePerCustomer: z.number().nullable(),
      satisfaction: z.number().nullable(),
    }),
  ),
});
export type CustomerMetricsResponse = z.infer<typeof CustomerMetricsResponse>;

export const VenueSummary = z.object({
  venueId: z.string(),
  name: z.string(),
  timeZone: z.string(),
});
export const VenueList = z.object({ venues: z.array(VenueSummary) });
export const VenueRecord = z.object({ venue: Venue, timeZone: z.string() });

export const USER_ROLES = ["admin", "manager", "marketer", "technician"] as const;
export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;

export const LoginRequest = z.object({
  email: z.string().min(3).max(254),
  password: z.string().min(1).max(1024),
});
export const SessionUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: UserRole,
  /** venues this user may read; null = every venue (admin, marketer, technician) */
  venues: z.array(z.string()).nullable(),
});
export type SessionUser = z.infer<typeof SessionUser>;
/** Answer to sign-in and `GET /v1/auth/me`; `csrfToken` goes back in `x-csrf-token` on every unsafe request. */
export const SessionInfo = z.object({ user: SessionUser, csrfToken: z.string() });
export type SessionInfo = z.infer<typeof SessionInfo>;
