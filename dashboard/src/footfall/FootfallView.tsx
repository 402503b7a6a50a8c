import {
  type CompareResponse,
  type FootfallColumnsResponse,
  type FootfallRangeResponse,
  type FunnelResponse,
  footfallFromColumns,
  type HeatmapResponse,
} from "@proxima/shared";
import { useMemo } from "react";
import type { VenueSummary } from "../App.js";
import { qs } from "../session/api.js";
import { navigate } from "../session/route.js";
import { TimeChart } from "../ui/Chart.js";
import { DataTable } from "../ui/DataTable.js";
import {
  formatBucket,
  formatChange,
  formatDay,
  formatDuration,
  formatInt,
  formatPercent,
} from "../ui/format.js";
import { Empty, Load } from "../ui/states.js";
import { type Loadable, useApi } from "../ui/useApi.js";
import { Heatmap } from "./Heatmap.js";
import {
  type Bucket,
  type DayRange,
  defaultBucket,
  PRESET_LABELS,
  PRESETS,
  type Preset,
  presetRange,
  previousRange,
  rangeInstants,
} from "./range.js";

/**
 * Footfall asked column-wise (`format=columns`: ~5× fewer bytes than bucket objects for
 * a 90-day hourly range) and turned back into rows once per answer for the tables.
 */
function useFootfall(search: string): Loadable<FootfallRangeResponse> & { retry: () => void } {
  const cols = useApi<FootfallColumnsResponse>(`/v1/analytics/footfall${search}`);
  const data = cols.state === "ready" ? cols.data : null;
  const rows = useMemo(() => (data ? footfallFromColumns(data) : null), [data]);
  if (cols.state !== "ready" || !rows) return cols as Loadable<FootfallRangeResponse> & { retry: () => void };
  return { state: "ready", data: rows, retry: cols.retry };
}

type ZoneBucketRow = {
  zone: string;
  start: number;
  visitors: number;
  visits: number;
  p50: number | null;
  p90: number | null;
};

