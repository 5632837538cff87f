// Ads: look an ad up by id, see its campaign, targeting and live counters, pause or resume it.

import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import { Badge, Card, ErrorBox, Outcome, Spinner, useConfirm, usePoll } from '../components.jsx';
import { int, money, num, pct } from '../format.js';

const COUNTERS_REFRESH_MS = 2000;
const MAX_AD_ID = 2147483647;
const EVENTS_HINT = 'Impressions and clicks are counted from events sent to POST /v1/events: the demo\'s simulated users send them; adsml load only sends rank requests.';

function idFromAddress() {
  return new URLSearchParams(location.search).get('id') || '';
}

/** Why the text is not an ad id, or null when it is one. */
function notAnAdId(text) {
  if (/^\d+$/.test(text) && Number(text) <= MAX_AD_ID) return null;
  return `An ad id is a whole number from 0 to ${MAX_AD_ID}, such as 17${text ? `; "${text}" is not one` : ''}.`;
}

function List({ values, empty = 'any' }) {
  return values.length === 0 ? <span class="muted">{empty}</span> : values.join(', ');
}

/** Polled only once the ad is known: an unknown id would answer 404 every 2 s. */
function Counters({ id }) {
  const counters = usePoll(() => call('GET', `/admin/api/ads/${id}/counters`), COUNTERS_REFRESH_MS, [id]);
  const n = counters.data;
  return (
    <Card title="Live counters" actions={<span class="small muted">since the server started · every 2 s</span>}>
      <ErrorBox error={counters.error} title="Could not read the counters" />
      {n ? (
        <>
          <dl class="stats" data-testid="ad-counters">
            <div><dt>Impressions</dt><dd>{int(n.impressions)}</dd></div>
            <div><dt>Clicks</dt><dd>{int(n.clicks)}</dd></div>
            <div><dt>Conversions</dt><dd>{int(n.conversions)}</dd></div>
            <div><dt>CTR</dt><dd>{pct(n.ctr)}</dd></div>
            <div><dt>Spend</dt><dd>{money(n.spend, 4)}</dd></div>
          </dl>
          {n.impressions === 0 && <p class="small muted">{EVENTS_HINT}</p>}
        </>
      ) : (
        !counters.error && <Spinner />
      )}
    </Card>
  );
}

function AdDetails({ id, onChanged }) {
  const ad = usePoll(() => call('GET', `/v1/ads/${id}`), 0, [id]);
  const [dialog, ask] = useConfirm();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);

  useEffect(() => setOutcome(null), [id]);

  async function toggle() {
    const pausing = !ad.data.paused;
    const ok = await ask({
      title: `${pausing ? 'Pause' : 'Resume'} ad ${id}?`,
      body: pausing
        ? 'It stops being retrieved at once: no request will show it until it is resumed.'
        : 'It becomes eligible again for every request its campaign targets.',
      confirm: pausing ? 'Pause' : 'Resume',
      danger: pausing,
    });
    if (!ok) return;
    setBusy(true);
    setOutcome(null);
    try {
      const r = await call('PUT', `/admin/api/ads/${id}/paused`, { body: { paused: pausing } });
      setOutcome({ kind: 'ok', text: `Ad ${id} is ${r.paused ? 'paused' : 'serving again'}.` });
      ad.refresh();
      onChanged();
    } catch (e) {
      setOutcome({ kind: 'error', text: `${pausing ? 'Pause' : 'Resume'} failed: ${e.message}` });
    } finally {
      setBusy(false);
    }
  }

  if (ad.loading && !ad.data) return <Spinner label={`Looking up ad ${id}…`} />;
  if (!ad.data) return <ErrorBox error={ad.error} title={`Could not show ad ${id}`} />;
  const a = ad.data;
  const c = a.campaign;
  const t = c.targeting;
  const spentShare = c.dailyBudget > 0 ? Math.min(1, c.spentToday / c.dailyBudget) : 0;
  return (
    <>
      {dialog}
      <ErrorBox error={ad.error} title="Could not refresh the ad" />
      <div class="grid-2">
        <Card
          title={`Ad ${a.id}`}
          actions={
            <button
              type="button"
              class={a.paused ? 'button button-primary' : 'button button-danger'}
              disabled={busy}
              data-action={a.paused ? 'resume' : 'pause'}
              onClick={toggle}
            >
              {busy ? 'Saving…' : a.paused ? 'Resume' : 'Pause'}
            </button>
          }
        >
          <Outcome outcome={outcome} onClose={() => setOutcome(null)} />
          <dl class="stats">
            <div>
              <dt>Status</dt>
              <dd data-testid="ad-status">
                <Badge kind={a.paused ? 'failed' : 'active'}>{a.paused ? 'paused' : 'serving'}</Badge>
              </dd>
            </div>
            <div><dt>Category</dt><dd>{a.category}</dd></div>
            <div><dt>Creative</dt><dd>{a.creativeType}</dd></div>
            <div><dt>Campaign</dt><dd>{a.campaignId}</dd></div>
          </dl>
        </Card>
        <Counters id={id} />
        <Card title={`Campaign ${c.id}`}>
          <dl class="stats">
            <div><dt>Advertiser</dt><dd>{c.advertiserId}</dd></div>
            <div><dt>Bid</dt><dd>{`${money(c.bid, 3)} ${c.bidType}`}</dd></div>
            <div><dt>Daily budget</dt><dd>{money(c.dailyBudget)}</dd></div>
            <div><dt>Spent today</dt><dd>{money(c.spentToday)}</dd></div>
            <div>
              <dt>Budget</dt>
              <dd>{c.outOfBudget ? <Badge kind="failed">out of budget</Badge> : <Badge kind="ready">available</Badge>}</dd>
            </div>
          </dl>
          <div class="meter" title={`${num(spentShare * 100, 1)}% of the daily budget spent`}>
            <div class="meter-fill" style={{ width: `${spentShare * 100}%` }} />
          </div>
        </Card>
        <Card title="Targeting" actions={<span class="small muted">empty means anyone</span>}>
          <dl class="targeting">
            <dt>Countries</dt><dd><List values={t.countries} /></dd>
            <dt>Devices</dt><dd><List values={t.devices} /></dd>
            <dt>Ages</dt><dd><List values={t.ages} /></dd>
            <dt>Interests</dt><dd><List values={t.interests.map((i) => `category ${i}`)} /></dd>
          </dl>
        </Card>
      </div>
    </>
  );
}

