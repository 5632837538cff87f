// A uPlot chart that follows its container's width and takes new data without being rebuilt.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const COLORS = ['#2563eb', '#d97706', '#dc2626', '#059669', '#7c3aed', '#0891b2'];

const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString('en-GB');

/**
 * props: title; data, uPlot's columns ([xs in unix seconds, ys1, ys2, ...]); series, [{label,
 * color?, scale?, value?, line?}] one per y column; axes, {y: {label, format}, y2: {...}} for a
 * second scale "y2"; bars, to draw bars over a categorical x (xLabels name each x, xTicks the
 * short names on the axis, xName the legend's name for it; a series with line: true is drawn as
 * a line over the bars); height.
 */
export function Chart({ title, data, series, axes = {}, bars = false, xLabels, xTicks, xName = 'rows', height = 190 }) {
  const box = useRef(null);
  const plot = useRef(null);
  const labels = useRef(xLabels);
  labels.current = xLabels;
  const ticks = useRef(xTicks);
  ticks.current = xTicks || xLabels;

  useEffect(() => {
    // The element, not the ref: Preact clears the ref on unmount, and a resize callback already
    // queued may still run once after that.
    const el = box.current;
    if (!el) return undefined;
    let alive = true;
    const width = Math.max(200, el.clientWidth);
    const opts = {
      width,
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: bars ? { x: { time: false, range: (u, min, max) => [min - 0.6, max + 0.6] } } : { x: { time: true } },
      axes: [
        bars
          ? {
              stroke: '#475569',
              grid: { show: false },
              splits: (u) => u.data[0],
              values: (u, splits) => splits.map((i) => (ticks.current ? ticks.current[i] : i)),
            }
          : { stroke: '#475569', grid: { stroke: '#e2e8f0' }, space: 70, values: (u, splits) => splits.map(clock) },
        {
          stroke: '#475569',
          grid: { stroke: '#e2e8f0' },
          label: axes.y?.label,
          size: 60,
          values: axes.y?.format ? (u, splits) => splits.map(axes.y.format) : undefined,
        },
        ...(axes.y2
          ? [
              {
                scale: 'y2',
                side: 1,
                stroke: '#475569',
                grid: { show: false },
                label: axes.y2.label,
                size: 60,
                values: axes.y2.format ? (u, splits) => splits.map(axes.y2.format) : undefined,
              },
            ]
          : []),
      ],
      series: [
        bars
          ? { label: xName, value: (u, i) => (i == null || !labels.current ? '–' : labels.current[i]) }
          : { label: 'time', value: (u, t) => (t == null ? '–' : clock(t)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color || COLORS[i % COLORS.length],
          width: 2,
          scale: s.scale || 'y',
          spanGaps: false,
          value: s.value ? (u, v) => (v == null ? '–' : s.value(v)) : undefined,
          ...(bars && !s.line
            ? { fill: `${s.color || COLORS[i]}99`, paths: uPlot.paths.bars({ size: [0.7, 80] }), points: { show: false } }
            : { points: { show: false } }),
        })),
      ],
    };
    const own = new uPlot(opts, data, el);
    plot.current = own;
    const resize = new ResizeObserver(() => {
      if (!alive) return;
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(own.width - w) > 1) own.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      alive = false;
      resize.disconnect();
      own.destroy();
      if (plot.current === own) plot.current = null;
    };
  }, [bars, series.length, height]);

  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData(data);
    // Until the pointer picks a point, the legend reads the latest one.
    const last = data[0] ? data[0].length - 1 : -1;
    if (last >= 0 && plot.current.cursor.idx == null) plot.current.setLegend({ idx: last });
  }, [data]);

  const points = data[0] ? data[0].length : 0;
  return (
    <figure class="chart" data-chart={title} data-points={points}>
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
      {points === 0 && <div class="chart-empty">waiting for data…</div>}
    </figure>
  );
}
