// Cluster: GET /admin/api/cluster. The members as this node sees them (Pekko's status and
// reachability), each reachable node's model version, readiness and load, and the version the
// cluster's rollouts last left: a rollout shows here as the nodes' versions moving together.

import { call } from '../api.js';
import { Badge, Card, ErrorBox, Spinner, usePoll } from '../components.jsx';
import { num } from '../format.js';

const REFRESH_MS = 2000;

function Head() {
  return (
    <div class="page-head">
      <h1>Cluster</h1>
      <p class="muted">The nodes serving as one: their members' state, versions and load.</p>
    </div>
  );
}

export function Cluster() {
  const { data, error, loading } = usePoll(() => call('GET', '/admin/api/cluster'), REFRESH_MS);
  if (loading && !data) return <Spinner />;
  if (!data) {
    return (
      <div class="page">
        <Head />
        <ErrorBox error={error} title="No cluster view" />
      </div>
    );
  }
  if (!data.enabled) {
    return (
      <div class="page">
        <Head />
        <Card>
          <p data-testid="single-node">
            This adsml runs as a single node. <code>adsml serve --cluster</code> makes it one of a Pekko cluster that
            shares ad writes, budgets, event counts and model rollouts (docs/CLUSTER.md);{' '}
            <code>adsml cluster-demo</code> shows three nodes through a kill and a rollout.
          </p>
        </Card>
      </div>
    );
  }
  const statusOf = new Map(data.nodes.map((n) => [n.node, n]));
  return (
    <div class="page">
      <Head />
      <Card title="Members">
        <p class="small muted">
          Seen from {data.self}. The cluster serves <strong>{data.servedVersion || 'the version each node started with'}</strong>
          {error && <span class="text-bad"> (last refresh failed: {error.message})</span>}
        </p>
        {data.layout && (
          <p class="small muted" data-testid="layout">
            Flat layout: this node holds partition {data.layout.partition} of {data.layout.partitions} of the index
            and finds {data.layout.partitionsFound} of them;{' '}
            <span class={data.layout.partial > 0 ? 'text-bad' : ''}>
              {data.layout.partial} of its {data.layout.retrievals} retrievals went without some partition
            </span>
            .
          </p>
        )}
        <div class="table-wrap">
          <table class="table" data-testid="members">
            <thead>
              <tr>
                <th>node</th>
                <th>member</th>
                <th>model version</th>
                <th>ready</th>
                <th class="num">rank/s</th>
                <th class="num">p99 ms</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => {
                const s = statusOf.get(m.node);
                const behind = s && data.servedVersion && s.activeVersion !== data.servedVersion;
                return (
                  <tr key={m.node} data-node={m.node}>
                    <td>
                      {m.node} {m.self && <Badge kind="active">this node</Badge>}
                    </td>
                    <td>
                      <Badge kind={m.reachable && m.status === 'Up' ? 'ready' : 'failed'}>
                        {m.reachable ? m.status : `${m.status}, unreachable`}
                      </Badge>
                    </td>
                    <td class={behind ? 'text-bad' : ''}>
                      {s ? s.activeVersion || 'none' : '—'}
                      {s && s.canary && <Badge kind="canary">{`canary ${s.canary}`}</Badge>}
                    </td>
                    <td>{s ? (s.load.ready ? 'yes' : 'no') : '—'}</td>
                    <td class="num">{s ? num(s.load.rankQps, 1) : '—'}</td>
                    <td class="num">{s && s.load.rankP99Ms != null ? num(s.load.rankP99Ms, 1) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p class="small muted">
          Activating, rolling back or starting a canary on the Models page changes every reachable node: the version is
          loaded and validated on all of them before any switches, and a node that cannot load it stops the rollout.
        </p>
      </Card>
    </div>
  );
}
