// The stack of a user's cluster from discovery and the user's choices, and the plan cut to what the
// cluster can run: each skip with its reason; and the list of what the run will create.
import test from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { labCaseIds, packageRoot } from '../../../harness/cli/catalog-access.ts';
import type { Discovery } from '../../../harness/cluster/discovery/discover.ts';
import { admissionPosture, referencePods } from '../../../harness/cluster/discovery/admission.ts';
import { creations, describeCreations, fitPlanToCluster } from '../../../harness/cluster/fit-plan.ts';
import type { FitOptions } from '../../../harness/cluster/fit-plan.ts';
import {
  contextStackId,
  kubernetesRelease,
  userClusterNamespaces,
  userStackFor,
} from '../../../harness/cluster/user-stack.ts';
import type { StackChoices } from '../../../harness/cluster/user-stack.ts';
import { isGauntletError } from '../../../harness/errors.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import { stackTraits, whenMatches } from '../../../harness/model/expectation.ts';

function posture(refused: string[] = ['net-raw', 'net-admin', 'host-network']) {
  return admissionPosture(
    'gauntlet-discover-x',
    referencePods.map((reference) => ({
      id: reference.id,
      level: reference.level,
      what: reference.what,
      verdict: refused.includes(reference.id)
        ? {
            admitted: false as const,
            refuser: { by: 'pod-security' as const, level: 'baseline', version: 'latest' },
            message: 'violates PodSecurity "baseline:latest"',
          }
        : { admitted: true as const },
    })),
  );
}

function discovery(overrides: Partial<Discovery> = {}): Discovery {
  return {
    context: 'arn:aws:eks:eu-west-1:123456789012:cluster/staging',
    apiServer: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    kubernetes: 'v1.33.4-eks-1234',
    nodes: 3,
    calico: {
      present: true,
      variant: 'Calico',
      version: 'v3.32.1',
      versionFrom: 'ClusterInformation spec.calicoVersion',
      dataplane: 'iptables',
      dataplaneSeen: 'Iptables',
      dataplaneFrom: 'Installation spec.calicoNetwork.linuxDataplane',
      operator: true,
      apiServer: true,
      statuses: [],
      notes: [],
    },
    istio: {
      present: true,
      revisions: [
        {
          revision: '1-31-0',
          namespace: 'istio-system',
          deployment: 'istiod-1-31-0',
          version: '1.31.0',
          readyReplicas: 1,
          injector: 'istio-sidecar-injector-1-31-0',
          sidecarMode: 'sidecar-cni',
          tags: ['canary'],
        },
        {
          revision: 'default',
          namespace: 'istio-system',
          deployment: 'istiod',
          version: '1.30.3',
          readyReplicas: 1,
          injector: 'istio-sidecar-injector',
          sidecarMode: 'sidecar',
          tags: [],
        },
      ],
      offers: [
        { mode: 'none' },
        { mode: 'sidecar-cni', revision: '1-31-0', version: '1.31.0' },
        { mode: 'sidecar', revision: 'default', version: '1.30.3' },
        { mode: 'ambient', revision: 'default', version: '1.30.3' },
      ],
      services: { istiod: true, ingressGateway: false },
      notes: [],
    },
    admission: posture(),
    ...overrides,
  };
}

const noCalico: Discovery['calico'] = { present: false, why: 'none' };

function catalog() {
  const { catalog: loaded } = loadCatalog(packageRoot, { labCaseIds: labCaseIds() });
  if (!loaded) throw new Error('the shipped catalog does not load');
  return loaded;
}

function fitted(found: Discovery, choices: StackChoices, fit: Partial<FitOptions> = {}) {
  const user = userStackFor(found, choices);
  const plan = planRun(catalog(), user.stack, {
    runId: 'k3x9za',
    image: 'registry.example.com/gauntlet-probe:0.1.0',
    namespaces: userClusterNamespaces(user),
  });
  return {
    user,
    plan: fitPlanToCluster(plan, found, user, {
      outsideAgent: false,
      podSecurity: choices.psa ? 'enforce' : 'none',
      ...fit,
    }),
  };
}

test('the stack: versions as traits, ids and titles from the context', (t) => {
  const user = userStackFor(discovery());
  t.is(user.stack.id, 'ctx-arn-aws-eks-eu-west-1-123456789012-c');
  t.is(user.stack.kubernetes, 'v1.33.4');
  t.deepEqual(user.stack.cni, { name: 'calico', version: 'v3.32.1', dataplane: 'iptables' });
  t.deepEqual(user.stack.mesh, { mode: 'ambient', istio: '1.30.3' }, 'ambient first when offered');
  t.is(user.stack.admission, 'baseline');
  t.is(user.admissionFrom, 'discovered');
  t.regex(
    user.notes.join('\n'),
    /also on offer: sidecar-cni \(revision 1-31-0\), sidecar \(revision default\)/,
  );
  t.is(contextStackId('Kind-Gauntlet_AB12'), 'ctx-kind-gauntlet-ab12');
  t.is(kubernetesRelease('v1.30.4+k3s1'), 'v1.30.4');
});

