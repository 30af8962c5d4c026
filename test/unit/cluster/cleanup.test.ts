// `gauntlet cleanup` against the fake API server: deletes namespaces and GlobalNetworkPolicies
// carrying gauntlet.dev/run (one run's, or all), nothing else even when the server ignores the
// selector, never a system namespace, and a second pass finds nothing to do.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { cleanupCluster, describeCleanup } from '../../../harness/cluster/cleanup.ts';
import { connectCluster } from '../../../harness/cluster/kubernetes-cluster.ts';
import { startFakeApiServer } from './helpers/fake-api-server.ts';
import type { Json } from './helpers/fake-cluster-state.ts';
import { FakeClusterState, groupsWithout, servedGroups } from './helpers/fake-cluster-state.ts';
import type { FakeStateOptions } from './helpers/fake-cluster-state.ts';
import { baseObjects, namespaceObject } from './helpers/realistic-objects.ts';

const never = new AbortController().signal;

function policy(name: string, labels: Record<string, string>): Json {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name, labels },
    spec: { namespaceSelector: "gauntlet.dev/instance == 'x'", selector: 'all()', types: ['Egress'] },
  };
}

function world(): Json[] {
  return [
    ...baseObjects,
    namespaceObject('gauntlet-r1aaaa-udp-escape-open-shop-1a2b', { 'gauntlet.dev/run': 'r1aaaa' }),
    namespaceObject('gauntlet-r1aaaa-nodes', { 'gauntlet.dev/run': 'r1aaaa' }),
    namespaceObject('gauntlet-r2bbbb-l7-methods-open-shop-9f8e', { 'gauntlet.dev/run': 'r2bbbb' }),
    namespaceObject('payments', { team: 'payments' }),
    // Someone labelled a system namespace: it must still never be deleted.
    namespaceObject('istio-system', { 'gauntlet.dev/run': 'oops' }),
    policy('attacker-dns-only-r1aaaa-1a2b3', {
      'gauntlet.dev/run': 'r1aaaa',
      'gauntlet.dev/instance': 'r1aaaa-1a2b3',
    }),
    policy('platform-default-deny', { owner: 'platform' }),
  ];
}

async function setup(t: ExecutionContext, options: FakeStateOptions = {}) {
  const state = new FakeClusterState(world(), options);
  const server = await startFakeApiServer({ handle: state.handle, groups: options.groups ?? servedGroups });
  t.teardown(() => server.close());
  return { state, server, cluster: connectCluster(server.kubeconfigPath, { retry: { attempts: 1 } }) };
}

const namespaces = (state: FakeClusterState) =>
  state
    .list('v1', 'namespaces')
    .map((object) => String((object['metadata'] as Json)['name']))
    .sort();
const policies = (state: FakeClusterState) =>
  state
    .list('projectcalico.org/v3', 'globalnetworkpolicies')
    .map((object) => String((object['metadata'] as Json)['name']));

test('one run: its namespaces and global policies go, everything else stays; a second pass does nothing', async (t) => {
  const { state, cluster, server } = await setup(t);
  const first = await cleanupCluster(cluster, { runId: 'r1aaaa', signal: never });
  t.deepEqual(
    first.items.map((item) => `${item.state} ${item.kind} ${item.name}`),
    [
      'deleted GlobalNetworkPolicy attacker-dns-only-r1aaaa-1a2b3',
      'deleted Namespace gauntlet-r1aaaa-udp-escape-open-shop-1a2b',
      'deleted Namespace gauntlet-r1aaaa-nodes',
    ],
  );
  t.deepEqual(policies(state), ['platform-default-deny']);
  t.true(
    namespaces(state).includes('gauntlet-r2bbbb-l7-methods-open-shop-9f8e'),
    'another run’s namespace stays',
  );
  t.true(namespaces(state).includes('payments'));
  const deletesBefore = server.requests.filter((request) => request.method === 'DELETE').length;
  const second = await cleanupCluster(cluster, { runId: 'r1aaaa', signal: never });
  t.deepEqual(second.items, []);
  t.is(
    server.requests.filter((request) => request.method === 'DELETE').length,
    deletesBefore,
    'nothing deleted twice',
  );
  t.deepEqual(describeCleanup(second, 'staging'), [
    'nothing labelled gauntlet.dev/run=r1aaaa on context staging: nothing to delete',
  ]);
  t.true(
    server.requests
      .filter(
        (request) => request.method === 'GET' && /namespaces$|globalnetworkpolicies$/.test(request.path),
      )
      .every((request) => request.query.get('labelSelector') === 'gauntlet.dev/run=r1aaaa'),
  );
});

test('every run: whatever carries the label; a labelled system namespace is named and left alone', async (t) => {
  const { state, cluster } = await setup(t);
  const report = await cleanupCluster(cluster, { signal: never });
  t.deepEqual(report.refused, ['istio-system']);
  t.deepEqual(namespaces(state), ['calico-system', 'default', 'istio-system', 'kube-system', 'payments']);
  t.deepEqual(policies(state), ['platform-default-deny']);
  t.regex(
    describeCleanup(report, 'staging').join('\n'),
    /left alone: namespace istio-system carries gauntlet\.dev\/run/,
  );
});

test('a server that ignores the selector still gets nothing unlabelled deleted', async (t) => {
  const { state, cluster } = await setup(t, { ignoreSelectors: true });
  await cleanupCluster(cluster, { runId: 'r2bbbb', signal: never });
  t.deepEqual(policies(state), ['attacker-dns-only-r1aaaa-1a2b3', 'platform-default-deny']);
  t.deepEqual(
    namespaces(state).filter((name) => name.startsWith('gauntlet-')),
    ['gauntlet-r1aaaa-nodes', 'gauntlet-r1aaaa-udp-escape-open-shop-1a2b'],
  );
  t.true(namespaces(state).includes('payments'));
});

test('dry run lists and deletes nothing; without Calico’s API only namespaces are looked at', async (t) => {
  const { state, cluster, server } = await setup(t);
  const report = await cleanupCluster(cluster, { dryRun: true, signal: never });
  t.true(report.items.every((item) => item.state === 'would delete'));
  t.is(server.requests.filter((request) => request.method === 'DELETE').length, 0);
  t.is(policies(state).length, 2);

  const bare = await setup(t, { groups: groupsWithout('projectcalico.org/v3') });
  await cleanupCluster(bare.cluster, { runId: 'r1aaaa', signal: never });
  t.false(bare.server.requests.some((request) => request.path.includes('globalnetworkpolicies')));
});

test('namespaces that are still terminating are reported as such, not deleted again', async (t) => {
  const { cluster, server } = await setup(t, { namespacesTerminate: true });
  await cleanupCluster(cluster, { runId: 'r1aaaa', signal: never });
  const deletes = server.requests.filter((request) => request.method === 'DELETE').length;
  const again = await cleanupCluster(cluster, { runId: 'r1aaaa', signal: never });
  t.deepEqual(
    again.items.map((item) => `${item.state} ${item.kind} ${item.name}`),
    [
      'terminating Namespace gauntlet-r1aaaa-udp-escape-open-shop-1a2b',
      'terminating Namespace gauntlet-r1aaaa-nodes',
    ],
  );
  t.is(server.requests.filter((request) => request.method === 'DELETE').length, deletes);
});
