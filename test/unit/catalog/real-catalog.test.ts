// The catalog gauntlet ships: it validates, it holds every scenario the foundation issue lists, and
// every stack of the nightly matrix plans into objects valid for the Kubernetes API.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { formatProblem } from '../../../harness/catalog/problem.ts';
import { labCaseIds, packageRoot } from '../../../harness/cli/catalog-access.ts';
import { evidenceRows } from '../../../harness/catalog/evidence.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import { validateRendered } from '../../../harness/plan/validate-rendered.ts';
import { runGauntlet } from '../../support/cli.ts';

const expectedScenarios = [
  'ingress-lockdown',
  'bookinfo-isolation',
  'udp-escape',
  'udp-tunnel',
  'dns-port-tunnel',
  'net-admin-flush',
  'raw-socket',
  'quitquitquit-hijack',
  'run-as-1337',
  'inject-opt-out',
  'outside-mesh-targets',
  'l7-methods',
  'ambient-hbone-15008',
  'ambient-health-probes',
  'ambient-so-mark',
  'host-network-to-ambient',
  'sender-side-enforcement',
  'capture-exclusions',
  'sidecar-status-ports',
  'istiod-target',
  'node-placement',
  'uncaptured-protocols',
  'gateway-pod-policy',
];

// With the lab's case ids, as the CLI loads it: every `confidence: lab` names a real case.
const { catalog, problems } = loadCatalog(packageRoot, {
  displayBase: packageRoot,
  labCaseIds: labCaseIds(),
});

test('the shipped catalog has no errors', (t) => {
  t.deepEqual(problems.filter((problem) => problem.severity === 'error').map(formatProblem), []);
});

test('the catalog holds every scenario of the foundation issue', (t) => {
  t.deepEqual([...(catalog?.scenarios.keys() ?? [])].sort(), [...expectedScenarios].sort());
});

test('the required stacks exist, with an nftables variant', (t) => {
  const stacks = catalog?.stacks;
  for (const id of ['calico-sidecar', 'calico-sidecar-cni', 'calico-ambient', 'calico-nomesh'])
    t.true(stacks?.has(id), id);
  t.true([...(stacks?.values() ?? [])].some((stack) => stack.cni.dataplane === 'nftables'));
});

test('every shipped expectation says how it is known, and the lab settles some', (t) => {
  const rows = evidenceRows([...(catalog?.scenarios.values() ?? [])].map((loaded) => loaded.scenario));
  for (const row of rows)
    if (row.confidence !== 'hypothesis') t.not(row.basis, '-', `${row.scenario}/${row.probe} (${row.when})`);
  t.true(rows.some((row) => row.confidence === 'lab'));
});

test('every scenario cites its sources and names controls', (t) => {
  for (const { scenario } of catalog?.scenarios.values() ?? []) {
    t.true(scenario.sources.length > 0, scenario.id);
    t.true(scenario.controls.length > 0, `${scenario.id} names no control`);
  }
});

test('every matrix stack plans into objects valid for the Kubernetes API', (t) => {
  if (!catalog) return t.fail('catalog did not load');
  let objects = 0;
  for (const stack of catalog.matrixStacks) {
    const plan = planRun(catalog, stack, { runId: 'test00', image: 'gauntlet-probe:test' });
    for (const instance of plan.instances) {
      const { namespaces, serviceAccounts, deployments, services, policies } = instance.objects;
      for (const object of [...namespaces, ...serviceAccounts, ...deployments, ...services, ...policies]) {
        t.notThrows(
          () => validateRendered(object),
          `${stack.id} ${instance.name} ${object.kind} ${object.metadata.name}`,
        );
        objects += 1;
      }
    }
  }
  t.true(objects > 100);
});

test('`plan --stack calico-ambient --out DIR` writes manifests for every scenario that applies to ambient', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'gauntlet-plan-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const result = await runGauntlet(['plan', '--stack', 'calico-ambient', '--out', out]);
  t.is(result.exitCode, 0, result.stderr);
  t.true(existsSync(join(out, 'kind-config.yaml')));
  const folders = readdirSync(out).filter((name) => !name.includes('.'));
  const forAmbient = expectedScenarios.filter(
    (id) => catalog?.scenarios.get(id)?.scenario.applies.mesh?.includes('ambient') ?? true,
  );
  t.deepEqual(folders.sort(), forAmbient.sort());
  for (const scenario of folders) {
    for (const variant of readdirSync(join(out, scenario))) {
      t.true(existsSync(join(out, scenario, variant, 'workloads.yaml')), `${scenario}/${variant}`);
      t.true(existsSync(join(out, scenario, variant, 'probes.yaml')), `${scenario}/${variant}`);
    }
  }
});
