// Models: every version with its state, load/activate/roll back with a confirmation each; the
// live figures of the versions that served, side by side, and a canary started, promoted or
// ended from there; a shadow version started or ended, its predictions compared with the live
// ones on the same requests; the learning loop's rounds; the batching scheduler's knobs.

import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import { Badge, Card, ErrorBox, Outcome, Spinner, useConfirm, usePoll } from '../components.jsx';
import { ago, int, money, num, pct, when } from '../format.js';

const REFRESH_MS = 2000;
/** A round is judged once a simulated hour at most: a slower refresh is plenty. */
const LOOP_REFRESH_MS = 5000;
/** What the canary form starts with: a tenth of the users. */
const DEFAULT_SHARE = '0.1';
/** Loading validates and warms the version; the server allows up to 5 minutes. */
const LOAD_TIMEOUT_MS = 6 * 60 * 1000;

const STATE_HELP = {
  LOADING: 'reading its files and loading it on every device',
  WARMING: 'scoring the golden batch that validates it and warms it up',
  READY: 'loaded and validated: can be activated',
  ACTIVE: 'scores live traffic',
  DRAINING: 'retired: finishing the batches it started',
  UNLOADED: 'retired and freed: load it again to use it',
  FAILED: 'did not load: see the reason',
  ON_DISK: 'in the models folder, not loaded',
};

/** The registry's versions and the folders on disk that it has not seen, newest first. */
function rows(models) {
  const known = new Map(models.versions.map((v) => [`${v.name}/${v.version}`, v]));
  const all = [...models.versions];
  for (const [name, versions] of Object.entries(models.onDisk || {})) {
    for (const version of versions) {
      if (!known.has(`${name}/${version}`)) all.push({ name, version, state: 'ON_DISK', since: null, detail: '', loadedAt: null, validation: null });
    }
  }
  const numeric = (v) => (/^\d+$/.test(v) ? Number(v) : -1);
  return all.sort((a, b) => a.name.localeCompare(b.name) || numeric(b.version) - numeric(a.version) || b.version.localeCompare(a.version));
}

