// Small pieces every page uses: polling, inline errors and outcomes, the confirmation dialog.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Calls load() now and every intervalMs, never two at once; keeps the last good data while a
 * later call fails, so a page shows both what it knew and why it could not refresh.
 */
export function usePoll(load, intervalMs, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    async function run() {
      try {
        const data = await load();
        if (!stopped) setState({ data, error: null, loading: false });
      } catch (e) {
        if (!stopped) setState((s) => ({ data: s.data, error: e.message, loading: false }));
      }
      if (!stopped && intervalMs) timer = setTimeout(run, intervalMs);
    }
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refresh };
}

export function Spinner({ label = 'Loading…' }) {
  return (
    <span class="spinner" role="status">
      <span class="spinner-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** A failed call's reason, where the call was made. */
export function ErrorBox({ error, title = 'Request failed' }) {
  if (!error) return null;
  return (
    <div class="notice notice-error" role="alert">
      <strong>{title}:</strong> {error}
    </div>
  );
}

/** The outcome of an action: {kind: 'ok' | 'error', text}. */
export function Outcome({ outcome, onClose }) {
  if (!outcome) return null;
  return (
    <div class={`notice notice-${outcome.kind}`} role={outcome.kind === 'error' ? 'alert' : 'status'} data-testid="outcome">
      <span>{outcome.text}</span>
      {onClose && (
        <button type="button" class="link" onClick={onClose} aria-label="Dismiss">
          dismiss
        </button>
      )}
    </div>
  );
}

export function Badge({ kind, children }) {
  return <span class={`badge badge-${String(kind).toLowerCase().replace(/_/g, '-')}`}>{children}</span>;
}

export function Card({ title, actions, children, class: extra = '' }) {
  return (
    <section class={`card ${extra}`}>
      {(title || actions) && (
        <header class="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

/**
 * A confirmation dialog. Returns [dialog, ask]: render dialog somewhere on the page; ask(question)
 * resolves true when the user confirms.
 */
export function useConfirm() {
  const [pending, setPending] = useState(null);
  const confirmRef = useRef(null);
  useEffect(() => {
    if (pending && confirmRef.current) confirmRef.current.focus();
  }, [pending]);
  const ask = useCallback(
    ({ title, body, confirm = 'Confirm', danger = false }) =>
      new Promise((resolve) => setPending({ title, body, confirm, danger, resolve })),
    [],
  );
  function close(answer) {
    pending.resolve(answer);
    setPending(null);
  }
  const dialog = pending && (
    <div class="overlay" onKeyDown={(e) => e.key === 'Escape' && close(false)}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h3 id="dialog-title">{pending.title}</h3>
        <div class="dialog-body">{pending.body}</div>
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => close(false)}>
            Cancel
          </button>
          <button
            type="button"
            ref={confirmRef}
            class={pending.danger ? 'button button-danger' : 'button button-primary'}
            data-testid="confirm"
            onClick={() => close(true)}
          >
            {pending.confirm}
          </button>
        </div>
      </div>
    </div>
  );
  return [dialog, ask];
}
