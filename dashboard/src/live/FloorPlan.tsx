import type { Venue } from "@proxima/shared";

const KIND_COLOR: Record<string, string> = {
  entrance: "#2563eb",
  area: "#059669",
  stand: "#7c3aed",
  kiosk: "#dc2626",
  checkout: "#d97706",
};

/** Zones at their scanners' positions (or their outline), sized and labelled by who is there now. */
export function FloorPlan({ venue, counts }: { venue: Venue; counts: Map<string, number> }) {
  const points = [...venue.scanners.map((s) => s.position), ...venue.zones.flatMap((z) => z.polygon ?? [])];
  const minX = Math.min(...points.map((p) => p.x)) - 5;
  const maxX = Math.max(...points.map((p) => p.x)) + 5;
  const minY = Math.min(...points.map((p) => p.y)) - 5;
  // room below the lowest zone for its label
  const maxY = Math.max(...points.map((p) => p.y)) + 7;
  const max = Math.max(1, ...counts.values());
  return (
    <svg
      className="floor-plan"
      viewBox={`${minX} ${minY} ${maxX - minX} ${maxY - minY}`}
      role="img"
      aria-label={`Floor plan of ${venue.name} with live occupancy per zone`}
    >
      <rect x={minX} y={minY} width={maxX - minX} height={maxY - minY} className="floor" />
      {venue.scanners.map((s) => (
        <rect
          key={s.id}
          x={s.position.x - 0.3}
          y={s.position.y - 0.3}
          width={0.6}
          height={0.6}
          className="scanner"
        >
          <title>scanner {s.id}</title>
        </rect>
      ))}
      {venue.zones.map((zone) => {
        const scanners = venue.scanners.filter((s) => s.zone === zone.id);
        const shape = zone.polygon ?? scanners.map((s) => s.position);
        if (shape.length === 0) return null;
        const cx = shape.reduce((s, p) => s + p.x, 0) / shape.length;
        const cy = shape.reduce((s, p) => s + p.y, 0) / shape.length;
        const count = counts.get(zone.id) ?? 0;
        const r = 1.4 + 2.2 * Math.sqrt(count / max);
        const color = KIND_COLOR[zone.kind] ?? "#475569";
        return (
          <g key={zone.id} data-zone={zone.id}>
            {zone.polygon && (
              <polygon
                points={zone.polygon.map((p) => `${p.x},${p.y}`).join(" ")}
                fill={`${color}22`}
                stroke={color}
                strokeWidth={0.15}
              />
            )}
            <circle
              cx={cx}
              cy={cy}
              r={r}
              fill={count > 0 ? `${color}cc` : `${color}33`}
              stroke={color}
              strokeWidth={0.15}
            >
              <title>
                {zone.name}: {count} now
              </title>
            </circle>
            <text x={cx} y={cy} textAnchor="middle" className="count">
              {count}
            </text>
            <text x={cx} y={cy + r + 1.4} textAnchor="middle" className="label">
              {zone.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
