import type { HeatmapResponse } from "@proxima/shared";
import { formatDecimal } from "../ui/format.js";

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** Busiest hours: mean unique visitors per venue-local weekday × hour, darker = busier. */
export function Heatmap({ data }: { data: HeatmapResponse }) {
  const max = Math.max(1, ...data.cells.map((c) => c.visitors));
  const cell = (weekday: number, hour: number) =>
    data.cells.find((c) => c.weekday === weekday && c.hour === hour)!;
  return (
    <div className="table-scroll">
      <table className="heatmap" aria-label="Busiest hours: mean visitors per weekday and hour">
        <thead>
          <tr>
            <th scope="col" />
            {HOURS.map((h) => (
              <th key={h} scope="col">
                {String(h).padStart(2, "0")}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {DAYS.map((day, w) => (
            <tr key={day}>
              <th scope="row">{day}</th>
              {HOURS.map((h) => {
                const c = cell(w, h);
                const alpha = c.visitors / max;
                return (
                  <td
                    key={h}
                    style={{
                      background: `rgba(37, 99, 235, ${alpha.toFixed(3)})`,
                      color: alpha > 0.55 ? "#fff" : undefined,
                    }}
                    title={`${day} ${String(h).padStart(2, "0")}:00 — ${formatDecimal(c.visitors)} visitors on average (${c.samples} hours)`}
                  >
                    {c.samples === 0 ? "" : Math.round(c.visitors)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
