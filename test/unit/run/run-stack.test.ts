// Orchestration against a fake cluster: order of steps, cleanup on failure and on abort, admission
// denial as an observation, parallelism bound, one exec per source pod, retry of lost results only.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import type { Catalog } from '../../../harness/catalog/catalog.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import { sourceKey } from '../../../harness/plan/plan-probes.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import type { RunEvent } from '../../../harness/run/events.ts';
import type { RunOptions } from '../../../harness/run/run-stack.ts';
import { stackRecord } from '../../../harness/run/stack-record.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';
import type { FakeBehaviour } from '../../support/fake-cluster.ts';
import { fixtureCatalog } from '../../support/fixture-catalog.ts';

const classify: Classify = (observation) => {
  switch (observation.outcome) {
    case 'connected':
      return { verdict: 'reached', reason: 'echo answered' };
    case 'timeout':
      return { verdict: 'blocked', layer: 'network-policy', reason: 'dropped' };
    case 'denied-at-admission':
      return { verdict: 'blocked', layer: 'admission', reason: String(observation['message']) };
    default:
      return { verdict: 'inconclusive', reason: String(observation['message'] ?? observation.outcome) };
  }
};

const options: RunOptions = {
  parallel: 2,
  keepCluster: false,
  resultsDir: '',
  readyTimeoutMs: 1000,
  settleMs: 0,
  inconclusiveRetries: 2,
  keepNamespaces: false,
};

/** A reused cluster as `--keep-cluster` left it: with the record of the stack it was made for. */
function madeFor(stack: string): FakeBehaviour {
  const found = catalog().stacks.get(stack);
  if (!found) throw new Error(`no ${stack} in the fixture`);
  return { configMaps: { 'kube-system/gauntlet-stack': stackRecord(found) } };
}

function catalog(): Catalog {
  const { catalog } = loadCatalog(fixtureCatalog);
  if (!catalog) throw new Error('fixture catalog does not load');
  return catalog;
}

async function run(
  behaviour: FakeBehaviour,
  overrides: Partial<RunOptions> = {},
  controller = new AbortController(),
) {
  const world = new FakeWorld(behaviour);
  const resultsDir = mkdtempSync(join(tmpdir(), 'gauntlet-run-test-'));
  try {
    return await runIn(world, resultsDir, overrides, controller);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

async function runIn(
  world: FakeWorld,
  resultsDir: string,
  overrides: Partial<RunOptions>,
  controller: AbortController,
) {
  const loaded = catalog();
  const stack = loaded.stacks.get('calico-ambient');
  if (!stack) throw new Error('no calico-ambient in the fixture');
  const plan = planRun(loaded, stack, { runId: 'test01', image: 'gauntlet-probe:test' });
  const events: RunEvent[] = [];
  const outcome = await runOnFakeWorld(
    plan,
    world,
    classify,
    { ...options, resultsDir, ...overrides },
    {
      emit: (event) => events.push(event),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      signal: controller.signal,
    },
  );
  return { world, outcome, events, plan };
}

test('steps run in order and everything is torn down in reverse', async (t) => {
  const { world, outcome } = await run({});
  t.is(outcome.error, undefined);
  const steps = world.log.filter((line) => !/^(apply|delete gauntlet|node diagnostics)/.test(line));
  t.deepEqual(steps, [
    'create cluster',
    'install calico',
    'install istio',
    'load image',
    'start relay',
    'stop externals',
    'delete cluster',
  ]);
  t.is(world.live.size, 0, 'every instance namespace set was deleted');
  t.is(outcome.flows.length, 4, '2 probes x 2 variants');
});

test('per instance: namespaces, then workloads, then policies', async (t) => {
  const { world, plan } = await run({});
  for (const instance of plan.instances) {
    const applies = world.log
      .filter((line) => line.startsWith(`apply ${instance.id}:`))
      .map((line) => line.split(': ')[1]);
    const expected = ['Namespace,ServiceAccount', 'Deployment'];
    if (instance.objects.policies.length > 0) expected.push('NetworkPolicy');
    t.deepEqual(applies, expected, instance.name);
  }
});

test('a failed provisioning step stops the run, reports it, and still deletes the cluster', async (t) => {
  const { world, outcome } = await run({ failSteps: new Set(['install istio']) });
  t.regex(outcome.error ?? '', /install istio failed on purpose/);
  t.deepEqual(world.log, [
    'create cluster',
    'apply -: ConfigMap',
    'install calico',
    'install istio',
    'delete cluster',
  ]);
  t.is(outcome.flows.length, 0);
});

test('an abort mid-provisioning cleans up what was made', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 30);
  const { world, outcome } = await run({ stepDelayMs: 20 }, {}, controller);
  t.true(outcome.aborted);
  t.true(world.log.includes('delete cluster'));
  t.false(world.log.includes('load image'));
});

test('--keep-cluster keeps the cluster but still removes scenario namespaces', async (t) => {
  const { world, events } = await run({}, { keepCluster: true });
  t.false(world.log.includes('delete cluster'));
  t.is(world.live.size, 0);
  t.true(
    events.some(
      (event) => event.kind === 'warning' && /kept kind cluster gauntlet-test01/.test(event.message),
    ),
  );
});