test('choices: --mesh and --istio-revision pick an offer; one that is not offered is one line', (t) => {
  t.deepEqual(userStackFor(discovery(), { mesh: 'sidecar-cni' }).mesh, {
    mode: 'sidecar-cni',
    revision: '1-31-0',
    version: '1.31.0',
  });
  t.deepEqual(userStackFor(discovery(), { mesh: 'sidecar', istioRevision: 'default' }).stack.mesh, {
    mode: 'sidecar',
    istio: '1.30.3',
  });
  const error = t.throws(() => userStackFor(discovery(), { mesh: 'sidecar', istioRevision: '1-31-0' }));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_USAGE');
  t.regex(
    error?.message ?? '',
    /offers no mesh mode sidecar with Istio revision 1-31-0: it offers none, sidecar-cni \(revision 1-31-0\), sidecar \(revision default\), ambient \(revision default\)/,
  );
});

test('admission: --psa wins and says what a label cannot lift; a cluster that admits nothing refuses the run', (t) => {
  const psa = userStackFor(
    discovery({
      admission: { ...posture(), otherRefusers: ['admission webhook "validate.kyverno.svc-fail"'] },
    }),
    { psa: 'privileged' },
  );
  t.is(psa.stack.admission, 'privileged');
  t.is(psa.admissionFrom, 'psa-label');
  t.regex(
    psa.notes.join('\n'),
    /--psa privileged: admission webhook "validate\.kyverno\.svc-fail" refused reference pods too/,
  );
  const error = t.throws(() =>
    userStackFor(discovery({ admission: posture(referencePods.map((reference) => reference.id)) })),
  );
  t.regex(isGauntletError(error) ? error.oneLine() : '', /admits none of gauntlet's reference pods/);
});

test('a kind cluster gauntlet made keeps its stack id when discovery agrees with its record', (t) => {
  const record = {
    stack: 'calico-ambient',
    calico: 'v3.32.1',
    dataplane: 'iptables',
    mesh: 'ambient',
    istio: '1.30.3',
    kubernetes: 'v1.36.1',
  };
  t.is(userStackFor(discovery({ gauntletStack: record })).stack.id, 'calico-ambient');
  const other = userStackFor(discovery({ gauntletStack: { ...record, calico: 'v3.31.7' } }));
  t.is(other.stack.id, 'ctx-arn-aws-eks-eu-west-1-123456789012-c');
  t.regex(other.notes.join('\n'), /says stack calico-ambient, but discovery differs/);
});

test('fitting: flows to or from the targets outside the cluster are skipped without --outside, with the reason', (t) => {
  const { plan } = fitted(discovery(), { mesh: 'none' });
  const reasons = plan.skipped.map((entry) => `${entry.scenario}: ${entry.reason}`).join('\n');
  t.regex(
    reasons,
    /udp-escape: variant [a-z-]+: \d+ probes? \([a-z0-9-, ]+\) skipped: targets relay outside the cluster: start them with `gauntlet outside start`/,
  );
  t.false(
    plan.instances.some((instance) => instance.probes.some((probe) => probe.destination.kind === 'external')),
  );
  t.deepEqual(plan.needs.externals, []);
  const outside = fitted(
    discovery(),
    { mesh: 'sidecar', psa: 'privileged' },
    { outside: '203.0.113.7' },
  ).plan;
  t.true(
    outside.instances.some((instance) =>
      instance.probes.some((probe) => probe.destination.kind === 'external'),
    ),
  );
  t.true(outside.needs.externals.includes('relay'));
  t.regex(
    outside.skipped.map((entry) => entry.reason).join('\n'),
    /starts outside the cluster, in the relay, which must run on this machine/,
    'probes from the relay need it on this machine',
  );
});

test('fitting: no Calico skips scenarios with Calico objects; no Calico API server too', (t) => {
  const bare = fitted(discovery({ calico: noCalico }), { mesh: 'ambient' }).plan;
  t.true(
    bare.skipped.some(
      (entry) => entry.scenario === 'sender-side-enforcement' && /runs no Calico/.test(entry.reason),
    ),
  );
  t.false(bare.instances.some((instance) => instance.scenario.scenario.id === 'sender-side-enforcement'));
  const calico = discovery().calico;
  const noApi = fitted(discovery({ calico: calico.present ? { ...calico, apiServer: false } : calico }), {
    mesh: 'ambient',
  }).plan;
  t.true(
    noApi.skipped.some(
      (entry) =>
        entry.scenario === 'sender-side-enforcement' &&
        /does not serve projectcalico\.org\/v3/.test(entry.reason),
    ),
  );
});

test('fitting: without --psa, variants needing another Pod Security level are skipped; with it they run', (t) => {
  const own = fitted(discovery(), { mesh: 'ambient' }).plan;
  t.true(
    own.skipped.some((entry) =>
      /variant deny-list needs Pod Security level privileged; the run tests the cluster's own posture \(baseline\) unless you pass --psa/.test(
        entry.reason,
      ),
    ),
  );
  t.true(
    own.instances.some((instance) => instance.name === 'ambient-so-mark/baseline'),
    'the variant at the cluster’s own level runs',
  );
  const labelled = fitted(discovery(), { mesh: 'ambient', psa: 'baseline' }).plan;
  t.true(labelled.instances.some((instance) => instance.name === 'ambient-so-mark/deny-list'));
});

