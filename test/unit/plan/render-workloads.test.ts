// Rendering per mesh mode: the labels that enrol a namespace or opt a pod out, Pod Security
// Admission labels, the securityContext a pod really gets, and objects valid per kubernetes-models.
import test from 'ava';
import { Scenario } from '../../../harness/model/scenario.ts';
import { meshModes } from '../../../harness/model/traits.ts';
import type { MeshMode } from '../../../harness/model/traits.ts';
import type { KubeObject, WorkloadRenderContext } from '../../../harness/plan/render-workloads.ts';
import { renderWorkloads } from '../../../harness/plan/render-workloads.ts';
import { validateRendered } from '../../../harness/plan/validate-rendered.ts';

const scenario = Scenario.parse({
  id: 'opt-out',
  title: 't',
  why: 'w',
  sources: ['s'],
  workloads: {
    attacker: {
      namespace: 'shop',
      role: 'attacker',
      securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } },
    },
    web: { namespace: 'shop', role: 'target', serve: { http: [8081], tcp: [8080], udp: [5353] } },
    legacy: { namespace: 'legacy', role: 'target', mesh: 'outside', serve: { tcp: [8080] } },
  },
  variants: { open: [] },
  probes: [
    { id: 'direct', from: 'attacker', to: { workload: 'web' }, technique: 'http' },
    {
      id: 'opted-out',
      from: 'attacker',
      to: { workload: 'web' },
      technique: 'http',
      preludes: ['inject-opt-out'],
    },
  ],
});

function render(mesh: MeshMode, admission: 'baseline' | 'restricted' = 'baseline') {
  const context: WorkloadRenderContext = {
    runId: 'r1',
    instance: 'r1-abcde',
    scenario,
    variant: 'open',
    mesh,
    admission,
    namespaces: new Map([
      ['shop', 'opt-out-open-shop-r1aaaa'],
      ['legacy', 'opt-out-open-legacy-r1bbbb'],
    ]),
    image: 'gauntlet-probe:test',
  };
  return renderWorkloads(context);
}

function podLabels(deployment: KubeObject | undefined): Record<string, string> {
  const spec = deployment?.['spec'] as { template: { metadata: { labels: Record<string, string> } } };
  return spec.template.metadata.labels;
}