export function FootfallView({
  venue,
  venues,
  params,
}: {
  venue: VenueSummary;
  venues: VenueSummary[];
  params: URLSearchParams;
}) {
  const tz = venue.timeZone;
  const preset = (params.get("preset") as Preset | null) ?? (params.get("from") ? null : "last-7-days");
  const range: DayRange = preset
    ? presetRange(preset, Date.now(), tz)
    : { fromDay: params.get("from") ?? "", toDay: params.get("to") ?? params.get("from") ?? "" };
  const bucket = (params.get("bucket") as Bucket | null) ?? defaultBucket(range);
  const { from, to } = rangeInstants(range, tz);
  const previous = rangeInstants(previousRange(range), tz);

  const set = (next: Record<string, string>) => {
    const merged: Record<string, string> = {};
    if (next.preset) merged.preset = next.preset;
    else {
      merged.from = next.from ?? range.fromDay;
      merged.to = next.to ?? range.toDay;
    }
    if (next.bucket ?? params.get("bucket")) merged.bucket = next.bucket ?? params.get("bucket")!;
    navigate("footfall", venue.venueId, merged);
  };

  const v = venue.venueId;
  const footfall = useFootfall(qs({ venueId: v, from, to, bucket, format: "columns" }));
  const before = useFootfall(
    qs({ venueId: v, from: previous.from, to: previous.to, bucket, format: "columns" }),
  );
  const heatmap = useApi<HeatmapResponse>(`/v1/analytics/heatmap${qs({ venueId: v, from, to })}`);
  const funnel = useApi<FunnelResponse>(`/v1/analytics/funnel${qs({ venueId: v, from, to })}`);
  const compare = useApi<CompareResponse>(`/v1/analytics/compare${qs({ from, to })}`);

  return (
    <section aria-label="Footfall">
      <form className="range-bar" onSubmit={(e) => e.preventDefault()} aria-label="Range">
        <fieldset className="presets">
          <legend className="visually-hidden">Quick ranges</legend>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className={p === preset ? "chip active" : "chip"}
              aria-pressed={p === preset}
              onClick={() => set({ preset: p })}
            >
              {PRESET_LABELS[p]}
            </button>
          ))}
        </fieldset>
        <label>
          From
          <input
            type="date"
            value={range.fromDay}
            max={range.toDay}
            onChange={(e) => e.target.value && set({ from: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={range.toDay}
            min={range.fromDay}
            onChange={(e) => e.target.value && set({ to: e.target.value })}
          />
        </label>
        <label>
          Per
          <select value={bucket} onChange={(e) => set({ bucket: e.target.value })}>
            <option value="hour">hour</option>
            <option value="day">day</option>
            <option value="week">week</option>
          </select>
        </label>
        <span className="muted range-note">
          {formatDay(from, tz)} – {formatDay(to - 1, tz)} · days in {tz} time
        </span>
      </form>

      <Load value={footfall} what="footfall">
        {(data) => (
          <FootfallBody
            data={data}
            previous={before.state === "ready" ? before.data : null}
            tz={tz}
            bucket={bucket}
          />
        )}
      </Load>

      <h2>Busiest hours</h2>
      <Load value={heatmap} what="busiest hours">
        {(data) => (
          <>
            {data.cells.every((c) => c.visitors === 0) ? (
              <Empty>No visits in this range.</Empty>
            ) : (
              <Heatmap data={data} />
            )}
            <DataTable
              caption="Busiest hours (mean unique visitors)"
              filename={`busiest-hours-${v}-${range.fromDay}-${range.toDay}.csv`}
              rows={data.cells}
              columns={[
                {
                  header: "weekday",
                  value: (c) => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][c.weekday]!,
                },
                { header: "hour", value: (c) => c.hour, numeric: true },
                { header: "mean visitors", value: (c) => c.visitors, numeric: true },
                { header: "mean visits", value: (c) => c.visits, numeric: true },
                { header: "hours sampled", value: (c) => c.samples, numeric: true },
              ]}
            />
          </>
        )}
      </Load>

      <h2>Conversion funnel</h2>
      <Load value={funnel} what="the funnel">
        {(data) => <Funnel data={data} file={`funnel-${v}-${range.fromDay}-${range.toDay}`} />}
      </Load>

      <h2>Venues compared</h2>
      <Load value={compare} what="the venue comparison">
        {(data) => (
          <DataTable
            caption={`All your venues, this range vs the ${formatInt((to - from) / 86_400_000)} days before`}
            filename={`venues-${range.fromDay}-${range.toDay}.csv`}
            rows={data.venues}
            columns={[
              { header: "venue", value: (r) => r.name },
              { header: "visitor-days", value: (r) => r.current.visitors, numeric: true },
              { header: "previous visitor-days", value: (r) => r.previous.visitors, numeric: true },
              {
                header: "change",
                value: (r) => formatChange(r.current.visitors, r.previous.visitors),
                numeric: true,
              },
              { header: "visits", value: (r) => r.current.visits, numeric: true },
              { header: "previous visits", value: (r) => r.previous.visits, numeric: true },
              {
                header: "dwell p50 (s)",
                value: (r) => (r.current.dwellP50Ms === null ? null : r.current.dwellP50Ms / 1000),
                render: (r) => formatDuration(r.current.dwellP50Ms),
                numeric: true,
              },
              {
                header: "dwell p90 (s)",
                value: (r) => (r.current.dwellP90Ms === null ? null : r.current.dwellP90Ms / 1000),
                render: (r) => formatDuration(r.current.dwellP90Ms),
                numeric: true,
              },
            ]}
          />
        )}
      </Load>
      {venues.length > 1 && (
        <p className="muted">Visitor-days: unique visitors per day, summed over the days of the range.</p>
      )}
    </section>
  );
}

