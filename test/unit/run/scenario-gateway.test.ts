// A scenario's own ingress gateway in a run: its Deployment, Service, Gateway and VirtualService
// are applied with the workloads, the run waits for the gateway pod like any other, and probes
// reach it through its Service or straight at its pod.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { labCaseIds, packageRoot } from '../../../harness/cli/catalog-access.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import type { PreparedProbe } from '../../../harness/probe/agent-client.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';

const classify: Classify = () => ({ verdict: 'reached', reason: 'answered' });

function gatewayPlan() {
  const { catalog, problems } = loadCatalog(packageRoot, { labCaseIds: labCaseIds() });
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error(problems.map((problem) => problem.message).join('; '));
  return planRun(catalog, stack, {
    runId: 'gw001',
    image: 'gauntlet-probe:test',
    scenarios: ['gateway-pod-policy'],
  });
}

test('the gateway objects are applied and the run waits for the gateway pod before probing it', async (t) => {
  const plan = gatewayPlan();
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-gateway-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sent: PreparedProbe[] = [];
  const world = new FakeWorld({
    network: (probe) => {
      sent.push(probe);
      return { id: probe.attemptId, outcome: 'connected' };
    },
  });
  const waited: string[] = [];
  const waitForDeployments = world.cluster.waitForDeployments.bind(world.cluster);
  world.cluster.waitForDeployments = (targets, timeoutMs, signal) => {
    waited.push(...targets.map((target) => target.deployment));
    return waitForDeployments(targets, timeoutMs, signal);
  };
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  t.is(outcome.error, undefined);
  t.true(waited.includes('gateway'), `waited for ${waited.join(', ')}`);
  const kinds = world.applied
    .filter((object) => object.metadata.name === 'gateway')
    .map((object) => object.kind);
  for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'Gateway', 'VirtualService'])
    t.true(kinds.includes(kind), `${kind} applied (applied: ${kinds.join(', ')})`);
  const byProbe = new Map(sent.map((probe) => [probe.planned.probe.id, `${probe.host}:${probe.port}`]));
  // The fake answers every Service address as 10.96.<namespace length>.<name length> and every pod as 192.168.1.10.
  t.regex(byProbe.get('route-http-80') ?? '', /^10\.96\.\d+\.7:80$/, 'through the gateway Service');
  t.is(byProbe.get('pod-status-15021'), '192.168.1.10:15021', 'straight at the gateway pod');
  t.is(byProbe.get('pod-traffic-port-8080'), '192.168.1.10:8080');
});
