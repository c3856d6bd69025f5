import { useEffect, useRef } from "react";
import type uPlot from "uplot";

/** One chart: x in seconds since the epoch, one or more named y series. */
export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  x: number[];
  series: { label: string; values: (number | null)[]; color: string }[];
}

/**
 * The dashboard's charts, drawn by uPlot on canvases after hydration (the server renders the
 * tables; without JavaScript the charts are simply absent). uPlot is loaded on demand, so pages
 * other than the dashboard never download it.
 */
export function CacheCharts({ charts }: { charts: ChartSpec[] }) {
  return (
    <div className="charts">
      {charts.map((chart) => (
        <Chart key={chart.id} chart={chart} />
      ))}
    </div>
  );
}

function Chart({ chart }: { chart: ChartSpec }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    let cancelled = false;
    const data = [chart.x, ...chart.series.map((s) => s.values)] as uPlot.AlignedData;
    if (plot.current) {
      plot.current.setData(data);
      return;
    }
    void import("uplot").then(({ default: UPlot }) => {
      if (cancelled || !host.current) return;
      plot.current = new UPlot(
        {
          width: Math.max(280, host.current.clientWidth || 420),
          height: 180,
          title: chart.title,
          series: [{}, ...chart.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true }))],
          axes: [{}, { label: chart.unit, size: 60 }],
        },
        data,
        host.current,
      );
    });
    return () => {
      cancelled = true;
    };
  }, [chart]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return <figure className="chart" data-chart={chart.id} ref={host} aria-label={chart.title} />;
}
