// Overview: how the platform serves right now, refreshed every 1.5 s from GET /admin/api/overview.

import { useMemo } from 'preact/hooks';
import { call } from '../api.js';
import { Chart } from '../Chart.jsx';
import { ErrorBox, Spinner, usePoll } from '../components.jsx';
import { int, money, ms, num, pct } from '../format.js';

const REFRESH_MS = 1500;
const STAGES = ['retrieval', 'features', 'scoring', 'auction'];

function Tile({ label, value, hint, title, testid }) {
  return (
    <div class="tile" data-testid={testid} title={title}>
      <div class="tile-label">{label}</div>
      <div class="tile-value">{value}</div>
      {hint && <div class="tile-hint">{hint}</div>}
    </div>
  );
}

function column(series, pick) {
  return series.map((p) => {
    const v = pick(p);
    return v === null || v === undefined ? null : v;
  });
}

export function Overview() {
  const { data, error, loading } = usePoll(() => call('GET', '/admin/api/overview'), REFRESH_MS);

  const charts = useMemo(() => {
    const s = data ? data.series : [];
    const xs = s.map((p) => p.t / 1000);
    const sizes = data ? data.batchSizes : [];
    return {
      throughput: [xs, column(s, (p) => p.requestsPerSec), column(s, (p) => p.impressionsPerSec)],
      latency: [xs, column(s, (p) => p.p50Ms), column(s, (p) => p.p90Ms), column(s, (p) => p.p99Ms)],
      failures: [xs, column(s, (p) => p.errorRate && p.errorRate * 100), column(s, (p) => p.shedRate && p.shedRate * 100)],
      stages: [xs, ...STAGES.map((st) => column(s, (p) => p.stageMs[st]))],
      business: [xs, column(s, (p) => p.ctr && p.ctr * 100), column(s, (p) => p.revenuePerMilleRequests)],
      batchRows: [xs, column(s, (p) => p.meanBatchRows), column(s, (p) => p.batchesPerSec)],
      queueDelay: [xs, column(s, (p) => p.queueDelayMeanMs)],
      sizes: [sizes.map((b, i) => i), sizes.map((b) => b.batches)],
      sizeLabels: sizes.map((b) => (b.rowsFrom === b.rowsTo ? `${b.rowsFrom}` : `${b.rowsFrom}–${b.rowsTo}`)),
      sizeTicks: sizes.map((b) => (b.rowsFrom >= 1024 ? `${b.rowsFrom / 1024}k` : `${b.rowsFrom}`)),
    };
  }, [data]);

  if (loading && !data) return <Spinner label="Loading the overview…" />;
  const now = data && data.now;
  const totals = data ? data.totals : {};
  const rate = (v) => (v === null || v === undefined ? '–' : `${num(v, 1)}/s`);

  return (
    <div class="page">
      <div class="page-head">
        <h1>Overview</h1>
        <p class="muted">
          Headline figures cover the last 10 s; charts show the last 2 minutes, one point a second. Refreshes every{' '}
          {REFRESH_MS / 1000} s.
        </p>
      </div>
      <ErrorBox error={error} title="Could not refresh the overview" />
      <div class="tiles">
        <Tile testid="tile-rps" label="Requests/s" value={now ? num(now.requestsPerSec, 1) : '–'} hint={`${int(totals.requests)} since start`} />
        <Tile label="p50 latency" value={ms(now && now.p50Ms)} />
        <Tile label="p90 latency" value={ms(now && now.p90Ms)} />
        <Tile label="p99 latency" value={ms(now && now.p99Ms)} />
        <Tile label="Error rate" value={pct(now && now.errorRate)} hint="4xx/5xx answers, not 503" />
        <Tile
          label="Shed rate"
          value={pct(now && now.shedRate)}
          hint="503s: shed or deadline missed"
          title="Every 503 answer: work the scheduler shed, a deadline that could not be met (during JIT warm-up too), or no active model"
        />
        <Tile label="CTR" value={pct(now && now.ctr)} hint={`${int(totals.impressions)} impressions, ${int(totals.clicks)} clicks`} />
        <Tile label="Revenue / 1000 requests" value={money(now && now.revenuePerMilleRequests)} hint={`${money(totals.spend)} since start`} />
        <Tile label="Queue delay" value={ms(now && now.queueDelayMeanMs)} hint="scheduler mean, last 10 s" />
        <Tile label="Rows per batch" value={num(now && now.meanBatchRows, 0)} hint={`${int(totals.batches)} batches since start`} />
      </div>
      {totals.requests > 0 && !totals.impressions && (
        <p class="small muted" data-testid="events-hint">
          No impressions yet: impressions and clicks arrive through POST /v1/events, which the demo's simulated users
          send; adsml load sends only rank requests. The CTR stays – until they do.
        </p>
      )}
      <div class="charts">
        <Chart
          title="Throughput"
          data={charts.throughput}
          series={[
            { label: 'rank requests/s', value: (v) => num(v, 1) },
            { label: 'impressions/s', value: (v) => num(v, 1) },
          ]}
          axes={{ y: { label: 'per second' } }}
        />
        <Chart
          title="Latency"
          data={charts.latency}
          series={[
            { label: 'p50', value: (v) => ms(v) },
            { label: 'p90', value: (v) => ms(v) },
            { label: 'p99', value: (v) => ms(v) },
          ]}
          axes={{ y: { label: 'ms' } }}
        />
        <Chart
          title="Errors and shed requests"
          data={charts.failures}
          series={[
            { label: 'error rate', color: '#dc2626', value: (v) => `${num(v, 2)}%` },
            { label: 'shed rate', color: '#d97706', value: (v) => `${num(v, 2)}%` },
          ]}
          axes={{ y: { label: '% of requests' } }}
        />
        <Chart
          title="Time per stage (mean)"
          data={charts.stages}
          series={STAGES.map((st) => ({ label: st, value: (v) => ms(v) }))}
          axes={{ y: { label: 'ms' } }}
        />
        <Chart
          title="CTR and revenue"
          data={charts.business}
          series={[
            { label: 'CTR', value: (v) => `${num(v, 2)}%` },
            { label: 'revenue / 1000 requests', scale: 'y2', value: (v) => money(v) },
          ]}
          axes={{ y: { label: 'CTR %' }, y2: { label: '$ / 1000 req' } }}
        />
        <Chart
          title="Batches"
          data={charts.batchRows}
          series={[
            { label: 'rows per batch', value: (v) => num(v, 0) },
            { label: 'batches/s', scale: 'y2', value: (v) => num(v, 1) },
          ]}
          axes={{ y: { label: 'rows' }, y2: { label: 'per second' } }}
        />
        <Chart
          title="Queue delay (scheduler mean per second)"
          data={charts.queueDelay}
          series={[{ label: 'mean queue delay', value: (v) => ms(v) }]}
          axes={{ y: { label: 'ms' } }}
        />
        <Chart
          title="Batch sizes, last minute"
          data={charts.sizes}
          xLabels={charts.sizeLabels}
          xTicks={charts.sizeTicks}
          bars
          series={[{ label: 'batches', color: '#2563eb', value: (v) => int(v) }]}
          axes={{ y: { label: 'batches' } }}
        />
      </div>
    </div>
  );
}
