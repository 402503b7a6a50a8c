import type { OccupancySnapshot, Venue } from "@proxima/shared";
import { useEffect, useMemo, useState } from "react";
import type { VenueSummary } from "../App.js";
import { DataTable } from "../ui/DataTable.js";
import { formatTime } from "../ui/format.js";
import { Load } from "../ui/states.js";
import { useApi } from "../ui/useApi.js";
import { FloorPlan } from "./FloorPlan.js";

type Stream =
  | { state: "connecting" }
  | { state: "live"; snapshot: OccupancySnapshot }
  | { state: "lost"; snapshot?: OccupancySnapshot };

/** Occupancy pushed by the cloud over Server-Sent Events; EventSource reconnects by itself. */
function useOccupancy(venueId: string): Stream {
  const [stream, setStream] = useState<Stream>({ state: "connecting" });
  useEffect(() => {
    setStream({ state: "connecting" });
    const source = new EventSource(`/v1/analytics/occupancy/stream?venueId=${encodeURIComponent(venueId)}`);
    source.addEventListener("occupancy", (e) =>
      setStream({
        state: "live",
        snapshot: JSON.parse((e as MessageEvent<string>).data) as OccupancySnapshot,
      }),
    );
    source.onerror = () =>
      setStream((s) => ({ state: "lost", snapshot: s.state === "connecting" ? undefined : s.snapshot }));
    return () => source.close();
  }, [venueId]);
  return stream;
}

export function LiveView({ venue }: { venue: VenueSummary }) {
  const file = useApi<{ venue: Venue; timeZone: string }>(`/v1/venues/${encodeURIComponent(venue.venueId)}`);
  const stream = useOccupancy(venue.venueId);
  const snapshot = stream.state === "connecting" ? undefined : stream.snapshot;
  const counts = useMemo(() => new Map(snapshot?.zones.map((z) => [z.zone, z.count]) ?? []), [snapshot]);

  return (
    <section aria-label="Live occupancy">
      <div className="kpis">
        <div className="kpi">
          <span className="kpi-label">In the venue now</span>
          <span className="kpi-value" data-testid="occupancy-total">
            {snapshot ? snapshot.total : "…"}
          </span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Visitors this hour</span>
          <span className="kpi-value">{snapshot ? snapshot.visitorsThisHour : "…"}</span>
          <span className="kpi-note">
            {snapshot?.typicalThisHour === null || snapshot === undefined
              ? "no history for this hour yet"
              : `typical: ${snapshot.typicalThisHour} (median of the same hour, last 4 weeks)`}
          </span>
        </div>
        <div className="kpi">
          <span className="kpi-label">Stream</span>
          <span className={`kpi-value status-${stream.state}`}>
            {stream.state === "live" ? "live" : stream.state === "lost" ? "reconnecting…" : "connecting…"}
          </span>
          {snapshot && (
            <span className="kpi-note">updated {formatTime(snapshot.ts, venue.timeZone)} (venue time)</span>
          )}
        </div>
      </div>
      <Load value={file} what="the floor plan">
        {({ venue: v }) => (
          <div className="live-grid">
            <FloorPlan venue={v} counts={counts} />
            <DataTable
              caption="Who is where now"
              filename={`occupancy-${v.venueId}.csv`}
              rows={v.zones}
              columns={[
                { header: "zone", value: (z) => z.name },
                { header: "kind", value: (z) => z.kind },
                {
                  header: "now",
                  value: (z) => counts.get(z.id) ?? 0,
                  render: (z) => <span data-testid={`occupancy-${z.id}`}>{counts.get(z.id) ?? 0}</span>,
                  numeric: true,
                },
              ]}
            />
          </div>
        )}
      </Load>
    </section>
  );
}