export function Ads({ navigate }) {
  const [input, setInput] = useState(idFromAddress());
  const [problem, setProblem] = useState(() => idFromAddress() && notAnAdId(idFromAddress()));
  const [id, setId] = useState(() => (notAnAdId(idFromAddress()) ? '' : idFromAddress()));
  const busiest = usePoll(() => call('GET', '/admin/api/ads/busiest?limit=8'), 5000);

  useEffect(() => {
    const onPop = () => {
      const text = idFromAddress();
      setProblem(text && notAnAdId(text));
      setId(notAnAdId(text) ? '' : text);
      setInput(text);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  function open(value) {
    const text = String(value).trim();
    const why = notAnAdId(text);
    if (why) {
      // Nothing of the last ad stays on screen next to the message.
      setProblem(why);
      setId('');
      navigate('/admin/ads', { replace: true });
      return;
    }
    const clean = String(Number(text));
    setProblem(null);
    setInput(clean);
    setId(clean);
    navigate(`/admin/ads?id=${clean}`, { replace: true });
  }

  return (
    <div class="page">
      <div class="page-head">
        <h1>Ads</h1>
        <p class="muted">Look an ad up by its id; pause it to stop serving it at once.</p>
      </div>
      <Card>
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            open(input);
          }}
        >
          <label class="field">
            <span class="field-label">Ad id</span>
            <input name="adId" inputMode="numeric" value={input} onInput={(e) => setInput(e.currentTarget.value)} placeholder="e.g. 17" />
          </label>
          <button type="submit" class="button button-primary" data-action="lookup">
            Look up
          </button>
        </form>
        <ErrorBox error={problem} title="Not an ad id" />
        <div class="busiest">
          <span class="small muted">Most shown since start:</span>
          {busiest.data && busiest.data.ads.length === 0 && <span class="small muted" title={EVENTS_HINT}>no impressions yet</span>}
          {busiest.data &&
            busiest.data.ads.map((a) => (
              <button type="button" key={a.adId} class="chip" onClick={() => open(a.adId)}>
                {a.adId} <span class="chip-count">{int(a.impressions)}</span>
              </button>
            ))}
          <ErrorBox error={busiest.error} title="Could not list the busiest ads" />
        </div>
        {busiest.data && busiest.data.ads.length === 0 && <p class="small muted">{EVENTS_HINT}</p>}
      </Card>
      {id && <AdDetails key={id} id={id} onChanged={busiest.refresh} />}
    </div>
  );
}