function container(deployment: KubeObject | undefined): Record<string, unknown> {
  const spec = deployment?.['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } };
  return spec.template.spec.containers[0] ?? {};
}

const expectedNamespaceLabels: Record<MeshMode, Record<string, string>> = {
  none: {},
  sidecar: { 'istio-injection': 'enabled' },
  'sidecar-cni': { 'istio-injection': 'enabled' },
  ambient: { 'istio.io/dataplane-mode': 'ambient' },
};
const expectedOptOutLabels: Record<MeshMode, Record<string, string>> = {
  none: {},
  sidecar: { 'sidecar.istio.io/inject': 'false' },
  'sidecar-cni': { 'sidecar.istio.io/inject': 'false' },
  ambient: { 'istio.io/dataplane-mode': 'none' },
};

for (const mesh of meshModes) {
  test(`${mesh}: meshed namespace enrolled, outside namespace not, PSA enforced on both`, (t) => {
    const { namespaces } = render(mesh);
    const [shop, legacy] = namespaces;
    t.is(shop?.metadata.name, 'opt-out-open-shop-r1aaaa');
    t.like(shop?.metadata.labels, {
      ...expectedNamespaceLabels[mesh],
      'pod-security.kubernetes.io/enforce': 'baseline',
    });
    for (const key of ['istio-injection', 'istio.io/dataplane-mode'])
      t.false(key in (legacy?.metadata.labels ?? {}), `${key} on legacy`);
    t.is(legacy?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
  });

  test(`${mesh}: the inject-opt-out prelude starts an opted-out twin of its source`, (t) => {
    const { deployments, pods } = render(mesh);
    t.deepEqual(
      pods.map((pod) => `${pod.deployment}:${pod.optOut}`),
      ['attacker:false', 'attacker-opt-out:true', 'web:false', 'legacy:false'],
    );
    const twin = deployments.find((deployment) => deployment.metadata.name === 'attacker-opt-out');
    const original = deployments.find((deployment) => deployment.metadata.name === 'attacker');
    t.like(podLabels(twin), {
      ...expectedOptOutLabels[mesh],
      'gauntlet.dev/workload': 'attacker',
      'gauntlet.dev/deployment': 'attacker-opt-out',
      app: 'attacker',
    });
    for (const key of Object.keys(expectedOptOutLabels[mesh])) t.false(key in podLabels(original));
  });

  test(`${mesh}: every rendered object is valid for the Kubernetes API`, (t) => {
    const rendered = render(mesh, 'restricted');
    for (const object of [
      ...rendered.namespaces,
      ...rendered.serviceAccounts,
      ...rendered.deployments,
      ...rendered.services,
    ])
      t.notThrows(() => validateRendered(object), `${object.kind} ${object.metadata.name}`);
  });
}

test('a scenario securityContext is used as written; without one the pod is restricted-compliant', (t) => {
  const { deployments } = render('sidecar');
  const attacker = container(deployments.find((deployment) => deployment.metadata.name === 'attacker'));
  t.deepEqual(attacker['securityContext'], { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } });
  const web = container(deployments.find((deployment) => deployment.metadata.name === 'web'));
  t.deepEqual(web['securityContext'], {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  t.deepEqual(web['args'], ['serve', '--name', 'web', '--tcp', '8080', '--http', '8081', '--udp', '5353']);
  t.like(web['readinessProbe'], { httpGet: { path: '/healthz', port: 8081 } });
});

test('services name ports by protocol so Istio does not sniff', (t) => {
  const { services } = render('ambient');
  const web = services.find((service) => service.metadata.name === 'web');
  const ports = (web?.['spec'] as { ports: { name: string; protocol: string; appProtocol?: string }[] })
    .ports;
  t.deepEqual(
    ports.map((port) => `${port.name}/${port.protocol}/${port.appProtocol ?? '-'}`),
    ['tcp-8080/TCP/tcp', 'http-8081/TCP/http', 'udp-5353/UDP/-'],
  );
  t.false(
    services.some((service) => service.metadata.name === 'attacker'),
    'a pod that serves nothing gets no Service',
  );
});

test('an invalid rendered object is refused with its name and field', (t) => {
  const { deployments } = render('none');
  const broken = structuredClone(deployments[0]) as KubeObject;
  (broken['spec'] as { replicas: unknown }).replicas = 'one';
  t.throws(() => validateRendered(broken), {
    message: /rendered apps\/v1 Deployment opt-out-open-shop-r1aaaa\/attacker is invalid: .*replicas/,
  });
});

test('colocateWith puts the pod on the node of the other workload', (t) => {
  const colocated = Scenario.parse({
    ...scenario,
    workloads: {
      ...scenario.workloads,
      attacker: { namespace: 'shop', role: 'attacker', hostNetwork: true, colocateWith: 'web' },
    },
  });
  const { deployments } = renderWorkloads({
    runId: 'r1',
    instance: 'r1-abcde',
    scenario: colocated,
    variant: 'open',
    mesh: 'ambient',
    admission: 'privileged',
    namespaces: new Map([
      ['shop', 'ns-shop'],
      ['legacy', 'ns-legacy'],
    ]),
    image: 'gauntlet-probe:test',
  });
  const attacker = deployments.find((deployment) => deployment.metadata.name === 'attacker');
  const spec = (attacker?.['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
  t.deepEqual(spec['affinity'], {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: {
            matchLabels: { 'gauntlet.dev/deployment': 'web', 'gauntlet.dev/instance': 'r1-abcde' },
          },
          namespaces: ['ns-shop'],
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    },
  });
  t.true(spec['hostNetwork']);
  for (const deployment of deployments) t.notThrows(() => validateRendered(deployment));
});

test('avoid keeps the pod off the node of the other workload, beside a colocateWith', (t) => {
  const apart = Scenario.parse({
    ...scenario,
    workloads: {
      ...scenario.workloads,
      attacker: { namespace: 'shop', role: 'attacker', avoid: 'web' },
      near: { namespace: 'legacy', role: 'client', mesh: 'outside', colocateWith: 'legacy', avoid: 'web' },
    },
  });
  const { deployments } = renderWorkloads({
    runId: 'r1',
    instance: 'r1-abcde',
    scenario: apart,
    variant: 'open',
    mesh: 'ambient',
    admission: 'privileged',
    namespaces: new Map([
      ['shop', 'ns-shop'],
      ['legacy', 'ns-legacy'],
    ]),
    image: 'gauntlet-probe:test',
  });
  const affinityOf = (name: string) =>
    (
      deployments.find((deployment) => deployment.metadata.name === name)?.['spec'] as {
        template: { spec: Record<string, unknown> };
      }
    ).template.spec['affinity'];
  const term = (workload: string, namespace: string) => ({
    labelSelector: {
      matchLabels: { 'gauntlet.dev/deployment': workload, 'gauntlet.dev/instance': 'r1-abcde' },
    },
    namespaces: [namespace],
    topologyKey: 'kubernetes.io/hostname',
  });
  t.deepEqual(affinityOf('attacker'), {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', 'ns-shop')] },
  });
  t.deepEqual(affinityOf('near'), {
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('legacy', 'ns-legacy')] },
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', 'ns-shop')] },
  });
  t.is(affinityOf('web'), undefined);
  for (const deployment of deployments) t.notThrows(() => validateRendered(deployment));
});
