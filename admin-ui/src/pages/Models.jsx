// Models: every version with its state, load/activate/roll back with a confirmation each, and
// the batching scheduler's knobs.

import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import { Badge, Card, ErrorBox, Outcome, Spinner, useConfirm, usePoll } from '../components.jsx';
import { ago, int, when } from '../format.js';

const REFRESH_MS = 2000;
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
      if (!known.has(`${name}/${version}`)) all.push({ name, version, state: 'ON_DISK', since: null, detail: '', loadedAt: null });
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
                <td class={v.state === 'FAILED' ? 'reason-failed' : 'small'}>{v.detail || '–'}</td>
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

export function Models() {
  const { data, error, loading, refresh } = usePoll(() => call('GET', '/admin/api/models'), REFRESH_MS);
  const [dialog, ask] = useConfirm();
  const [busy, setBusy] = useState(null);
  const [outcome, setOutcome] = useState(null);

  async function act(action, v) {
    const id = v && `${v.name}/${v.version}`;
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
    };
    if (!(await ask(questions[action]))) return;
    setOutcome(null);
    setBusy(action === 'load' ? `Loading ${id}: validating and warming up…` : action === 'activate' ? `Activating ${id}…` : 'Rolling back…');
    try {
      const path =
        action === 'rollback'
          ? '/admin/api/models/rollback'
          : `/admin/api/models/${encodeURIComponent(v.name)}/${encodeURIComponent(v.version)}/${action}`;
      const info = await call('POST', path, { timeoutMs: action === 'load' ? LOAD_TIMEOUT_MS : undefined });
      const done = `${info.name}/${info.version}`;
      setOutcome({
        kind: 'ok',
        text:
          action === 'load'
            ? `${done} is ${info.state.toLowerCase()}: ${info.detail}`
            : action === 'activate'
              ? `${done} is now active: new requests are scored by it.`
              : `Rolled back: ${done} is active again.`,
      });
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
      <Scheduler />
    </div>
  );
}
