// Ranking explainer: one rank request with debug, and every candidate with how retrieval found
// it, its main features, its scores, and why the auction let it win or not; opening a candidate
// shows every feature it was scored with, by group.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, call } from '../api.js';
import { Badge, Card, ErrorBox, Spinner, usePoll } from '../components.jsx';
import { FeatureGroups } from '../FeatureGroups.jsx';
import { int, ms, num, prob } from '../format.js';

const OUTCOMES = [
  ['ALL', 'All'],
  ['WON', 'Won'],
  ['OUTBID', 'Outbid'],
  ['DIVERSITY', 'Diversity'],
  ['BELOW_RESERVE', 'Below reserve'],
  ['BELOW_QUALITY_FLOOR', 'Below quality floor'],
  ['OUT_OF_BUDGET', 'Out of budget'],
  ['PACED_OUT', 'Paced out'],
  ['FREQUENCY_CAPPED', 'Frequency-capped'],
  ['INVALID_SCORE', 'Invalid score'],
];
const SORTS = {
  ecpm: { label: 'eCPM (the auction order)', cmp: (a, b) => b.ecpm - a.ecpm },
  retrieval: { label: 'retrieval rank', cmp: (a, b) => a.retrievalRank - b.retrievalRank },
  pctr: { label: 'pCTR', cmp: (a, b) => b.pctr - a.pctr },
};
const PAGE_ROWS = 100;
/** The server's adsml.platform.auction.max-slots by default. */
const MAX_SLOTS = 20;

function Profile({ asked }) {
  if (!asked) return null;
  const { user, userId } = asked;
  if (user === null) {
    return (
      <p class="notice notice-info" data-testid="profile">
        <strong>{userId}</strong> is not in the feature store: it is ranked as a cold start (the country and device below, no
        interests, a zero embedding).
      </p>
    );
  }
  return (
    <p class="notice notice-info" data-testid="profile">
      <strong>{user.id}</strong>: {user.country}, {user.device}, age {user.age}; interests{' '}
      {user.interests.map((i) => `category ${i.category} (${num(i.weight, 2)})`).join(', ')}. A known user is ranked with
      their own country and device.
    </p>
  );
}

/** The opened candidate's features, as the version that scored it was served them. */
function CandidateFeatures({ candidate, groups, version, onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    // Opened from a row far up the page: bring the card's head into view, not its thousand rows.
    const top = ref.current && ref.current.getBoundingClientRect().top;
    if (top > innerHeight - 160) scrollBy({ top: top - innerHeight / 3 });
  }, [candidate.adId]);
  return (
    <div ref={ref} data-testid="candidate-features" data-ad={candidate.adId}>
      <Card
        title={`Features of ad ${candidate.adId}`}
        actions={
          <>
            <span class="small muted">
              as served to <span class="mono">{version}</span>
            </span>
            <Badge kind={candidate.outcome}>{candidate.outcome.replace(/_/g, ' ').toLowerCase()}</Badge>
            <button type="button" class="button button-small" data-action="close-features" onClick={onClose}>
              Close
            </button>
          </>
        }
      >
        <FeatureGroups features={candidate.features || {}} groups={groups} />
      </Card>
    </div>
  );
}

