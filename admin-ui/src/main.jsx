// The admin UI's shell: asks for the admin token once per tab, then shows one of six pages,
// chosen by the address (/admin/overview, /admin/models, /admin/explain, /admin/ads,
// /admin/market, /admin/cluster).

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, onUnauthorized, storedToken, storeToken } from './api.js';
import { Spinner, usePoll } from './components.jsx';
import { Ads } from './pages/Ads.jsx';
import { Cluster } from './pages/Cluster.jsx';
import { Explain } from './pages/Explain.jsx';
import { Market } from './pages/Market.jsx';
import { Models } from './pages/Models.jsx';
import { Overview } from './pages/Overview.jsx';
import './style.css';

const PAGES = [
  { path: 'overview', title: 'Overview', Page: Overview },
  { path: 'models', title: 'Models', Page: Models },
  { path: 'explain', title: 'Ranking explainer', Page: Explain },
  { path: 'ads', title: 'Ads', Page: Ads },
  { path: 'market', title: 'Simulated day', Page: Market },
  { path: 'cluster', title: 'Cluster', Page: Cluster },
];

function pageFromAddress() {
  const first = location.pathname.replace(/^\/admin\/?/, '').split('/')[0];
  return PAGES.find((p) => p.path === first) || PAGES[0];
}

function Login({ reason, onToken }) {
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState(reason);

  async function submit(e) {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError('Enter the admin token.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      await call('GET', '/admin/api/models', { token });
      storeToken(token);
      onToken();
    } catch (err) {
      setError(
        err.status === 401
          ? 'That token was refused. Use the admin token that adsml printed when it started ("admin token: ...").'
          : `Could not check the token: ${err.message}`,
      );
    } finally {
      setChecking(false);
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit}>
        <h1>
          <span class="logo" aria-hidden="true" />
          adsml admin
        </h1>
        <p>
          Enter the admin token. <code>adsml demo</code> and <code>adsml serve</code> print it at start-up (
          <code>admin token: …</code>); a fixed one comes from <code>adsml.http.admin-token</code> or{' '}
          <code>--admin-token</code>. It is kept for this tab only.
        </p>
        <label class="field">
          <span class="field-label">Admin token</span>
          <input
            name="token"
            type="password"
            autocomplete="current-password"
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            autofocus
          />
        </label>
        {error && (
          <div class="notice notice-error" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <button type="submit" class="button button-primary" disabled={checking} data-action="sign-in">
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function ActiveModel() {
  const { data, error } = usePoll(() => call('GET', '/admin/api/models'), 5000);
  if (error && !data) return <span class="topbar-status topbar-bad">server unreachable</span>;
  if (!data) return <Spinner label="" />;
  return (
    <span class={`topbar-status ${data.active ? '' : 'topbar-bad'}`} title={error || ''}>
      serving <strong class="mono">{data.active || 'no model'}</strong>
    </span>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(!!storedToken());
  const [reason, setReason] = useState(null);
  const [page, setPage] = useState(pageFromAddress());

  useEffect(() => {
    onUnauthorized(() => {
      storeToken(null);
      setReason('The server refused the stored token (it changes when the server restarts without a fixed one). Sign in again.');
      setSignedIn(false);
    });
    const onPop = () => setPage(pageFromAddress());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    document.title = `${page.title} · adsml admin`;
  }, [page]);

  function navigate(href, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    setPage(pageFromAddress());
  }

  if (!signedIn) {
    return (
      <Login
        reason={reason}
        onToken={() => {
          setReason(null);
          setSignedIn(true);
        }}
      />
    );
  }

  const { Page } = page;
  return (
    <>
      <header class="topbar">
        <a class="brand" href="/admin/overview" onClick={(e) => { e.preventDefault(); navigate('/admin/overview'); }}>
          <span class="logo" aria-hidden="true" />
          adsml admin
        </a>
        <nav class="tabs">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={`/admin/${p.path}`}
              class={p === page ? 'tab tab-on' : 'tab'}
              aria-current={p === page ? 'page' : undefined}
              data-page={p.path}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/admin/${p.path}`);
              }}
            >
              {p.title}
            </a>
          ))}
        </nav>
        <div class="topbar-right">
          <ActiveModel />
          <button
            type="button"
            class="button button-quiet"
            onClick={() => {
              storeToken(null);
              setReason(null);
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main class="content">
        <Page key={page.path} navigate={navigate} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
