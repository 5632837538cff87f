// Simulated day: the newest `adsml simulate` of this data folder, from
// GET /admin/api/simulations/latest: the day's figures, the paced campaigns' spend hour by hour
// against the pacing target, and revenue and CTR per hour.

import { useMemo } from 'preact/hooks';
import { call } from '../api.js';
import { Chart } from '../Chart.jsx';
import { Card, ErrorBox, Spinner, usePoll } from '../components.jsx';
import { int, money, num, pct } from '../format.js';

const REFRESH_MS = 10000;

function Figure({ label, value, hint, bad }) {
  return (
    <div class="tile" data-figure={label}>
      <div class="tile-label">{label}</div>
      <div class={`tile-value${bad ? ' text-bad' : ''}`}>{value}</div>
      {hint && <div class="tile-hint">{hint}</div>}
    </div>
  );
}

export function Market() {
  const { data: day, error, loading } = usePoll(() => call('GET', '/admin/api/simulations/latest'), REFRESH_MS);
  const charts = useMemo(() => {
    if (!day) return null;
    const hours = day.hourly.map((h) => h.hour);
    const labels = hours.map((h) => `${String(h).padStart(2, '0')}:00`);
    return {
      labels,
      pacing: [hours, day.hourly.map((h) => h.paced_spend), day.hourly.map((h) => h.target_spend)],
      revenue: [hours, day.hourly.map((h) => h.rpm), day.hourly.map((h) => h.ctr)],
      traffic: [hours, day.hourly.map((h) => h.requests)],
    };
  }, [day]);

  if (loading && !day) return <Spinner />;
  if (!day) {
    return (
      <Card title="Simulated day">
        {error && <ErrorBox error={error} title="No simulated day" />}
        <p>
          Run <code>adsml simulate --data DIR</code> on this server's data folder: a day of traffic through the
          serving path in minutes. Its figures appear here.
        </p>
      </Card>
    );
  }
  const s = day.settings;
  return (
    <div class="page">
      <Card title="Simulated day">
        <p class="small muted">
          {int(s.requests)} requests from {int(s.users)} users over {s.hours} hours, {s.slots} slots each; budgets ×{' '}
          {num(s.budget_scale, 3)}; pacing {s.pacing ? 'on' : 'off'}; diversity per {s.diversity}; simulated in{' '}
          {num(day.wall_seconds, 0)} s.
        </p>
        <div class="tiles" data-testid="simulation-figures">
          <Figure label="CTR" value={pct(day.ctr)} hint={`${int(day.clicks)} clicks`} />
          <Figure label="CVR after a click" value={pct(day.cvr)} hint={`${int(day.conversions)} conversions`} />
          <Figure label="Revenue" value={money(day.revenue)} hint={`RPM ${money(day.rpm)}, oracle ${money(day.oracle_rpm)}`} />
          <Figure
            label="Paced campaigns"
            value={int(day.paced_campaigns)}
            hint={`budget used ${pct(day.budget_utilization, 1)}, ${int(day.campaigns_exhausted_before_18h)} out before 18:00`}
          />
          <Figure label="Pacing RMSE" value={num(day.pacing_rmse, 4)} hint="of a daily budget, per hour" bad={day.pacing_rmse > 0.02} />
          <Figure label="Max overspend" value={`${num(day.max_overspend_pct, 2)}%`} bad={day.max_overspend_pct > 1} />
          <Figure label="Frequency-cap violations" value={int(day.frequency_cap_violations)} bad={day.frequency_cap_violations > 0} />
          <Figure label="Same-advertiser pairs" value={int(day.same_advertiser_pairs)} bad={day.same_advertiser_pairs > 0} />
        </div>
      </Card>
      <div class="charts">
        <Chart
          title="Paced campaigns: spend per hour against the pacing target"
          data={charts.pacing}
          xLabels={charts.labels}
          xName="hour"
          bars
          series={[
            { label: 'spend', color: '#2563eb', value: (v) => money(v) },
            { label: 'target', color: '#d97706', line: true, value: (v) => money(v) },
          ]}
          axes={{ y: { label: 'dollars' } }}
        />
        <Chart
          title="Revenue per 1000 requests and CTR, per hour"
          data={charts.revenue}
          xLabels={charts.labels}
          xName="hour"
          bars
          series={[
            { label: 'RPM', color: '#059669', value: (v) => money(v) },
            { label: 'CTR', color: '#7c3aed', line: true, scale: 'y2', value: (v) => pct(v) },
          ]}
          axes={{ y: { label: 'dollars' }, y2: { label: 'CTR', format: (v) => pct(v, 1) } }}
        />
        <Chart
          title="Requests per hour"
          data={charts.traffic}
          xLabels={charts.labels}
          xName="hour"
          bars
          series={[{ label: 'requests', color: '#0891b2', value: (v) => int(v) }]}
          axes={{ y: { label: 'requests' } }}
        />
      </div>
    </div>
  );
}