function VersionTable({ models, busy, act }) {
  const list = rows(models);
  if (list.length === 0) {
    return <p class="muted">No version in the models folder yet: train one (adsml train) and it appears here.</p>;
  }
  return (
    <div class="table-wrap">
      <table class="table" data-testid="versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>State</th>
            <th>Since</th>
            <th>Loaded</th>
            <th>Validation / reason</th>
            <th class="actions-col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {list.map((v) => {
            const id = `${v.name}/${v.version}`;
            const canLoad = ['ON_DISK', 'UNLOADED', 'FAILED'].includes(v.state);
            return (
              <tr key={id} data-version={id} data-state={v.state}>
                <td class="mono strong">{id}</td>
                <td>
                  <Badge kind={v.state}>{v.state === 'ON_DISK' ? 'on disk' : v.state.toLowerCase()}</Badge>
                  <div class="small muted">{STATE_HELP[v.state]}</div>
                </td>
                <td title={when(v.since)}>{v.since ? ago(v.since) : '–'}</td>
                <td>{when(v.loadedAt)}</td>
                <td class={v.state === 'FAILED' ? 'reason-failed' : 'small'}>
                  {v.detail || '–'}
                  {v.validation && v.validation !== v.detail && <div class="small muted">{v.validation}</div>}
                </td>
                <td class="actions-col">
                  {canLoad && (
                    <button type="button" class="button" disabled={busy} data-action="load" onClick={() => act('load', v)}>
                      Load
                    </button>
                  )}
                  {v.state === 'READY' && (
                    <button type="button" class="button button-primary" disabled={busy} data-action="activate" onClick={() => act('activate', v)}>
                      Activate
                    </button>
                  )}
                  {v.state === 'ACTIVE' && <span class="small muted">serving</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "ctr/2" as {name, version}: a model's name holds no slash. */
function parseId(id) {
  const slash = id.indexOf('/');
  return { name: id.slice(0, slash), version: id.slice(slash + 1) };
}

/** The active version first, then the canary, then the rest by id. */
function servingOrder(models) {
  const role = (id) => (id === models.active ? 0 : models.canary && id === models.canary.version ? 1 : 2);
  return Object.keys(models.live || {}).sort((a, b) => role(a) - role(b) || a.localeCompare(b));
}

const FIGURES = [
  { key: 'requests', label: 'Requests', show: int, help: 'rank requests it scored' },
  { key: 'impressions', label: 'Impressions', show: int },
  { key: 'clicks', label: 'Clicks', show: int },
  { key: 'ctr', label: 'CTR', show: (v) => pct(v, 2), help: 'clicks per impression' },
  { key: 'rpm', label: 'RPM', show: (v) => money(v, 2), help: 'revenue per 1000 requests' },
  { key: 'calibration', label: 'Calibration', show: (v) => num(v, 2), help: 'predicted clicks over observed clicks, in the first slot (models score as if there; lower slots draw fewer clicks): 1.00 is calibrated' },
  { key: 'conversions', label: 'Conversions', show: int },
  { key: 'revenue', label: 'Revenue', show: (v) => money(v, 2), help: 'what the events charged' },
];

/** The versions that ranked requests since the server started, side by side. */
function LiveTable({ models }) {
  const [recent, setRecent] = useState(false);
  const ids = servingOrder(models);
  if (ids.length === 0) {
    return <p class="muted">No version has ranked a request since the server started.</p>;
  }
  const windows = [
    [false, 'Since start'],
    [true, `Last ${models.liveWindowMinutes} min`],
  ];
  return (
    <>
      <div class="filters">
        {windows.map(([value, label]) => (
          <button
            key={label}
            type="button"
            class={recent === value ? 'chip chip-on' : 'chip'}
            aria-pressed={recent === value}
            data-window={value ? 'recent' : 'since-start'}
            onClick={() => setRecent(value)}
          >
            {label}
          </button>
        ))}
        <span class="small muted filters-hint">
          An event counts for the version that served its ad; {int(models.unattributedEvents)} could not be attributed.
        </span>
      </div>
      <div class="table-wrap">
        <table class="table" data-testid="live">
          <thead>
            <tr>
              <th>Version</th>
              {FIGURES.map((f) => (
                <th key={f.key} class="num" title={f.help}>
                  {f.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => {
              const figures = models.live[id][recent ? 'recent' : 'sinceStart'];
              const canary = models.canary && models.canary.version === id;
              return (
                <tr key={id} data-version={id}>
                  <td class="nowrap">
                    <span class="mono strong">{id}</span>{' '}
                    {id === models.active && <Badge kind="active">active</Badge>}
                    {canary && <Badge kind="canary">{`canary ${pct(models.canary.share, 0)}`}</Badge>}
                  </td>
                  {FIGURES.map((f) => (
                    <td key={f.key} class="num" data-figure={f.key}>
                      {f.show(figures[f.key])}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * The canary: while one runs, what share it has and since when, with promote and end (holding it
 * needs nothing); otherwise a form that starts one of a READY version.
 */
function CanaryControls({ models, busy, act }) {
  const candidates = models.versions
    .filter((v) => v.state === 'READY')
    .map((v) => `${v.name}/${v.version}`)
    .sort();
  const [version, setVersion] = useState('');
  const [share, setShare] = useState(DEFAULT_SHARE);
  const [problem, setProblem] = useState(null);
  const chosen = candidates.includes(version) ? version : candidates[0];

  if (models.canary) {
    const c = models.canary;
    return (
      <div class="canary" data-testid="canary">
        <p>
          <strong class="mono">{c.version}</strong> scores {pct(c.share, 1)} of the users (by the hash of their id, so each
          sees one version) beside <strong class="mono">{models.active}</strong>
          {c.since && `, since ${when(c.since)} (${ago(c.since)})`}.
        </p>
        <div class="knob-actions">
          <button type="button" class="button button-primary" disabled={busy} data-action="promote" onClick={() => act('promote')}>
            Promote {c.version}
          </button>
          <button type="button" class="button button-danger" disabled={busy} data-action="end-canary" onClick={() => act('endCanary')}>
            Roll back the canary
          </button>
          <span class="small muted">Hold: leave it running and watch the figures; nothing to click.</span>
        </div>
      </div>
    );
  }
  if (candidates.length === 0) {
    return (
      <p class="muted" data-testid="canary">
        No canary runs. A canary needs a READY version other than the active one: load one above.
      </p>
    );
  }

  function start(e) {
    e.preventDefault();
    const text = share.trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value <= 0 || value >= 1) {
      setProblem(`Share: a number between 0 and 1 (0.1 is a tenth of the users), got "${text}"`);
      return;
    }
    setProblem(null);
    act('canary', parseId(chosen), value);
  }

  return (
    <form class="knobs" onSubmit={start} data-testid="canary">
      <label class="field">
        <span class="field-label">Version</span>
        <select name="canaryVersion" value={chosen} onChange={(e) => setVersion(e.currentTarget.value)}>
          {candidates.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <span class="small muted">a READY version</span>
      </label>
      <label class="field">
        <span class="field-label">Share of users</span>
        <input name="canaryShare" inputMode="decimal" value={share} onInput={(e) => setShare(e.currentTarget.value)} />
        <span class="small muted">between 0 and 1</span>
      </label>
      <div class="knob-actions">
        <button type="submit" class="button button-primary" disabled={busy} data-action="start-canary">
          Start canary
        </button>
      </div>
      {problem && (
        <div class="notice notice-error" role="alert">
          {problem}
        </div>
      )}
    </form>
  );
}

const SHADOW_FIGURES = [
  { key: 'requests', label: 'Scored', show: int, help: 'live requests whose rows it scored again' },
  { key: 'shed', label: 'Shed', show: int, help: 'requests it did not score: shadow work yields to live work' },
  { key: 'meanAbsDelta', label: 'Mean |Δ pCTR|', show: (v) => num(v, 5), help: 'mean over rows of |shadow pCTR − live pCTR|' },
  { key: 'meanShadowPctr', label: 'Mean pCTR', show: (v) => num(v, 5), help: 'the shadow’s mean pCTR over the same rows' },
  { key: 'meanLivePctr', label: 'Live mean pCTR', show: (v) => num(v, 5), help: 'the live version’s mean pCTR over the same rows' },
  { key: 'impressions', label: 'Impressions', show: int, help: 'live impressions whose shadow pCTR was held' },
  { key: 'clicks', label: 'Clicks', show: int },
  { key: 'calibration', label: 'Calibration', show: (v) => num(v, 2), help: 'the shadow’s predicted clicks on the live first-slot impressions over the observed clicks: 1.00 is calibrated' },
  { key: 'liveCalibration', label: 'Live calibration', show: (v) => num(v, 2), help: 'the live version’s, on exactly the same impressions' },
];

/** Every version that ran in shadow since start, compared with the live versions on the same rows. */
function ShadowTable({ models }) {
  const ids = Object.keys(models.shadowFigures || {}).sort();
  if (ids.length === 0) {
    return <p class="muted">No version has run in shadow since the server started.</p>;
  }
  return (
    <div class="table-wrap">
      <table class="table" data-testid="shadow-figures">
        <thead>
          <tr>
            <th>Version</th>
            {SHADOW_FIGURES.map((f) => (
              <th key={f.key} class="num" title={f.help}>
                {f.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => (
            <tr key={id} data-version={id}>
              <td class="nowrap">
                <span class="mono strong">{id}</span>{' '}
                {models.shadow && models.shadow.version === id && <Badge kind="shadow">shadow</Badge>}
              </td>
              {SHADOW_FIGURES.map((f) => (
                <td key={f.key} class="num" data-figure={f.key}>
                  {f.show(models.shadowFigures[id][f.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The shadow: while one runs, since when, with promote and end; otherwise a form that starts one
 * of a READY version.
 */
function ShadowControls({ models, busy, act }) {
  const candidates = models.versions
    .filter((v) => v.state === 'READY')
    .map((v) => `${v.name}/${v.version}`)
    .sort();
  const [version, setVersion] = useState('');
  const chosen = candidates.includes(version) ? version : candidates[0];

  if (models.shadow) {
    const sh = models.shadow;
    return (
      <div class="canary" data-testid="shadow">
        <p>
          <strong class="mono">{sh.version}</strong> scores every request again beside{' '}
          <strong class="mono">{models.active}</strong>, never shown
          {sh.since && `, since ${when(sh.since)} (${ago(sh.since)})`}.
        </p>
        <div class="knob-actions">
          <button type="button" class="button button-primary" disabled={busy} data-action="promote-shadow" onClick={() => act('promoteShadow')}>
            Promote {sh.version}
          </button>
          <button type="button" class="button button-danger" disabled={busy} data-action="end-shadow" onClick={() => act('endShadow')}>
            End the shadow
          </button>
        </div>
      </div>
    );
  }
  if (candidates.length === 0 || !models.active) {
    return (
      <p class="muted" data-testid="shadow">
        No shadow runs. A shadow needs an active version and a READY one beside it: load one above.
      </p>
    );
  }
  return (
    <form
      class="knobs"
      data-testid="shadow"
      onSubmit={(e) => {
        e.preventDefault();
        act('shadow', parseId(chosen));
      }}
    >
      <label class="field">
        <span class="field-label">Version</span>
        <select name="shadowVersion" value={chosen} onChange={(e) => setVersion(e.currentTarget.value)}>
          {candidates.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <span class="small muted">a READY version reading the active one’s feature set</span>
      </label>
      <div class="knob-actions">
        <button type="submit" class="button button-primary" disabled={busy} data-action="start-shadow">
          Start shadow
        </button>
      </div>
    </form>
  );
}

/** The learning loop's rounds, newest first, from GET /admin/api/loop. */
function LearningLoop() {
  const { data, error } = usePoll(() => call('GET', '/admin/api/loop'), LOOP_REFRESH_MS);
  const rounds = data ? [...data.rounds].reverse() : [];
  return (
    <Card title="Learning loop">
      <ErrorBox error={error} title="Could not read the learning loop" />
      {!data && !error && <Spinner />}
      {data && rounds.length === 0 && (
        <p class="muted" data-testid="loop-empty">
          No learning loop is running: <code>adsml demo --loop</code> runs one.
        </p>
      )}
      {rounds.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="loop">
            <thead>
              <tr>
                <th>Judged</th>
                <th>Version</th>
                <th>Against</th>
                <th class="num" title="replay's doubly robust estimate on the active version's logged requests, with its 95% interval">
                  Estimated RPM
                </th>
                <th class="num" title="what the active version realized on those requests">Baseline RPM</th>
                <th class="num" title="effective sample size of replay's weights">ESS</th>
                <th class="num" title="what the canary realized on its own users">Canary RPM</th>
                <th class="num">Canary requests</th>
                <th>Decision</th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={`${r.at}-${r.version}`} data-version={r.version}>
                  <td class="nowrap" title={when(r.at)}>
                    {`${String(r.hour).padStart(2, '0')}:00`}
                  </td>
                  <td class="mono strong">{r.version}</td>
                  <td class="mono">{r.baseline}</td>
                  <td class="num">
                    {money(r.estimatedRpm, 2)}
                    {r.estimatedRpmLow !== null && (
                      <div class="small muted">{`${money(r.estimatedRpmLow, 2)} – ${money(r.estimatedRpmHigh, 2)}`}</div>
                    )}
                  </td>
                  <td class="num">{money(r.baselineLoggedRpm, 2)}</td>
                  <td class="num">{int(r.ess)}</td>
                  <td class="num">{money(r.realizedRpm, 2)}</td>
                  <td class="num">{int(r.canaryRequests)}</td>
                  <td>
                    <Badge kind={r.promoted ? 'active' : 'ended'}>{r.promoted ? 'promoted' : 'canary ended'}</Badge>
                    <div class="small muted">{r.why}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

const KNOBS = [
  { key: 'maxBatchRows', label: 'Max batch rows', help: 'largest batch the scheduler forms', integer: true },
  { key: 'maxQueueDelayMs', label: 'Max queue delay (ms)', help: 'how long a batch may wait to fill; 0 = greedy' },
  { key: 'maxQueuedRows', label: 'Max queued rows', help: 'beyond it new work is shed with 503', integer: true },
  { key: 'serviceTimeSafety', label: 'Service time safety', help: 'factor on the expected scoring time when deciding a deadline is reachable' },
];

/**
 * The server names a knob by its key ("maxBatchRows must be >= 1, was -5"); the page shows it
 * under its label ("Max batch rows: must be >= 1, was -5"). A reason that names no knob is kept.
 */
function knobReason(message) {
  for (const k of KNOBS) {
    for (const name of [k.key, k.key.replace(/Ms$/, '')]) {
      if (message.startsWith(name) && !/^[A-Za-z]/.test(message.slice(name.length))) {
        return `${k.label}: ${message.slice(name.length).replace(/^:?\s*/, '')}`;
      }
    }
  }
  return message;
}

function Scheduler() {
  const { data, error, refresh } = usePoll(() => call('GET', '/admin/api/scheduler'), REFRESH_MS);
  const [form, setForm] = useState(null);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState(null);

  useEffect(() => {
    if (data && form === null) setForm(Object.fromEntries(KNOBS.map((k) => [k.key, String(data.settings[k.key])])));
  }, [data]);

  async function save(e) {
    e.preventDefault();
    const body = {};
    for (const k of KNOBS) {
      const text = form[k.key].trim();
      const value = Number(text);
      if (text === '' || !Number.isFinite(value) || (k.integer && !Number.isInteger(value))) {
        setOutcome({ kind: 'error', text: `${k.label}: expected ${k.integer ? 'a whole number' : 'a number'}, got "${text}"` });
        return;
      }
      if (value !== data.settings[k.key]) body[k.key] = value;
    }
    if (Object.keys(body).length === 0) {
      setOutcome({ kind: 'ok', text: 'Nothing changed.' });
      return;
    }
    setSaving(true);
    try {
      const updated = await call('PUT', '/admin/api/scheduler', { body });
      setForm(Object.fromEntries(KNOBS.map((k) => [k.key, String(updated.settings[k.key])])));
      setOutcome({ kind: 'ok', text: `Scheduler updated: ${KNOBS.filter((k) => k.key in body).map((k) => k.label).join(', ')}.` });
      refresh();
    } catch (err) {
      setOutcome({ kind: 'error', text: `Not changed: ${knobReason(err.message)}` });
    } finally {
      setSaving(false);
    }
  }

  const stats = data && data.stats;
  return (
    <Card title="Batching scheduler">
      <ErrorBox error={error} title="Could not read the scheduler" />
      {!data && !error && <Spinner />}
      {form && (
        <form class="knobs" onSubmit={save} data-testid="knobs">
          {KNOBS.map((k) => (
            <label key={k.key} class="field">
              <span class="field-label">{k.label}</span>
              <input
                name={k.key}
                inputMode="decimal"
                value={form[k.key]}
                onInput={(e) => setForm({ ...form, [k.key]: e.currentTarget.value })}
              />
              <span class="small muted">{k.help}</span>
            </label>
          ))}
          <div class="knob-actions">
            <button type="submit" class="button button-primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save knobs'}
            </button>
            <button
              type="button"
              class="button"
              disabled={saving}
              onClick={() => setForm(Object.fromEntries(KNOBS.map((k) => [k.key, String(data.settings[k.key])])))}
            >
              Reset
            </button>
          </div>
        </form>
      )}
      <Outcome outcome={outcome} onClose={() => setOutcome(null)} />
      {stats && (
        <dl class="stats">
          <div><dt>Queued rows</dt><dd>{int(stats.queuedRows)}</dd></div>
          <div><dt>Jobs admitted</dt><dd>{int(stats.submitted)}</dd></div>
          <div><dt>Batches</dt><dd>{int(stats.batches)}</dd></div>
          <div><dt>Rows scored</dt><dd>{int(stats.rowsScored)}</dd></div>
          <div><dt>Shed</dt><dd>{int(stats.shed)}</dd></div>
          <div><dt>Expired</dt><dd>{int(stats.expired)}</dd></div>
          <div><dt>Failed</dt><dd>{int(stats.failed)}</dd></div>
          <div>
            <dt>Devices</dt>
            <dd>
              {Object.entries(stats.deviceHealth || {}).map(([name, ok]) => (
                <Badge key={name} kind={ok ? 'ready' : 'failed'}>{`${name} ${ok ? 'healthy' : 'down'}`}</Badge>
              ))}
            </dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

/**
 * The funnel's light model: which version cuts retrieval for the heavy model, with the widths, and
 * a swap or an end of the stage. Apart from the registry above: a light model is read, checked and
 * swapped in one call.
 */
function LightModel({ onDisk }) {
  const { data, error, refresh } = usePoll(() => call('GET', '/admin/api/light-model'), REFRESH_MS);
  const [dialog, ask] = useConfirm();
  const [busy, setBusy] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const [version, setVersion] = useState('');
  const candidates = Object.entries(onDisk || {})
    .flatMap(([name, versions]) => versions.map((v) => `${name}/${v}`))
    .sort();
  // By default the newest version of models/light, the folder the server starts its light model from.
  const newestLight = candidates
    .filter((id) => id.startsWith('light/'))
    .sort((a, b) => Number(parseId(b).version) - Number(parseId(a).version))[0];
  const chosen = candidates.includes(version) ? version : (newestLight ?? candidates[0]);

  async function run(question, busyText, method, path, doneText) {
    if (!(await ask(question))) return;
    setOutcome(null);
    setBusy(busyText);
    try {
      const view = await call(method, path, { timeoutMs: LOAD_TIMEOUT_MS });
      setOutcome({ kind: 'ok', text: doneText(view) });
    } catch (e) {
      setOutcome({ kind: 'error', text: `${question.confirm} failed: ${e.message}` });
    } finally {
      setBusy(null);
      refresh();
    }
  }

  function activate(e) {
    e.preventDefault();
    const { name, version: v } = parseId(chosen);
    run(
      {
        title: `Make ${chosen} the light model?`,
        body: `It is read and checked (its feature set declared here, a seeded batch scored as probabilities), then every request retrieves ${int(data.retrieveWidth)} ads and ${chosen} keeps the best ${int(data.maxCandidates)} by its eCPM for the heavy model.`,
        confirm: 'Activate',
      },
      `Reading and checking ${chosen}…`,
      'POST',
      `/admin/api/light-model/${encodeURIComponent(name)}/${encodeURIComponent(v)}/activate`,
      (view) => `${view.active} cuts retrieval now.`,
    );
  }

  function end() {
    run(
      {
        title: 'End the light stage?',
        body: `Retrieval's best ${int(data.maxCandidates)} go straight to the heavy model from the next request.`,
        confirm: 'End',
        danger: true,
      },
      'Ending the light stage…',
      'DELETE',
      '/admin/api/light-model',
      () => 'The light stage ended.',
    );
  }

  return (
    <Card title="Light model (the funnel)">
      {dialog}
      {busy && <Spinner label={busy} />}
      <Outcome outcome={outcome} onClose={() => setOutcome(null)} />
      <ErrorBox error={error} title="Could not read the light model" />
      {data && (
        <>
          <p data-testid="light-model">
            {data.active && data.onScan === data.active ? (
              <>
                <strong class="mono">{data.active}</strong> ({data.featureSet}) ranks every eligible ad on the inventory
                scan, and keeps the best {int(data.maxCandidates)} of the scan's best 1,024 by its eCPM for the heavy
                model{data.since && `, since ${when(data.since)} (${ago(data.since)})`}.
              </>
            ) : data.active ? (
              <>
                <strong class="mono">{data.active}</strong> ({data.featureSet}) scores up to {int(data.retrieveWidth)} retrieved
                ads a request and keeps the best {int(data.maxCandidates)} by its eCPM for the heavy model
                {data.since && `, since ${when(data.since)} (${ago(data.since)})`}.
              </>
            ) : (
              <>No light model: retrieval hands its best {int(data.maxCandidates)} ads straight to the heavy model.</>
            )}
          </p>
          <form class="knobs" onSubmit={activate}>
            <label class="field">
              <span class="field-label">Version</span>
              <select name="lightVersion" value={chosen} onChange={(e) => setVersion(e.currentTarget.value)}>
                {candidates.map((id) => (
                  <option key={id} value={id}>
                    {id}
                  </option>
                ))}
              </select>
              <span class="small muted">models/&lt;name&gt;/&lt;version&gt;, e.g. an LR on light-v1</span>
            </label>
            <div class="knob-actions">
              <button type="submit" class="button button-primary" disabled={!!busy || !chosen} data-action="activate-light">
                Activate
              </button>
              <button type="button" class="button button-danger" disabled={!!busy || !data.active} data-action="end-light" onClick={end}>
                End the light stage
              </button>
            </div>
          </form>
        </>
      )}
    </Card>
  );
}

export function Models() {
  const { data, error, loading, refresh } = usePoll(() => call('GET', '/admin/api/models'), REFRESH_MS);
  const [dialog, ask] = useConfirm();
  const [busy, setBusy] = useState(null);
  const [outcome, setOutcome] = useState(null);

  async function act(action, v, share) {
    const id = v && `${v.name}/${v.version}`;
    const canary = data.canary && data.canary.version;
    const shadow = data.shadow && data.shadow.version;
    const questions = {
      load: {
        title: `Load ${id}?`,
        body: 'It is read from the models folder, validated against the plain-Java reference on a golden batch and warmed up. Live traffic stays on the active version.',
        confirm: 'Load',
      },
      activate: {
        title: `Activate ${id}?`,
        body: `Live traffic switches to ${id} at once; requests in flight finish on ${data.active || 'the current version'}, which stays loaded for a rollback.`,
        confirm: 'Activate',
      },
      rollback: {
        title: 'Roll back?',
        body: `Live traffic goes back to the version that was active before ${data.active}.`,
        confirm: 'Roll back',
        danger: true,
      },
      canary: {
        title: `Start a canary of ${id}?`,
        body: `${id} scores ${pct(share, 1)} of the users (by the hash of their id, so each sees one version); the rest stay on ${data.active || 'the active version'}.`,
        confirm: 'Start canary',
      },
      promote: {
        title: `Promote ${canary}?`,
        body: `Every user goes to ${canary}; ${data.active} stays loaded for a rollback.`,
        confirm: 'Promote',
      },
      endCanary: {
        title: `Roll back the canary ${canary}?`,
        body: `Every user goes back to ${data.active}; ${canary} stays loaded.`,
        confirm: 'End canary',
        danger: true,
      },
      shadow: {
        title: `Start a shadow of ${id}?`,
        body: `${id} scores every request again after ${data.active || 'the active version'} has, never shown; its predictions are only compared. Shadow work yields to live work and is shed first.`,
        confirm: 'Start shadow',
      },
      promoteShadow: {
        title: `Promote ${shadow}?`,
        body: `Every user goes to ${shadow}, which ends the shadow; ${data.active} stays loaded for a rollback.`,
        confirm: 'Promote',
      },
      endShadow: {
        title: `End the shadow ${shadow}?`,
        body: `No request is scored by ${shadow} any more; it stays loaded, and its figures stay.`,
        confirm: 'End shadow',
        danger: true,
      },
    };
    if (!(await ask(questions[action]))) return;
    setOutcome(null);
    const busyText = {
      load: `Loading ${id}: validating and warming up…`,
      activate: `Activating ${id}…`,
      rollback: 'Rolling back…',
      canary: `Starting the canary of ${id}…`,
      promote: `Promoting ${canary}…`,
      endCanary: `Ending the canary ${canary}…`,
      shadow: `Starting the shadow of ${id}…`,
      promoteShadow: `Promoting ${shadow}…`,
      endShadow: `Ending the shadow ${shadow}…`,
    };
    setBusy(busyText[action]);
    try {
      const versionPath = (name, version) => `/admin/api/models/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
      const [method, path] = {
        rollback: () => ['POST', '/admin/api/models/rollback'],
        canary: () => ['POST', `${versionPath(v.name, v.version)}/canary?share=${encodeURIComponent(share)}`],
        promote: () => ['POST', `${versionPath(parseId(canary).name, parseId(canary).version)}/activate`],
        endCanary: () => ['DELETE', '/admin/api/models/canary'],
        promoteShadow: () => ['POST', `${versionPath(parseId(shadow).name, parseId(shadow).version)}/activate`],
        endShadow: () => ['DELETE', '/admin/api/models/shadow'],
      }[action]?.() ?? ['POST', `${versionPath(v.name, v.version)}/${action}`];
      const info = await call(method, path, { timeoutMs: action === 'load' ? LOAD_TIMEOUT_MS : undefined });
      const done = `${info.name}/${info.version}`;
      const texts = {
        load: () => `${done} is ${info.state.toLowerCase()}: ${info.detail}`,
        activate: () => `${done} is now active: new requests are scored by it.`,
        rollback: () => `Rolled back: ${done} is active again.`,
        canary: () => `${done} is the canary for ${pct(share, 1)} of the users.`,
        promote: () => `${done} is promoted: every request is scored by it.`,
        endCanary: () => `The canary ended: every user is back on ${data.active}.`,
        shadow: () => `${done} is the shadow: it scores every request again, never shown.`,
        promoteShadow: () => `${done} is promoted: every request is scored by it.`,
        endShadow: () => `The shadow ${done} ended.`,
      };
      setOutcome({ kind: 'ok', text: texts[action]() });
    } catch (e) {
      setOutcome({ kind: 'error', text: `${questions[action].confirm} failed: ${e.message}` });
    } finally {
      setBusy(null);
      refresh();
    }
  }

  // Rollback returns to the version active before the current one, which the registry keeps READY;
  // with no other READY version there is certainly none.
  const rollbackTarget = data && data.active && data.versions.some((v) => v.state === 'READY' && `${v.name}/${v.version}` !== data.active);
  const rollbackHint = !data || !data.active
    ? 'No version is active.'
    : rollbackTarget
      ? `Goes back to the version that was active before ${data.active} (a version loaded but never activated is not one).`
      : `Nothing to roll back to: no version was active before ${data.active} and is still loaded.`;

  return (
    <div class="page">
      <div class="page-head">
        <h1>Models</h1>
        <p class="muted">Versions live under the data folder's models/&lt;name&gt;/&lt;version&gt;/. Refreshes every 2 s.</p>
      </div>
      {dialog}
      <Card
        title="Model versions"
        actions={
          data && (
            <>
              <span class="muted">
                Active: <strong class="mono" data-testid="active-version">{data.active || 'none'}</strong>
              </span>
              <button
                type="button"
                class="button"
                disabled={!!busy || !rollbackTarget}
                title={rollbackHint}
                data-action="rollback"
                onClick={() => act('rollback')}
              >
                Roll back
              </button>
              {!rollbackTarget && <span class="small muted" data-testid="rollback-hint">nothing to roll back to</span>}
            </>
          )
        }
      >
        {busy && <Spinner label={busy} />}
        <Outcome outcome={outcome} onClose={() => setOutcome(null)} />
        <ErrorBox error={error} title="Could not list the versions" />
        {loading && !data && <Spinner />}
        {data && <VersionTable models={data} busy={!!busy} act={act} />}
      </Card>
      <Card title="Live, by version">
        {data && <LiveTable models={data} />}
        {data && <CanaryControls models={data} busy={!!busy} act={act} />}
      </Card>
      <Card title="Shadow">
        {data && <ShadowTable models={data} />}
        {data && <ShadowControls models={data} busy={!!busy} act={act} />}
      </Card>
      <LightModel onDisk={data && data.onDisk} />
      <LearningLoop />
      <Scheduler />
    </div>
  );
}
