// results.json from a run: it parses back with the published schema, carries the evidence, and the
// exit code never calls a broken run green.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { parseResults } from '../../../harness/model/results.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import { runExitCode, writeRunResults } from '../../../harness/run/write-results.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';
import type { FakeBehaviour } from '../../support/fake-cluster.ts';
import { copyCatalog, fixtureCatalog } from '../../support/fixture-catalog.ts';

const classify: Classify = (observation) =>
  observation.outcome === 'connected'
    ? { verdict: 'reached', reason: 'echo answered' }
    : observation.outcome === 'timeout'
      ? { verdict: 'blocked', layer: 'network-policy', reason: 'no answer: dropped' }
      : { verdict: 'inconclusive', reason: String(observation['message'] ?? observation.outcome) };

async function runAndWrite(t: ExecutionContext, behaviour: FakeBehaviour, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-results-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { catalog } = loadCatalog(fixtureCatalog);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error('fixture');
  const plan = planRun(catalog, stack, { runId: 'test02', image: 'gauntlet-probe:test' });
  const world = new FakeWorld(behaviour);
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir, inconclusiveRetries: 1 });
  const { file, counts } = writeRunResults(plan, outcome, dir, { env });
  const results = parseResults(readFileSync(file, 'utf8'), file);
  return { results, counts, outcome, dir };
}

// The network of udp-escape as the scenario expects it: UDP out only while the variant is open.
const expectedNetwork: FakeBehaviour['network'] = (probe) =>
  probe.planned.probe.id === 'udp-out' && probe.planned.testId.includes('/locked/')
    ? { id: '', outcome: 'timeout', timings: { totalMs: 3000 } }
    : { id: '', outcome: 'connected', evidence: { sourceSeen: '192.168.1.10' }, timings: { totalMs: 4 } };

test('a clean run writes complete results that parse back, and exits 0', async (t) => {
  const { results, counts, outcome } = await runAndWrite(
    t,
    { network: expectedNetwork },
    {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '7',
      GITHUB_SHA: 'abc',
    },
  );
  t.is(results.runs[0]?.status, 'complete');
  t.like(results.runs[0]?.environment, {
    stack: 'calico-ambient',
    mesh: 'ambient',
    ciUrl: 'https://github.com/o/r/actions/runs/7',
    gitCommit: 'abc',
    calico: { version: 'v3.32.1', dataplane: 'iptables' },
  });
  t.is(results.checks.length, 4);
  const locked = results.checks.find((check) => check.testId === 'calico-ambient/udp-escape/locked/udp-out');
  t.like(locked, {
    verdict: 'blocked',
    layer: 'network-policy',
    outcome: 'pass',
    technique: 'udp',
    expectation: { verdict: 'blocked', by: 'network-policy' },
    controls: ['nist-800-53r5:sc-7', 'nist-800-53r5:ac-4'],
  });
  t.like(locked?.source, { workload: 'attacker', runAsUser: 1000, mesh: 'enrolled', pod: 'attacker-abc' });
  t.like(locked?.destination, {
    workload: 'outside',
    address: '172.18.0.50',
    port: 5353,
    protocol: 'udp',
    via: 'external',
  });
  const open = results.checks.find((check) => check.testId === 'calico-ambient/udp-escape/open/udp-out');
  t.deepEqual(open?.observation, {
    outcome: 'connected',
    detail: { evidence: { sourceSeen: '192.168.1.10' }, timings: { totalMs: 4 } },
    durationMs: 4,
  });
  t.deepEqual(counts, { pass: 4, 'fail-security': 0, 'fail-availability': 0, inconclusive: 0, observed: 0 });
  t.is(runExitCode(outcome, counts), 0);
});

test('a security regression exits 1 and carries diagnostics links', async (t) => {
  const { results, counts, outcome } = await runAndWrite(t, {});
  const locked = results.checks.find((check) => check.testId === 'calico-ambient/udp-escape/locked/udp-out');
  t.is(locked?.outcome, 'fail-security');
  t.true((locked?.diagnostics.length ?? 0) > 0, 'pod logs and events were collected for the failure');
  t.is(counts['fail-security'], 1);
  t.is(runExitCode(outcome, counts), 1);
});