function Candidates({ result, onAd }) {
  const [filter, setFilter] = useState('ALL');
  const [sort, setSort] = useState('ecpm');
  const [all, setAll] = useState(false);
  const [opened, setOpened] = useState(null);
  const counts = useMemo(() => {
    const c = { ALL: result.debug.length };
    for (const d of result.debug) c[d.outcome] = (c[d.outcome] || 0) + 1;
    return c;
  }, [result]);
  const rows = useMemo(
    () => result.debug.filter((d) => filter === 'ALL' || d.outcome === filter).sort(SORTS[sort].cmp),
    [result, filter, sort],
  );
  const shown = all ? rows : rows.slice(0, PAGE_ROWS);
  const openedCandidate = opened === null ? null : result.debug.find((d) => d.adId === opened);
  const toggle = (adId) => setOpened(opened === adId ? null : adId);
  function onRow(e, adId) {
    // The ad's link and the row's own button do their own thing.
    if (!e.target.closest('a, button')) toggle(adId);
  }
  return (
    <>
      <Card
        title={`Every scored candidate (${int(result.debug.length)})`}
        actions={
          <label class="inline-field">
            Sort by{' '}
            <select value={sort} onChange={(e) => setSort(e.currentTarget.value)}>
              {Object.entries(SORTS).map(([k, s]) => (
                <option key={k} value={k}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <div class="filters" role="group" aria-label="Filter by outcome">
          {OUTCOMES.map(([k, label]) => (
            <button
              type="button"
              key={k}
              class={filter === k ? 'chip chip-on' : 'chip'}
              aria-pressed={filter === k}
              data-filter={k}
              onClick={() => setFilter(k)}
            >
              {label} <span class="chip-count">{int(counts[k] || 0)}</span>
            </button>
          ))}
          <span class="small muted filters-hint">Click a candidate to see every feature it was scored with.</span>
        </div>
        <div class="table-wrap tall">
          <table class="table table-dense" data-testid="candidates">
            <thead>
              <tr>
                <th title="how retrieval found it, its place in retrieval's list (1 = best) and its score: user embedding · ad embedding">
                  Retrieval
                </th>
                <th>Ad</th>
                <th class="num">Campaign</th>
                <th class="num" title="the user's interest weight in the ad's category">Interest</th>
                <th class="num">Bid</th>
                <th class="num">pCTR</th>
                <th class="num">pCVR</th>
                <th class="num" title="dollars per 1000 impressions">eCPM</th>
                <th>Outcome</th>
                <th class="num" title="what a winner pays, in its bid's unit">Price</th>
                <th>Why</th>
                <th>
                  <span class="visually-hidden">Features</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr
                  key={d.adId}
                  data-outcome={d.outcome}
                  class={opened === d.adId ? 'row-clickable row-selected' : 'row-clickable'}
                  aria-selected={opened === d.adId}
                  onClick={(e) => onRow(e, d.adId)}
                >
                  <td class="nowrap">
                    #{d.retrievalRank + 1} <span class="small muted">{d.retrievalSource}</span>
                    <div class="small muted">score {num(d.affinity, 3)}</div>
                  </td>
                  <td class="nowrap">
                    <a href={`/admin/ads?id=${d.adId}`} onClick={(e) => onAd(e, d.adId)} class="mono">
                      {d.adId}
                    </a>
                    <div class="small muted">
                      cat {d.category} · {d.creativeType}
                    </div>
                  </td>
                  <td class="num">{d.campaignId}</td>
                  <td class="num">{num(d.interestInCategory, 2)}</td>
                  <td class="num">
                    {num(d.bid, 2)} <span class="small muted">{d.bidType}</span>
                  </td>
                  <td class="num">{prob(d.pctr)}</td>
                  <td class="num">{prob(d.pcvr)}</td>
                  <td class="num">{num(d.ecpm, 3)}</td>
                  <td>
                    <Badge kind={d.outcome}>{d.outcome.replace(/_/g, ' ').toLowerCase()}</Badge>
                  </td>
                  <td class="num">{d.price === null ? '–' : num(d.price, 4)}</td>
                  <td class="small why">{d.reason}</td>
                  <td class="actions-col">
                    <button
                      type="button"
                      class={opened === d.adId ? 'chip chip-on' : 'chip'}
                      aria-pressed={opened === d.adId}
                      data-action="features"
                      title={`every feature ad ${d.adId} was scored with`}
                      onClick={() => toggle(d.adId)}
                    >
                      features
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length > PAGE_ROWS && (
          <button type="button" class="button" onClick={() => setAll(!all)}>
            {all ? `Show the first ${PAGE_ROWS}` : `Show all ${int(rows.length)}`}
          </button>
        )}
      </Card>
      {openedCandidate && (
        <CandidateFeatures
          candidate={openedCandidate}
          groups={result.featureGroups}
          version={result.modelVersion}
          onClose={() => setOpened(null)}
        />
      )}
    </>
  );
}

function Summary({ result }) {
  const t = result.timingsMs;
  const total = Math.max(t.totalMs, 1e-6);
  const stages = [
    ['retrieval', t.retrievalMs],
    ['light model', t.lightRankMs],
    ['features', t.featuresMs],
    ['scoring', t.scoringMs],
    ['auction', t.auctionMs],
  ];
  return (
    <Card title="Answer">
      <dl class="stats">
        <div><dt>Model version</dt><dd class="mono" data-testid="explain-version">{result.modelVersion}</dd></div>
        <div><dt>Light model</dt><dd class="mono">{result.lightModelVersion ?? 'none'}</dd></div>
        <div><dt>Retrieved</dt><dd>{int(result.candidates.retrieved)}</dd></div>
        <div><dt>Scored</dt><dd>{int(result.candidates.scored)}</dd></div>
        <div><dt>Ads answered</dt><dd>{int(result.ads.length)}</dd></div>
        <div><dt>Total time</dt><dd>{ms(t.totalMs)}</dd></div>
      </dl>
      <div class="stagebar" aria-label="time per stage">
        {stages.map(([name, v], i) => (
          <div key={name} class={`stage stage-${i}`} style={{ flexGrow: Math.max(v / total, 0.02) }} title={`${name}: ${ms(v)}`}>
            {name} {ms(v)}
          </div>
        ))}
      </div>
      {result.ads.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="winners">
            <thead>
              <tr>
                <th class="num" title="0 is the top slot">Slot</th>
                <th>Ad</th>
                <th class="num">Campaign</th>
                <th class="num">Bid</th>
                <th class="num">pCTR</th>
                <th class="num">pCVR</th>
                <th class="num">eCPM</th>
                <th class="num" title="in the bid's unit: per click (CPC), per conversion (CPA) or per 1000 impressions (CPM)">Price</th>
              </tr>
            </thead>
            <tbody>
              {result.ads.map((a) => (
                <tr key={a.adId}>
                  <td class="num">{a.slot}</td>
                  <td class="mono">{a.adId}</td>
                  <td class="num">{a.campaignId}</td>
                  <td class="num">
                    {num(a.bid, 2)} <span class="small muted">{a.bidType}</span>
                  </td>
                  <td class="num">{prob(a.pctr)}</td>
                  <td class="num">{prob(a.pcvr)}</td>
                  <td class="num">{num(a.ecpm, 3)}</td>
                  <td class="num">{num(a.price, 4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function Explain({ navigate }) {
  const vocab = usePoll(() => call('GET', '/admin/api/vocabulary'), 0);
  const users = usePoll(() => call('GET', '/admin/api/users?limit=30'), 0);
  const [form, setForm] = useState({ userId: 'u1', surface: 'home_feed', device: 'ios', country: 'US', hour: '13', slots: '5' });
  const [running, setRunning] = useState(false);
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  const [asked, setAsked] = useState(null);

  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });

  /** The form's values for the request, or the first field that is wrong and why. */
  function check() {
    const userId = form.userId.trim();
    const hourText = form.hour.trim();
    const slotsText = form.slots.trim();
    if (!userId) return { problem: 'User: enter a user id, such as u42.' };
    if (userId.length > 128) return { problem: 'User: at most 128 characters.' };
    if (!/^\d+$/.test(hourText) || Number(hourText) > 23) {
      return { problem: `Hour: a whole number from 0 to 23${hourText ? `, not "${hourText}"` : ''}.` };
    }
    if (!/^\d+$/.test(slotsText) || Number(slotsText) < 1 || Number(slotsText) > MAX_SLOTS) {
      return { problem: `Slots: a whole number from 1 to ${MAX_SLOTS}${slotsText ? `, not "${slotsText}"` : ''}.` };
    }
    return { userId, hour: Number(hourText), slots: Number(slotsText) };
  }

  async function explain(e) {
    e.preventDefault();
    // A new question clears the old answer: an error never stands next to a stale result.
    setResult(null);
    setAsked(null);
    const { problem, userId, hour, slots } = check();
    if (problem) {
      setError(problem);
      return;
    }
    setRunning(true);
    setError(null);
    try {
      const profile = call('GET', `/admin/api/users/${encodeURIComponent(userId)}`).catch((err) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      });
      const rank = call('POST', '/v1/rank', {
        body: {
          userId,
          context: { surface: form.surface, device: form.device, country: form.country, hour },
          slots,
          deadlineMs: 1000,
          debug: true,
        },
      });
      const [p, r] = await Promise.all([profile, rank]);
      setAsked({ user: p, userId });
      setResult({ ...r, debug: r.debug || [] });
    } catch (err) {
      setError(err.message);
    } finally {
      setRunning(false);
    }
  }

  function openAd(e, adId) {
    e.preventDefault();
    navigate(`/admin/ads?id=${adId}`);
  }

  function pickUser(e) {
    const value = e.currentTarget.value;
    const known = users.data && users.data.users.find((u) => u.id === value);
    setForm({ ...form, userId: value, ...(known ? { device: known.device, country: known.country } : {}) });
  }

  const v = vocab.data;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Ranking explainer</h1>
        <p class="muted">Runs POST /v1/rank with debug and shows every candidate the auction saw. Pick a user or type any id.</p>
      </div>
      <Card>
        <ErrorBox error={vocab.error || users.error} title="Could not load the choices" />
        <form class="explain-form" onSubmit={explain} noValidate>
          <label class="field">
            <span class="field-label">User</span>
            <input name="userId" list="known-users" value={form.userId} onInput={pickUser} autocomplete="off" />
            <datalist id="known-users">
              {users.data &&
                users.data.users.map((u) => (
                  <option key={u.id} value={u.id}>{`${u.country} · ${u.device} · ${u.age}`}</option>
                ))}
            </datalist>
          </label>
          <label class="field">
            <span class="field-label">Surface</span>
            <select name="surface" value={form.surface} onChange={set('surface')}>
              {(v ? v.surfaces : [form.surface]).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label class="field">
            <span class="field-label">Device</span>
            <select name="device" value={form.device} onChange={set('device')}>
              {(v ? v.devices : [form.device]).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label class="field">
            <span class="field-label">Country</span>
            <select name="country" value={form.country} onChange={set('country')}>
              {(v ? v.countries : [form.country]).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label class="field field-narrow">
            <span class="field-label">Hour</span>
            <input name="hour" inputMode="numeric" value={form.hour} onInput={set('hour')} title="0 to 23" />
          </label>
          <label class="field field-narrow">
            <span class="field-label">Slots</span>
            <input name="slots" inputMode="numeric" value={form.slots} onInput={set('slots')} title={`1 to ${MAX_SLOTS}`} />
          </label>
          <button type="submit" class="button button-primary" disabled={running} data-action="explain">
            {running ? 'Ranking…' : 'Explain'}
          </button>
        </form>
        {running && <Spinner label="Ranking with debug…" />}
        <ErrorBox error={error} title="Could not rank" />
        <Profile asked={asked} />
      </Card>
      {result && <Summary result={result} />}
      {result && <Candidates result={result} onAd={openAd} />}
    </div>
  );
}