test('--reuse-cluster attaches without provisioning and never deletes the cluster', async (t) => {
  const { world } = await run(madeFor('calico-ambient'), { reuseCluster: 'gauntlet-old' });
  t.deepEqual(
    world.log.filter((line) => !/^(apply|delete gauntlet|node diagnostics)/.test(line)),
    ['reuse gauntlet-old', 'load image', 'start relay', 'stop externals'],
  );
});

test('a new cluster records its stack; --reuse-cluster refuses one made for another stack, naming what differs', async (t) => {
  const { world } = await run({});
  t.like(world.configMaps.get('kube-system/gauntlet-stack'), { stack: 'calico-ambient', mesh: 'ambient' });

  const other = await run(madeFor('calico-sidecar'), { reuseCluster: 'gauntlet-old' });
  t.is(
    other.outcome.error,
    'kind cluster gauntlet-old was made for stack calico-sidecar, not calico-ambient: stack calico-sidecar there, calico-ambient here; mesh sidecar there, ambient here (run without --reuse-cluster, or reuse a cluster made for calico-ambient)',
  );
  t.deepEqual(other.world.log, ['reuse gauntlet-old'], 'nothing else ran, nothing was deleted');

  const unknown = await run({}, { reuseCluster: 'gauntlet-old' });
  t.regex(unknown.outcome.error ?? '', /has no kube-system\/gauntlet-stack ConfigMap/);
});

test('a pod denied at admission becomes an observation judged blocked by admission', async (t) => {
  const { outcome } = await run({ deniedDeployments: new Set(['attacker']) });
  t.true(outcome.flows.length > 0);
  for (const flow of outcome.flows) {
    t.is(flow.verdict, 'blocked');
    t.is(flow.layer, 'admission');
    t.is(flow.attempts[0]?.observation.outcome, 'denied-at-admission');
  }
});

test('one exec per source pod per instance, never one per flow', async (t) => {
  const { world, plan } = await run({});
  const sources = plan.instances.reduce(
    (total, instance) => total + new Set(instance.probes.map((probe) => sourceKey(probe.source))).size,
    0,
  );
  t.is(world.execCount, sources);
});

test('lost results are retried and only they; verdicts are never retried', async (t) => {
  const { world, outcome } = await run({
    lossyBatches: 1,
    network: (probe) => (probe.planned.probe.id === 'udp-out' ? { id: '', outcome: 'timeout' } : undefined),
  });
  t.true(world.execCount > 2, 'the lossy batch was followed by a retry');
  t.deepEqual(outcome.flows.map((flow) => `${flow.planned.testId}:${flow.verdict}`).sort(), [
    'calico-ambient/udp-escape/locked/dns-still-resolves:reached',
    'calico-ambient/udp-escape/locked/udp-out:blocked',
    'calico-ambient/udp-escape/open/dns-still-resolves:reached',
    'calico-ambient/udp-escape/open/udp-out:blocked',
  ]);
  const open = outcome.flows.find((flow) => flow.planned.testId === 'calico-ambient/udp-escape/open/udp-out');
  t.is(open?.outcome, 'fail-availability', 'expected reached in open, blocked: an availability regression');
});

test('results that never come back are inconclusive, with the reason', async (t) => {
  const { outcome, world } = await run({ silent: new Set(['udp-out']) }, { inconclusiveRetries: 1 });
  const lost = outcome.flows.filter((flow) => flow.verdict === 'inconclusive');
  t.is(lost.length, 2, 'udp-out in both variants');
  t.is(world.execCount, 4, 'each source pod: one batch and one retry of the lost attempt');
  t.regex(
    lost[0]?.reason ?? '',
    /no observation came back \(the exec lost its exit status: websocket closed\)/,
  );
  t.is(lost[0]?.outcome, 'inconclusive');
});

test('instances run in parallel up to --parallel', async (t) => {
  const { world } = await run({ batchDelayMs: 30 }, { parallel: 2 });
  t.is(world.peakConcurrentInstances, 2);
  const serial = await run({ batchDelayMs: 5 }, { parallel: 1 });
  t.is(serial.world.peakConcurrentInstances, 1);
});

test('Ctrl-C during the probes: the cluster goes at once, no instance namespaces are deleted one by one first', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 60);
  const { world, outcome } = await run({ batchDelayMs: 5000 }, {}, controller);
  t.true(outcome.aborted);
  t.true(world.log.includes('delete cluster'));
  t.deepEqual(world.deletedLabels, [], 'namespace deletion skipped: the cluster deletion removes them');
});

test("Ctrl-C on a reused or kept cluster still deletes each instance's namespaces", async (t) => {
  for (const overrides of [{ reuseCluster: 'gauntlet-old' }, { keepCluster: true }]) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 60);
    const { world, outcome } = await run(
      { ...madeFor('calico-ambient'), batchDelayMs: 5000 },
      overrides,
      controller,
    );
    t.true(outcome.aborted);
    t.false(world.log.includes('delete cluster'));
    t.true(world.deletedLabels.length > 0, JSON.stringify(overrides));
  }
});
