// What a run leaves behind when cleanup is abandoned: every item it made and has not removed, with
// the command that removes it; nothing once cleanup finished.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import { LeftBehind } from '../../../harness/run/left-behind.ts';
import { stackRecord } from '../../../harness/run/stack-record.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';
import type { FakeBehaviour } from '../../support/fake-cluster.ts';
import { fixtureCatalog } from '../../support/fixture-catalog.ts';

async function runWith(behaviour: FakeBehaviour, options: { reuseCluster?: string } = {}) {
  const { catalog } = loadCatalog(fixtureCatalog);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error('fixture catalog does not load');
  // A reused cluster carries the record of the stack it was made for (harness/run/stack-record.ts).
  if (options.reuseCluster)
    behaviour = { ...behaviour, configMaps: { 'kube-system/gauntlet-stack': stackRecord(stack) } };
  const plan = planRun(catalog, stack, { runId: 'test01', image: 'gauntlet-probe:test' });
  const resultsDir = mkdtempSync(join(tmpdir(), 'gauntlet-left-'));
  const leftBehind = new LeftBehind();
  try {
    await runOnFakeWorld(
      plan,
      new FakeWorld(behaviour),
      () => ({ verdict: 'reached', reason: 'x' }),
      { resultsDir, ...options },
      { leftBehind },
    );
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
  return leftBehind;
}

test('a run that cleaned up leaves nothing', async (t) => {
  t.deepEqual((await runWith({})).lines(), ['nothing was left behind']);
});

test('a cluster whose deletion failed is listed with the command that deletes it', async (t) => {
  const left = await runWith({ failSteps: new Set(['delete cluster']) });
  t.deepEqual(left.items(), [
    { what: 'kind cluster gauntlet-test01', remove: 'kind delete cluster --name gauntlet-test01' },
  ]);
});

test('on a reused cluster, instances whose namespaces could not be deleted are listed', async (t) => {
  const left = await runWith({ failSteps: new Set(['delete namespaces']) }, { reuseCluster: 'gauntlet-old' });
  t.deepEqual(
    left.items().map((item) => item.what),
    [
      'namespaces and global policies of udp-escape/open',
      'namespaces and global policies of udp-escape/locked',
    ],
  );
  t.regex(
    left.items()[0]?.remove ?? '',
    /^kubectl --kubeconfig \S+ delete namespaces,globalnetworkpolicies\.projectcalico\.org -l gauntlet\.dev\/instance=/,
  );
});
