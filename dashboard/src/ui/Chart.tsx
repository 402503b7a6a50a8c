import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: boolean;
}

/** A uPlot time chart: x in ms, drawn in the venue's time zone; resizes with its box. */
export function TimeChart({
  title,
  xs,
  series,
  timeZone,
  height = 240,
  bars = false,
}: {
  title: string;
  xs: number[];
  series: ChartSeries[];
  timeZone: string;
  height?: number;
  bars?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      title,
      width: Math.max(300, el.clientWidth),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 60 }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash ? [6, 4] : undefined,
          fill: bars ? `${s.color}33` : undefined,
          paths: bars && !s.dash ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
          points: { show: xs.length <= 36 },
        })),
      ],
    };
    const data = [xs.map((x) => x / 1000), ...series.map((s) => s.values)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [title, xs, series, timeZone, height, bars]);
  return <div className="chart" ref={box} role="img" aria-label={title} />;
}