function FootfallBody({
  data,
  previous,
  tz,
  bucket,
}: {
  data: FootfallRangeResponse;
  previous: FootfallRangeResponse | null;
  tz: string;
  bucket: Bucket;
}) {
  const venueSeries = data.venue ?? [];
  const xs = useMemo(() => venueSeries.map((b) => b.start), [venueSeries]);
  const series = useMemo(() => {
    const out = [{ label: "visitors", values: venueSeries.map((b) => b.visitors), color: "#2563eb" }];
    const prev = previous?.venue ?? [];
    if (prev.length === venueSeries.length)
      out.push({
        label: "previous period",
        values: prev.map((b) => b.visitors),
        color: "#94a3b8",
        dash: true,
      } as never);
    return out;
  }, [venueSeries, previous]);
  const totals = data.zones.map((z) => {
    const prev = previous?.zones.find((p) => p.zone === z.zone)?.buckets ?? [];
    return {
      zone: z.zone,
      visits: z.buckets.reduce((s, b) => s + b.visits, 0),
      visitors: z.buckets.reduce((s, b) => s + b.visitors, 0),
      previousVisits: prev.reduce((s, b) => s + b.visits, 0),
    };
  });
  const rows: ZoneBucketRow[] = data.zones.flatMap((z) =>
    z.buckets
      .filter((b) => b.visits > 0)
      .map((b) => ({
        zone: z.zone,
        start: b.start,
        visitors: b.visitors,
        visits: b.visits,
        p50: b.dwellP50Ms,
        p90: b.dwellP90Ms,
      })),
  );
  const total = venueSeries.reduce((s, b) => s + b.visits, 0);
  const previousTotal = (previous?.venue ?? []).reduce((s, b) => s + b.visits, 0);
  if (total === 0 && previousTotal === 0)
    return (
      <Empty>
        No visits in this range. Pick another range, or check that the venue's gateway is syncing.
      </Empty>
    );
  return (
    <>
      <div className="kpis">
        <div className="kpi">
          <span className="kpi-label">Zone visits</span>
          <span className="kpi-value" data-testid="footfall-visits">
            {formatInt(total)}
          </span>
          <span className="kpi-note">{formatChange(total, previousTotal)} vs previous period</span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Visitors per {bucket} (peak)</span>
          <span className="kpi-value">{formatInt(Math.max(0, ...venueSeries.map((b) => b.visitors)))}</span>
        </div>
      </div>
      <TimeChart
        title={`Unique visitors per ${bucket}`}
        xs={xs}
        series={series}
        timeZone={tz}
        bars={bucket !== "hour"}
      />
      <DataTable
        caption="Zones: totals and previous period"
        filename={`zones-${data.venueId}-${data.from}-${data.to}.csv`}
        rows={totals}
        columns={[
          { header: "zone", value: (r) => r.zone },
          { header: "visits", value: (r) => r.visits, numeric: true },
          { header: `visitors (sum per ${bucket})`, value: (r) => r.visitors, numeric: true },
          { header: "previous visits", value: (r) => r.previousVisits, numeric: true },
          { header: "change", value: (r) => formatChange(r.visits, r.previousVisits), numeric: true },
        ]}
      />
      <DataTable
        caption={`Footfall per zone and ${bucket}`}
        filename={`footfall-${data.venueId}-${bucket}-${data.from}-${data.to}.csv`}
        rows={rows}
        columns={[
          { header: "zone", value: (r) => r.zone },
          { header: `${bucket} start (${tz})`, value: (r) => formatBucket(r.start, bucket, tz) },
          { header: "start (UTC, ISO 8601)", value: (r) => new Date(r.start).toISOString() },
          { header: "visitors", value: (r) => r.visitors, numeric: true },
          { header: "visits", value: (r) => r.visits, numeric: true },
          {
            header: "dwell p50 (s)",
            value: (r) => (r.p50 === null ? null : r.p50 / 1000),
            render: (r) => formatDuration(r.p50),
            numeric: true,
          },
          {
            header: "dwell p90 (s)",
            value: (r) => (r.p90 === null ? null : r.p90 / 1000),
            render: (r) => formatDuration(r.p90),
            numeric: true,
          },
        ]}
      />
    </>
  );
}

function Funnel({ data, file }: { data: FunnelResponse; file: string }) {
  if (data.entranceVisitors === 0 && data.zones.every((z) => z.visitors === 0))
    return <Empty>No visits in this range.</Empty>;
  return (
    <>
      <div className="funnel" role="img" aria-label="Entrance to zone conversion">
        <div className="funnel-row">
          <span className="funnel-label">Entrance</span>
          <span className="funnel-bar" style={{ width: "100%" }} />
          <span className="funnel-value">{formatInt(data.entranceVisitors)}</span>
        </div>
        {data.zones
          .filter((z) => z.kind !== "entrance")
          .map((z) => (
            <div className="funnel-row" key={z.zone}>
              <span className="funnel-label">{z.name}</span>
              <span
                className="funnel-bar"
                style={{ width: `${Math.min(100, (z.entranceRate ?? 0) * 100)}%` }}
              />
              <span className="funnel-value">
                {formatInt(z.fromEntrance)} · {formatPercent(z.entranceRate)}
              </span>
            </div>
          ))}
      </div>
      <DataTable
        caption="Entrance → zone (unique visitors per day)"
        filename={`${file}-zones.csv`}
        rows={data.zones}
        columns={[
          { header: "zone", value: (z) => z.name },
          { header: "kind", value: (z) => z.kind },
          { header: "visitors", value: (z) => z.visitors, numeric: true },
          { header: "came through an entrance", value: (z) => z.fromEntrance, numeric: true },
          {
            header: "share of entrance visitors",
            value: (z) => z.entranceRate,
            render: (z) => formatPercent(z.entranceRate),
            numeric: true,
          },
        ]}
      />
      <DataTable
        caption="Zone → kiosk"
        filename={`${file}-kiosks.csv`}
        rows={data.kiosks}
        empty="No kiosks in this venue."
        columns={[
          { header: "kiosk", value: (k) => k.kioskId },
          { header: "zone visitors", value: (k) => k.zoneVisitors, numeric: true },
          { header: "sessions", value: (k) => k.sessions, numeric: true },
          { header: "offers shown", value: (k) => k.offersShown, numeric: true },
          { header: "offers accepted", value: (k) => k.offersAccepted, numeric: true },
          { header: "pours", value: (k) => k.pours, numeric: true },
          {
            header: "pours per zone visitor",
            value: (k) => k.conversion,
            render: (k) => formatPercent(k.conversion),
            numeric: true,
          },
        ]}
      />
    </>
  );
}
