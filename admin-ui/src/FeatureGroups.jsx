// One candidate's features as the model was served them, under their declared groups. A set can
// have a thousand columns, so only open groups are drawn, and a filter narrows every group to the
// names that match.

import { useMemo, useState } from 'preact/hooks';
import { feature, int } from './format.js';

/** Changes between two requests for the same user and ad, so it is what a reader looks at first. */
const FIRST = 'realtime';

/**
 * The groups to show, realtime first and the rest in the set's order, each with its names in
 * column order. A name the groups do not list (a server without featureGroups) lands in "other".
 */
function ordered(groups, features) {
  const entries = Object.entries(groups || {});
  entries.sort(([a], [b]) => (a === FIRST ? -1 : b === FIRST ? 1 : 0));
  const listed = new Set(entries.flatMap(([, names]) => names));
  const rest = Object.keys(features).filter((n) => !listed.has(n));
  if (rest.length) entries.push(['other', rest]);
  return entries;
}

export function FeatureGroups({ features, groups }) {
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState({ [FIRST]: true });
  const all = useMemo(() => ordered(groups, features), [groups, features]);
  const needle = filter.trim().toLowerCase();
  const shown = useMemo(
    () =>
      all
        .map(([group, names]) => [group, names, needle ? names.filter((n) => n.toLowerCase().includes(needle)) : names])
        .filter(([, , matching]) => !needle || matching.length > 0),
    [all, needle],
  );
  const total = all.reduce((n, [, names]) => n + names.length, 0);
  const matches = shown.reduce((n, [, , matching]) => n + matching.length, 0);
  // While filtering, a group with matches opens unless the reader closed it: the matches are the answer.
  const isOpen = (group) => open[group] ?? (needle !== '' || all.length === 1);
  const setAll = (value) => setOpen(Object.fromEntries(all.map(([g]) => [g, value])));

  function onFilter(e) {
    const value = e.currentTarget.value;
    if ((value.trim() === '') !== (needle === '')) setOpen(value.trim() ? {} : { [FIRST]: true });
    setFilter(value);
  }

  return (
    <div class="feature-groups" data-testid="feature-groups">
      <div class="feature-tools">
        <input
          type="search"
          name="featureFilter"
          placeholder="Filter feature names, e.g. ctr_1h"
          aria-label="Filter feature names"
          value={filter}
          onInput={onFilter}
          autocomplete="off"
        />
        <span class="small muted" data-testid="feature-count">
          {needle ? `${int(matches)} of ${int(total)} features match` : `${int(total)} features in ${all.length} groups`}
        </span>
        <span class="feature-tools-actions">
          <button type="button" class="button button-small" onClick={() => setAll(true)}>
            Expand all
          </button>
          <button type="button" class="button button-small" onClick={() => setAll(false)}>
            Collapse all
          </button>
        </span>
      </div>
      {shown.length === 0 && <p class="muted">No feature name contains “{filter.trim()}”.</p>}
      {shown.map(([group, names, matching]) => {
        const expanded = isOpen(group);
        return (
          <section key={group} class="feature-group" data-group={group} data-open={expanded}>
            <button
              type="button"
              class="feature-group-head"
              aria-expanded={expanded}
              onClick={() => setOpen({ ...open, [group]: !expanded })}
            >
              <span class="caret" aria-hidden="true">
                {expanded ? '▾' : '▸'}
              </span>
              <span class="strong">{group}</span>
              <span class="small muted">
                {needle ? `${int(matching.length)} of ${int(names.length)}` : int(names.length)}
              </span>
            </button>
            {expanded && (
              <dl class="feature-list">
                {matching.map((name) => (
                  <div key={name} class="feature" data-feature={name} title={`${name} = ${features[name]}`}>
                    <dt class="mono">{name}</dt>
                    <dd class="mono">{feature(features[name])}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        );
      })}
    </div>
  );
}
