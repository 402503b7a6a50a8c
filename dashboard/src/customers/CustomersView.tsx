import {
  addMonths,
  type CustomerMetricsResponse,
  localMonth,
  type MetricValue,
  monthStart,
} from "@proxima/shared";
import { useMemo, useState } from "react";
import type { VenueSummary } from "../App.js";
import { qs } from "../session/api.js";
import { TimeChart } from "../ui/Chart.js";
import { DataTable } from "../ui/DataTable.js";
import { formatDecimal, formatInt, formatMoney, formatPercent } from "../ui/format.js";
import { Load } from "../ui/states.js";
import { useApi } from "../ui/useApi.js";

const LABELS: Record<keyof CustomerMetricsResponse["metrics"], string> = {
  customers: "Customers",
  activeCustomers: "Active customers",
  newCustomers: "New customers",
  acquisitionRate: "Acquisition rate",
  attritionRate: "Attrition rate",
  revenue: "Revenue",
  profitability: "Customer profitability",
  growthIndex: "Growth index",
  satisfaction: "Satisfaction",
  ratings: "Ratings",
};

function formatMetric(m: MetricValue): string {
  if (m.value === null) return "–";
  switch (m.unit) {
    case "ratio":
      return formatPercent(m.value);
    case "money":
      return formatMoney(m.value);
    case "rating":
      return `${formatDecimal(m.value)} / 5`;
    case "index":
      return formatDecimal(m.value);
    default:
      return formatInt(m.value);
  }
}

const STAGE_LABELS = { new: "New", active: "Active", at_risk: "At risk", lapsed: "Lapsed" } as const;

export function CustomersView({ venue, allowAll }: { venue: VenueSummary; allowAll: boolean }) {
  const [scope, setScope] = useState<"venue" | "all">("venue");
  const [months, setMonths] = useState(3);
  const tz = venue.timeZone;
  const thisMonth = localMonth(Date.now(), tz);
  const from = monthStart(addMonths(thisMonth, -(months - 1)), tz);
  const to = monthStart(addMonths(thisMonth, 1), tz);
  const venueId = scope === "venue" ? venue.venueId : undefined;
  const metrics = useApi<CustomerMetricsResponse>(`/v1/analytics/customers${qs({ venueId, from, to })}`);

  return (
    <section aria-label="Customer metrics">
      <form className="range-bar" onSubmit={(e) => e.preventDefault()}>
        <label>
          Period
          <select value={months} onChange={(e) => setMonths(Number(e.target.value))}>
            <option value={1}>this month</option>
            <option value={3}>last 3 months</option>
            <option value={6}>last 6 months</option>
            <option value={12}>last 12 months</option>
          </select>
        </label>
        {allowAll && (
          <label>
            Scope
            <select value={scope} onChange={(e) => setScope(e.target.value as "venue" | "all")}>
              <option value="venue">{venue.name}</option>
              <option value="all">all venues</option>
            </select>
          </label>
        )}
      </form>
      <Load value={metrics} what="customer metrics">
        {(data) => <MetricsBody data={data} tz={tz} />}
      </Load>
    </section>
  );
}

function MetricsBody({ data, tz }: { data: CustomerMetricsResponse; tz: string }) {
  const xs = useMemo(() => data.trend.map((t) => monthStart(t.month, tz)), [data, tz]);
  const series = useMemo(
    () => [
      { label: "active customers", values: data.trend.map((t) => t.activeCustomers), color: "#2563eb" },
      { label: "new customers", values: data.trend.map((t) => t.newCustomers), color: "#059669" },
    ],
    [data],
  );
  const totalStage = Math.max(
    1,
    data.lifecycle.reduce((s, l) => s + l.customers, 0),
  );
  return (
    <>
      <dl className="metric-grid">
        {(Object.keys(LABELS) as (keyof typeof LABELS)[]).map((key) => (
          <div className="metric" key={key}>
            <dt>{LABELS[key]}</dt>
            <dd className="metric-value" data-testid={`metric-${key}`}>
              {formatMetric(data.metrics[key])}
            </dd>
            <dd className="metric-definition">{data.metrics[key].definition}</dd>
          </div>
        ))}
      </dl>
      <h2>Lifecycle stages</h2>
      <p className="muted">{data.lifecycleDefinition}</p>
      <div className="funnel">
        {data.lifecycle.map((l) => (
          <div className="funnel-row" key={l.stage}>
            <span className="funnel-label">{STAGE_LABELS[l.stage]}</span>
            <span
              className={`funnel-bar stage-${l.stage}`}
              style={{ width: `${(100 * l.customers) / totalStage}%` }}
            />
            <span className="funnel-value">{formatInt(l.customers)}</span>
          </div>
        ))}
      </div>
      <DataTable
        caption="Customers per lifecycle stage"
        filename={`lifecycle-${data.venueId ?? "all"}.csv`}
        rows={data.lifecycle}
        columns={[
          { header: "stage", value: (l) => STAGE_LABELS[l.stage] },
          { header: "customers", value: (l) => l.customers, numeric: true },
          {
            header: "share",
            value: (l) => l.customers / totalStage,
            render: (l) => formatPercent(l.customers / totalStage),
            numeric: true,
          },
        ]}
      />
      <DataTable
        caption="Metrics and their definitions"
        filename={`customer-metrics-summary-${data.venueId ?? "all"}.csv`}
        rows={(Object.keys(LABELS) as (keyof typeof LABELS)[]).map((key) => ({
          key,
          metric: data.metrics[key],
        }))}
        columns={[
          { header: "metric", value: (r) => LABELS[r.key] },
          {
            header: "value",
            value: (r) => r.metric.value,
            render: (r) => formatMetric(r.metric),
            numeric: true,
          },
          { header: "unit", value: (r) => r.metric.unit },
          { header: "definition", value: (r) => r.metric.definition, wrap: true },
        ]}
      />
      <h2>Trends</h2>
      {data.trend.length > 1 && (
        <TimeChart title="Customers per month" xs={xs} series={series} timeZone={tz} />
      )}
      <DataTable
        caption="Per month"
        filename={`customer-metrics-${data.venueId ?? "all"}.csv`}
        rows={data.trend}
        columns={[
          { header: "month", value: (t) => t.month },
          { header: "active customers", value: (t) => t.activeCustomers, numeric: true },
          { header: "new customers", value: (t) => t.newCustomers, numeric: true },
          {
            header: "acquisition rate",
            value: (t) => t.acquisitionRate,
            render: (t) => formatPercent(t.acquisitionRate),
            numeric: true,
          },
          {
            header: "attrition (active last month, not this)",
            value: (t) => t.attritionRate,
            render: (t) => formatPercent(t.attritionRate),
            numeric: true,
          },
          {
            header: "revenue per customer",
            value: (t) => t.revenuePerCustomer,
            render: (t) => formatMoney(t.revenuePerCustomer),
            numeric: true,
          },
          {
            header: "satisfaction",
            value: (t) => t.satisfaction,
            render: (t) => (t.satisfaction === null ? "–" : `${formatDecimal(t.satisfaction)} / 5`),
            numeric: true,
          },
        ]}
      />
    </>
  );
}
