// Namespace options for a cluster the user named: names that start gauntlet-<run id>-, no Pod
// Security label unless asked, enrolment by Istio revision; and, on every stack of the shipped
// catalog, cluster-scoped objects confined to the instance's own namespaces and labelled.
import test from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { labCaseIds, packageRoot } from '../../../harness/cli/catalog-access.ts';
import type { Stack } from '../../../harness/model/stack.ts';
import { planRun, prefixedNamespace } from '../../../harness/plan/plan.ts';
import type { PlanOptions } from '../../../harness/plan/plan.ts';
import { dnsLabel } from '../../../harness/model/ids.ts';
import { namespaceMeshLabels } from '../../../harness/plan/mesh-labels.ts';
import { validateRendered } from '../../../harness/plan/validate-rendered.ts';

function catalog() {
  const { catalog: loaded } = loadCatalog(packageRoot, { labCaseIds: labCaseIds() });
  if (!loaded) throw new Error('the shipped catalog does not load');
  return loaded;
}

const userOptions = (revision?: string): PlanOptions => ({
  runId: 'k3x9za',
  image: 'registry.example.com/gauntlet-probe:0.1.0',
  namespaces: {
    prefix: 'gauntlet',
    labels: { podSecurity: 'none', ...(revision ? { istioRevision: revision } : {}) },
  },
});

function stack(mode: Stack['mesh']['mode'], admission: Stack['admission'] = 'baseline'): Stack {
  return {
    id: 'ctx-staging',
    title: 'staging',
    kubernetes: 'v1.33.4',
    nodes: { workers: 2 },
    cni: { name: 'calico', version: 'v3.32.1', dataplane: 'iptables' },
    mesh: { mode, ...(mode === 'none' ? {} : { istio: '1.30.3' }) },
    admission,
  };
}

test('revision enrolment: istio.io/rev for sidecar modes, the dataplane-mode label for ambient', (t) => {
  t.deepEqual(namespaceMeshLabels('sidecar', { revision: '1-31-0' }), { 'istio.io/rev': '1-31-0' });
  t.deepEqual(namespaceMeshLabels('sidecar-cni', { revision: 'default' }), { 'istio.io/rev': 'default' });
  t.deepEqual(namespaceMeshLabels('sidecar'), { 'istio-injection': 'enabled' }, 'the kind run is unchanged');
  t.deepEqual(namespaceMeshLabels('ambient', { revision: '1-31-0' }), {
    'istio.io/dataplane-mode': 'ambient',
  });
});

test('on a user cluster: gauntlet-<run id>- names, run label, no Pod Security label, revision enrolment', (t) => {
  const plan = planRun(catalog(), stack('sidecar'), userOptions('1-31-0'));
  const namespaces = plan.instances.flatMap((instance) => instance.objects.namespaces);
  t.true(namespaces.length > 10);
  for (const namespace of namespaces) {
    const { name, labels = {} } = namespace.metadata;
    t.true(name.startsWith('gauntlet-k3x9za-'), name);
    t.true(name.length <= 63 && dnsLabel.test(name), name);
    t.is(labels['gauntlet.dev/run'], 'k3x9za');
    t.false(
      Object.keys(labels).some((key) => key.startsWith('pod-security.kubernetes.io/')),
      name,
    );
    t.is(labels['istio-injection'], undefined);
  }
  t.true(namespaces.some((namespace) => namespace.metadata.labels?.['istio.io/rev'] === '1-31-0'));
  t.is(
    new Set(namespaces.map((namespace) => namespace.metadata.name)).size,
    namespaces.length,
    'no two alike',
  );
  t.is(prefixedNamespace('k3x9za', 'a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)).length <= 63, true);
  for (const instance of plan.instances)
    for (const object of [...instance.objects.namespaces, ...instance.objects.deployments])
      t.notThrows(() => validateRendered(object), `${instance.name} ${object.metadata.name}`);
});

test('--psa on a user cluster labels every namespace as the kind run does', (t) => {
  const plan = planRun(catalog(), stack('ambient', 'restricted'), {
    ...userOptions(),
    namespaces: { prefix: 'gauntlet', labels: { podSecurity: 'enforce' } },
  });
  for (const instance of plan.instances)
    for (const namespace of instance.objects.namespaces)
      t.is(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], instance.traits.admission);
});

test('cluster-scoped objects are confined to their instance’s namespaces and labelled, on every mesh mode', (t) => {
  const loaded = catalog();
  let seen = 0;
  for (const mode of ['none', 'sidecar', 'sidecar-cni', 'ambient'] as const)
    for (const options of [userOptions(), { runId: 'k3x9za', image: 'i' }]) {
      const plan = planRun(loaded, stack(mode), options);
      for (const instance of plan.instances) {
        const own = new Set(instance.objects.namespaces.map((namespace) => namespace.metadata.name));
        for (const policy of instance.objects.policies) {
          t.is(policy.metadata.labels?.['gauntlet.dev/run'], 'k3x9za');
          t.is(policy.metadata.labels?.['gauntlet.dev/instance'], instance.id);
          if (policy.metadata.namespace !== undefined) {
            t.true(
              own.has(policy.metadata.namespace),
              `${policy.kind} ${policy.metadata.name} in its instance`,
            );
            continue;
          }
          seen += 1;
          const selector = String((policy['spec'] as { namespaceSelector?: string }).namespaceSelector);
          // The instance label, ANDed at the top level: nothing outside the instance's namespaces matches.
          t.regex(selector, new RegExp(`(^|\\) && )gauntlet\\.dev/instance == '${instance.id}'$`), selector);
          t.false(/\|\|/.test(selector.replace(/^\(.*\) && /, '')), 'no alternative after the confinement');
          t.true(policy.metadata.name.endsWith(instance.id));
          // The instance label is on the instance's namespaces, and only there.
          for (const namespace of instance.objects.namespaces)
            t.is(namespace.metadata.labels?.['gauntlet.dev/instance'], instance.id);
        }
      }
    }
  t.true(seen > 0, 'the catalog has cluster-scoped objects to confine');
});
