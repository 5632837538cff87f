// Overview: how the platform serves right now, refreshed every 1.5 s from GET /admin/api/overview,
// and what the feature platform keeps (the served-rows log, its join, the real-time counters) from
// GET /admin/api/feature-log.

import { useMemo } from 'preact/hooks';
import { call } from '../api.js';
import { Chart } from '../Chart.jsx';
import { Card, ErrorBox, Spinner, usePoll } from '../components.jsx';
import { bytes, DASH, duration, int, money, ms, num, pct } from '../format.js';

const REFRESH_MS = 1500;
const STAGES = ['retrieval', 'light', 'features', 'scoring', 'auction'];

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

/** A count that should stay 0: shown in red once it is not. */
function Bad({ value }) {
  return <span class={value > 0 ? 'text-bad' : ''}>{int(value)}</span>;
}

function FeatureLogRow({ set }) {
  const { log, join } = set;
  return (
    <>
      <tr data-set={set.set}>
        <td class="mono">{set.set}</td>
        <td class="num">{log ? num(log.rowsPerSecond, 1) : DASH}</td>
        <td class="num" title={log ? `${int(log.rowsOpen)} more in the file being written` : ''}>
          {log ? int(log.rowsWritten) : DASH}
          {log && log.rowsOpen > 0 && <div class="small muted">+{int(log.rowsOpen)} open</div>}
        </td>
        <td class="num">{log ? int(log.files) : DASH}</td>
        <td class="num">{log ? bytes(log.bytesWritten) : DASH}</td>
        <td class="num">{log ? <Bad value={log.droppedBatches} /> : DASH}</td>
        <td class="num">{log ? <Bad value={log.failedBatches} /> : DASH}</td>
        <td class="num">{join ? int(join.joinedFiles) : DASH}</td>
        <td class="num">{join ? int(join.pendingFiles) : DASH}</td>
        <td class="num">{join ? <Bad value={join.failedFiles} /> : DASH}</td>
        <td class="num" data-testid="join-lag">{join ? duration(join.joinLagMs) : <span class="small muted">not joined yet</span>}</td>
      </tr>
      {log && log.lastError && (
        <tr class="row-note">
          <td colSpan={11} class="reason-failed">
            last error: {log.lastError}
          </td>
        </tr>
      )}
    </>
  );
}

function Counters({ counters: c }) {
  const bounded = c.maxKeys > 0;
  const known = c.keys >= 0;
  return (
    <dl class="stats" data-testid="counters">
      <div>
        <dt>Counter store</dt>
        <dd class="mono">{c.store}</dd>
      </div>
      <div title={bounded ? 'keys held / the most the table holds before it evicts' : 'Redis bounds keys by their time to live'}>
        <dt>Keys</dt>
        <dd>
          {known ? int(c.keys) : DASH}
          {bounded && <span class="muted"> / {int(c.maxKeys)}</span>}
        </dd>
        {bounded && known && (
          <div class="meter" aria-hidden="true">
            <div class="meter-fill" style={{ width: `${Math.min(100, (100 * c.keys) / c.maxKeys)}%` }} />
          </div>
        )}
      </div>
      <div>
        <dt>Bytes per key</dt>
        <dd>{int(c.bytesPerKey)} B</dd>
      </div>
      <div title="keys held x bytes per key; the embedded table allocates its bound up front">
        <dt>Memory</dt>
        <dd>
          {known ? bytes(c.keys * c.bytesPerKey) : DASH}
          {bounded && <span class="muted"> of {bytes(c.maxKeys * c.bytesPerKey)}</span>}
        </dd>
      </div>
      <div title="keys that gave way to new ones because their buckets were full">
        <dt>Evictions</dt>
        <dd>{int(c.evictions)}</dd>
      </div>
      <div title="event updates the store refused (a Redis outage, for one)">
        <dt>Failed updates</dt>
        <dd>
          <Bad value={c.failedUpdates} />
        </dd>
      </div>
    </dl>
  );
}

/** Each feature set's served-rows log and its join into training examples, and the counter store. */
function FeatureLog() {
  const { data, error, loading } = usePoll(() => call('GET', '/admin/api/feature-log'), REFRESH_MS);
  return (
    <div data-testid="feature-log">
      <Card
        title="Feature log"
        actions={
          data && (
            <span class="small muted">
              {pct(data.sampleRate, 0)} of requests logged · clicks and conversions attributed within{' '}
              {duration(data.attributionWindowMs)}
            </span>
          )
        }
      >
        <ErrorBox error={error} title="Could not refresh the feature log" />
        {loading && !data && <Spinner label="Loading the feature log…" />}
        {data && data.sets.length === 0 && (
          <p class="small muted" data-testid="feature-log-empty">
            No rows logged yet: each feature set's log starts with the first rank request scored with it.
          </p>
        )}
        {data && data.sets.length > 0 && (
          <div class="table-wrap">
            <table class="table table-dense" data-testid="feature-log-sets">
              <thead>
                <tr>
                  <th>Feature set</th>
                  <th class="num" title="rows appended per second, over about ten seconds">Rows/s</th>
                  <th class="num" title="rows in complete files">Rows written</th>
                  <th class="num" title="complete served-rows files">Files</th>
                  <th class="num" title="bytes of complete files">Size</th>
                  <th class="num" title="requests' rows dropped because the writer's queue was full">Dropped</th>
                  <th class="num" title="batches lost to a write failure">Failed</th>
                  <th class="num" title="served files the last join turned into training examples">Joined, last run</th>
                  <th class="num" title="served files waiting for their attribution window to close">Pending files</th>
                  <th class="num" title="served files the last join could not read; it tries again">Join failures</th>
                  <th class="num" title="age of the oldest served file not joined yet">Join lag</th>
                </tr>
              </thead>
              <tbody>
                {data.sets.map((s) => (
                  <FeatureLogRow key={s.set} set={s} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data && <Counters counters={data.counters} />}
      </Card>
    </div>
  );
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
      <FeatureLog />
    </div>
  );
}