test('a broken run is broken in results.json and exits 2, never green', async (t) => {
  const { results, counts, outcome } = await runAndWrite(t, { failSteps: new Set(['install calico']) });
  t.is(results.runs[0]?.status, 'broken');
  t.regex(results.runs[0]?.error ?? '', /install calico failed on purpose/);
  t.deepEqual(
    results.runs[0]?.missing.map((missing) => missing.what),
    ['scenario variant udp-escape/open', 'scenario variant udp-escape/locked'],
  );
  t.is(results.checks.length, 0);
  t.is(runExitCode(outcome, counts), 2);
});

test('inconclusive flows make the run exit 2, not 0', async (t) => {
  const { counts, outcome } = await runAndWrite(t, {
    network: expectedNetwork,
    silent: new Set(['dns-still-resolves']),
  });
  t.is(counts.inconclusive, 2);
  t.is(runExitCode(outcome, counts), 2);
});

test('a flow decided without a probe says why in its diagnostics; node rules are read per failed instance', async (t) => {
  // The attacker is refused at admission while the scenario expects its flows: they fail without a probe.
  const { results, dir } = await runAndWrite(t, {
    network: expectedNetwork,
    deniedDeployments: new Set(['attacker']),
  });
  const open = results.checks.find((check) => check.testId === 'calico-ambient/udp-escape/open/udp-out');
  t.is(open?.outcome, 'inconclusive', 'this test classifies an admission denial as inconclusive');
  const status = open?.diagnostics.find((file) => file.endsWith('attacker.status.txt'));
  t.truthy(status, JSON.stringify(open?.diagnostics));
  t.regex(readFileSync(join(dir, status ?? ''), 'utf8'), /^denied at admission: /);
  const nodeFiles = results.checks.flatMap((check) =>
    check.diagnostics.filter((file) => file.includes('/nodes/')),
  );
  t.true(
    nodeFiles.some((file) => file.startsWith('diagnostics/udp-escape/open/nodes/')),
    JSON.stringify(nodeFiles),
  );
  t.true(
    nodeFiles.some((file) => file.startsWith('diagnostics/udp-escape/locked/nodes/')),
    JSON.stringify(nodeFiles),
  );
});

test('results record the node of the source pod and of a destination pod (same-node or cross-node)', async (t) => {
  const copy = copyCatalog(t);
  mkdirSync(join(copy.root, 'scenarios/placement'));
  copy.write(
    'scenarios/placement/scenario.yaml',
    [
      'id: placement',
      'title: placement',
      'why: one flow, with the nodes of both ends recorded',
      'applies: { mesh: [ambient] }',
      'workloads:',
      '  client: { namespace: shop, role: client, mesh: enrolled, avoid: target }',
      '  target: { namespace: store, role: target, mesh: enrolled, serve: { tcp: [8080] } }',
      '  dns: { builtin: kube-dns }',
      'variants:',
      '  open: []',
      'probes:',
      '  - id: to-pod',
      '    from: client',
      '    to: { workload: target, via: pod }',
      '    technique: tcp',
      '    expect: [{ verdict: reached, confidence: hypothesis }]',
      '  - id: to-dns',
      '    from: client',
      '    to: { workload: dns }',
      '    technique: dns',
      '    expect: [{ verdict: reached, confidence: hypothesis }]',
      '',
    ].join('\n'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-results-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { catalog, problems } = loadCatalog(copy.root);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error(JSON.stringify(problems));
  const plan = planRun(catalog, stack, {
    runId: 'test03',
    image: 'gauntlet-probe:test',
    scenarios: ['placement'],
  });
  const world = new FakeWorld({ network: expectedNetwork });
  const outcome = await runOnFakeWorld(plan, world, classify, { resultsDir: dir });
  const { file } = writeRunResults(plan, outcome, dir, { env: {} });
  const { checks } = parseResults(readFileSync(file, 'utf8'), file);
  const toPod = checks.find((check) => check.probe === 'to-pod');
  t.like(toPod?.source, { workload: 'client', pod: 'client-abc', node: 'node-1' });
  t.like(toPod?.destination, { workload: 'target', via: 'pod', node: 'node-1' });
  const toDns = checks.find((check) => check.probe === 'to-dns');
  t.like(toDns?.source, { node: 'node-1' });
  t.is(toDns?.destination.node, undefined, 'a builtin target has no pod of the scenario');
});
