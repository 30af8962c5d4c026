// Probes that start outside the cluster (from the relay container on the kind network): planned
// with a NodePort destination, run through the relay's agent host in one batch, and recorded as
// coming from outside the cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import type { Plan } from '../../../harness/plan/plan.ts';
import type { PreparedProbe } from '../../../harness/probe/agent-client.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import type { ClusterHandle, ExternalTargets } from '../../../harness/run/environment.ts';
import { flowToCheck } from '../../../harness/run/write-results.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';
import { copyCatalog } from '../../support/fixture-catalog.ts';

const classify: Classify = (observation) =>
  observation.outcome === 'connected'
    ? { verdict: 'reached', reason: 'answered' }
    : observation.outcome === 'refused'
      ? { verdict: 'blocked', reason: 'refused' }
      : { verdict: 'inconclusive', reason: String(observation['message'] ?? observation.outcome) };

/** The fixture catalog with a gateway and two probes from the relay, a client outside the cluster. */
function planWithOutsideClient(t: ExecutionContext): Plan {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/scenario.yaml', (text) =>
    text
      .replace(
        '  outside:  { external: relay }\n',
        '  outside:  { external: relay }\n  gateway: { builtin: ingress-gateway }\n',
      )
      .concat(
        [
          '  - id: internet-status',
          '    from: outside',
          '    to: { workload: gateway, port: 15021 }',
          '    technique: http',
          '    expect: [ { verdict: reached } ]',
          '  - id: internet-admin',
          '    from: outside',
          '    to: { workload: gateway, port: 15000 }',
          '    technique: tcp',
          '    expect: [ { verdict: blocked } ]',
          '',
        ].join('\n'),
      ),
  );
  const { catalog, problems } = loadCatalog(copy.root);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error(problems.map((problem) => problem.message).join('; '));
  return planRun(catalog, stack, { runId: 'out01', image: 'gauntlet-probe:test' });
}

test('the plan sends an outside client to the gateway through a NodePort', (t) => {
  const plan = planWithOutsideClient(t);
  const planned = plan.instances[0]?.probes.find((probe) => probe.probe.id === 'internet-admin');
  t.deepEqual(planned?.source, { outside: true, workload: 'outside', external: 'relay' });
  t.deepEqual(planned?.destination, {
    kind: 'node-port',
    workload: 'gateway',
    namespace: 'istio-system',
    service: 'istio-ingressgateway',
    port: 15000,
    protocol: 'TCP',
  });
  t.true(plan.needs.externals.includes('relay'));
});

test('outside probes run in one batch in the relay, at a node: a published port through its NodePort', async (t) => {
  const plan = planWithOutsideClient(t);
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-outside-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sent: PreparedProbe[] = [];
  const world = new FakeWorld({
    network: (probe) => {
      sent.push(probe);
      // Nothing listens on the node's own 15000: the kernel refuses.
      return probe.port === 15000
        ? { id: probe.attemptId, outcome: 'refused' }
        : { id: probe.attemptId, outcome: 'connected' };
    },
  });
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  t.is(outcome.error, undefined);
  const outsideSent = sent.filter((probe) => probe.planned.probe.id.startsWith('internet-'));
  t.deepEqual(
    outsideSent.map((probe) => `${probe.planned.probe.id} ${probe.host}:${probe.port}`).sort(),
    [
      'internet-admin 172.18.0.2:15000',
      'internet-admin 172.18.0.2:15000',
      'internet-status 172.18.0.2:31021',
      'internet-status 172.18.0.2:31021',
    ],
    'one per variant: the status port through its NodePort, the unpublished admin port on the node itself',
  );
  // Two variants: each runs one batch in the relay and one in the attacker pod.
  t.is(world.batchHosts.filter((label) => label === 'relay container').length, 2);
  const flows = outcome.flows.filter((flow) => flow.planned.probe.id.startsWith('internet-'));
  t.deepEqual(flows.map((flow) => flow.outcome).sort(), ['pass', 'pass', 'pass', 'pass']);
  const check = flowToCheck(flows[0]!, plan, 'out01');
  t.deepEqual(check.source, { workload: 'outside', mesh: 'outside-cluster' });
  t.is(check.destination.via, 'node-port');
});

test('without the relay to run in, outside probes are inconclusive and say why', async (t) => {
  const plan = planWithOutsideClient(t);
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-outside-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const world = new FakeWorld({});
  const startExternals = world.environment.startExternals.bind(world.environment);
  world.environment.startExternals = async (
    handle: ClusterHandle,
    names,
    signal,
  ): Promise<ExternalTargets> => {
    const { agentHost: _agentHost, ...started } = await startExternals(handle, names, signal);
    return started;
  };
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  const flows = outcome.flows.filter((flow) => flow.planned.probe.id.startsWith('internet-'));
  t.is(flows.length, 4);
  for (const flow of flows) {
    t.is(flow.outcome, 'inconclusive');
    t.regex(flow.reason, /the client outside the cluster \(relay\) was not started/);
  }
});

test('a missing gateway Service is inconclusive, never a blocked flow that passes', async (t) => {
  const plan = planWithOutsideClient(t);
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-outside-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const world = new FakeWorld({
    missingServices: new Set(['istio-ingressgateway']),
    network: (probe) => ({ id: probe.attemptId, outcome: 'refused' }),
  });
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  const admin = outcome.flows.filter((flow) => flow.planned.probe.id === 'internet-admin');
  t.is(admin.length, 2);
  for (const flow of admin) {
    t.is(flow.outcome, 'inconclusive');
    t.regex(flow.reason, /gateway: service istio-system\/istio-ingressgateway not found/);
  }
});