test('fitting: mesh modes the cluster lacks skip their scenarios; the missing ingress gateway skips its probes', (t) => {
  const plan = fitted(discovery(), { mesh: 'sidecar' }).plan;
  t.true(
    plan.skipped.some(
      (entry) =>
        entry.scenario === 'ambient-so-mark' &&
        /applies to mesh ambient, stack has sidecar/.test(entry.reason),
    ),
  );
  t.true(
    plan.skipped.some((entry) =>
      /ingress gateway, and the cluster has no Service istio-system\/istio-ingressgateway/.test(entry.reason),
    ),
  );
  t.false(plan.needs.ingressGateway, 'a user cluster gets nothing installed');
  t.regex(plan.steps[0]?.title ?? '', /^connect to context /);
});

test('what the run will create: namespaces, confined cluster-scoped objects, privileged pods', (t) => {
  const { plan } = fitted(discovery(), { mesh: 'sidecar', psa: 'privileged' }, { outside: '203.0.113.7' });
  const made = creations(plan, ['1 namespace gauntlet-k3x9za-image-check']);
  t.true(made.namespaces.every((name) => name.startsWith('gauntlet-k3x9za-')));
  t.true(made.clusterScoped.length > 0);
  for (const object of made.clusterScoped)
    t.regex(object.confinedTo, /gauntlet\.dev\/instance == 'k3x9za-[0-9a-f]{5}'$/);
  t.true(made.privilegedPods.some((pod) => pod.asks.includes('NET_ADMIN') && pod.asks.includes('root')));
  t.true(
    made.privilegedPods.some((pod) => pod.asks.includes('hostNetwork')) ||
      !plan.instances.some((instance) => instance.scenario.scenario.id === 'host-network-to-ambient'),
  );
  const text = describeCreations(made, 'staging', 'k3x9za').join('\n');
  t.regex(
    text,
    /^on context staging this run creates \(all labelled gauntlet\.dev\/run=k3x9za, all deleted at the end\):/,
  );
  t.regex(text, /GlobalNetworkPolicy attacker-dns-only-k3x9za-[0-9a-f]{5}, confined to namespaces matching/);
  t.regex(text, /pods? asking for more than the restricted Pod Security level:/);
});

test('a cluster whose Calico version was not found matches no when.calico, not even a comparison', (t) => {
  const user = userStackFor(discovery({ calico: noCalico }));
  const traits = stackTraits(user.stack);
  t.is(traits.calico, undefined);
  t.false(whenMatches({ calico: '<v3.32' }, traits, 'open'));
  t.false(whenMatches({ calico: 'v0' }, traits, 'open'));
});

test("fitting: a scenario's own gateway is built by the run revision's injector, and skipped without one", (t) => {
  const { plan } = fitted(discovery(), { mesh: 'ambient' });
  const instance = plan.instances.find(
    (candidate) => candidate.scenario.scenario.id === 'gateway-pod-policy',
  );
  const gateway = instance?.objects.deployments.find((object) => object.metadata.name === 'gateway');
  const template = (gateway?.['spec'] as { template: { metadata: { labels: Record<string, string> } } })
    ?.template;
  t.is(template?.metadata.labels['istio.io/rev'], 'default', "ambient's revision picks the injector");
  const noInjector = discovery();
  noInjector.istio.revisions = noInjector.istio.revisions.map(
    ({ injector: _injector, ...revision }) => revision,
  );
  const skipped = fitted(noInjector, { mesh: 'ambient' }).plan;
  t.false(skipped.instances.some((candidate) => candidate.scenario.scenario.id === 'gateway-pod-policy'));
  t.true(
    skipped.skipped.some(
      (entry) =>
        entry.scenario === 'gateway-pod-policy' &&
        entry.reason ===
          "deploys an ingress gateway of its own, which Istio's sidecar injector builds, and revision default has no injector webhook",
    ),
  );
});
