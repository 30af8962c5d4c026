// Discovery against the fake API server serving realistic objects: a cluster with Calico (operator,
// API server) and Istio (two revisions, istio-cni, ztunnel), one with Calico installed from
// manifests, one with neither; the admission check's namespace and dry-runs; and that every read is
// a read.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { connectCluster } from '../../../harness/cluster/kubernetes-cluster.ts';
import type { DiscoverOptions } from '../../../harness/cluster/discovery/discover.ts';
import {
  describeDiscovery,
  discoverCluster,
  gauntletStackRecord,
} from '../../../harness/cluster/discovery/discover.ts';
import { stackRecordRef } from '../../../harness/run/stack-record.ts';
import { startFakeApiServer } from './helpers/fake-api-server.ts';
import type { Json } from './helpers/fake-cluster-state.ts';
import { FakeClusterState, groupsWithout, servedGroups } from './helpers/fake-cluster-state.ts';
import type { FakeStateOptions } from './helpers/fake-cluster-state.ts';
import {
  baseObjects,
  clusterInformation,
  podSecurity,
  podSecurityRefusal,
  realisticCluster,
} from './helpers/realistic-objects.ts';

const never = new AbortController().signal;

const options: DiscoverOptions = {
  context: 'staging',
  apiServer: 'https://staging.example.com:6443',
  admissionCheck: true,
  admissionNamespace: 'gauntlet-discover-ab12cd',
  labels: { 'gauntlet.dev/run': 'ab12cd' },
  image: 'registry.example.com/gauntlet-probe:0.1.0',
  signal: never,
};

/** Pod Security enforcing `level` by default, as a cluster's AdmissionConfiguration would. */
function enforcing(level: 'privileged' | 'baseline' | 'restricted'): FakeStateOptions['admitPod'] {
  const check = podSecurity(level);
  return (pod, namespace) => {
    const refused = check(pod, namespace);
    const name = String((pod['metadata'] as Json)['name']);
    return refused ? podSecurityRefusal(name, refused.level, refused.problems) : undefined;
  };
}

async function setup(t: ExecutionContext, objects: Json[], stateOptions: FakeStateOptions = {}) {
  const state = new FakeClusterState(objects, stateOptions);
  const server = await startFakeApiServer({
    handle: state.handle,
    groups: stateOptions.groups ?? servedGroups,
  });
  t.teardown(() => server.close());
  const cluster = connectCluster(server.kubeconfigPath, { retry: { attempts: 1 } });
  return { state, server, cluster };
}

test('a cluster with Calico and Istio: versions, dataplane, revisions, injectors, istio-cni, ztunnel, modes', async (t) => {
  const { cluster } = await setup(t, realisticCluster(), { admitPod: enforcing('baseline') });
  const discovery = await discoverCluster(cluster, options);

  t.is(discovery.kubernetes, 'v1.33.4-eks-1234');
  t.is(discovery.nodes, 3);
  t.like(discovery.calico, {
    present: true,
    variant: 'Calico',
    version: 'v3.32.1',
    versionFrom: 'ClusterInformation spec.calicoVersion',
    dataplane: 'iptables',
    dataplaneFrom: 'Installation status.computed.calicoNetwork.linuxDataplane',
    operator: true,
    apiServer: true,
    notes: [],
  });
  t.deepEqual(discovery.calico.present ? discovery.calico.statuses.map((status) => status.name) : [], [
    'apiserver',
    'calico',
    'ippools',
  ]);

  const { istio } = discovery;
  t.deepEqual(
    istio.revisions.map(({ revision, version, injector, sidecarMode, tags, readyReplicas }) => ({
      revision,
      version,
      injector,
      sidecarMode,
      tags,
      readyReplicas,
    })),
    [
      {
        revision: '1-31-0',
        version: '1.31.0',
        injector: 'istio-sidecar-injector-1-31-0',
        sidecarMode: 'sidecar-cni',
        tags: ['canary'],
        readyReplicas: 1,
      },
      {
        revision: 'default',
        version: '1.30.3',
        injector: 'istio-sidecar-injector',
        sidecarMode: 'sidecar',
        tags: [],
        readyReplicas: 1,
      },
    ],
    'the tag webhook and kyverno’s are not taken for injectors; sidecar-cni from pilot.cni.enabled',
  );
  t.like(istio.cni, {
    namespace: 'istio-system',
    name: 'istio-cni-node',
    ready: 3,
    desired: 3,
    ambientEnabled: true,
  });
  t.like(istio.ztunnel, { namespace: 'istio-system', name: 'ztunnel', version: '1.30.3' });
  t.deepEqual(istio.offers, [
    { mode: 'none' },
    { mode: 'sidecar-cni', revision: '1-31-0', version: '1.31.0' },
    { mode: 'sidecar', revision: 'default', version: '1.30.3' },
    { mode: 'ambient', revision: 'default', version: '1.30.3' },
  ]);
  t.deepEqual(istio.services, { istiod: true, ingressGateway: true });
});

test('the admission check: a fresh namespace with only gauntlet’s labels, dry-run pods, deleted; Pod Security named', async (t) => {
  const { cluster, server, state } = await setup(t, realisticCluster(), { admitPod: enforcing('baseline') });
  const discovery = await discoverCluster(cluster, options);
  const posture = discovery.admission;
  t.is(posture?.level, 'baseline');
  t.is(posture?.podSecurityDefault, 'baseline');
  t.deepEqual(posture?.otherRefusers, []);
  t.deepEqual(
    posture?.results.map((result) => [result.id, result.verdict.admitted]),
    [
      ['restricted', true],
      ['root', true],
      ['net-raw', false],
      ['net-admin', false],
      ['host-network', false],
    ],
  );
  const netRaw = posture?.results.find((result) => result.id === 'net-raw')?.verdict;
  t.like(netRaw, { admitted: false, refuser: { by: 'pod-security', level: 'baseline', version: 'latest' } });

  const writes = server.requests.filter((request) => request.method !== 'GET');
  t.deepEqual(
    writes.map(
      (request) =>
        `${request.method} ${request.path}${request.query.get('dryRun') ? ` dryRun=${request.query.get('dryRun')}` : ''}`,
    ),
    [
      'POST /api/v1/namespaces',
      ...['restricted', 'root', 'net-raw', 'net-admin', 'host-network'].map(
        () => 'POST /api/v1/namespaces/gauntlet-discover-ab12cd/pods dryRun=All',
      ),
      'DELETE /api/v1/namespaces/gauntlet-discover-ab12cd',
    ],
    'besides the SelfSubjectAccessReviews of the preflight (not here), these are the only writes',
  );
  const created = JSON.parse(writes[0]?.body ?? '{}') as { metadata: { labels: Record<string, string> } };
  t.deepEqual(
    created.metadata.labels,
    { 'gauntlet.dev/run': 'ab12cd' },
    'no Pod Security label: the cluster’s defaults apply',
  );
  t.is(state.get('v1', 'namespaces', 'gauntlet-discover-ab12cd'), undefined, 'the namespace is gone');
  const pod = JSON.parse(writes[3]?.body ?? '{}') as {
    spec: { containers: { image: string; securityContext: unknown }[] };
  };
  t.is(pod.spec.containers[0]?.image, options.image, 'the probe image, so an image policy answers too');
  t.deepEqual(pod.spec.containers[0]?.securityContext, { runAsUser: 0, capabilities: { add: ['NET_RAW'] } });
});

test('a webhook refusing what Pod Security allows is named, and lowers the level', async (t) => {
  const kyverno = (pod: Json): ReturnType<NonNullable<FakeStateOptions['admitPod']>> => {
    const name = String((pod['metadata'] as Json)['name']);
    const context = ((pod['spec'] as { containers: Json[] }).containers[0]?.['securityContext'] ?? {}) as {
      runAsUser?: number;
    };
    if (context.runAsUser !== 0) return undefined;
    return {
      status: 400,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 400,
        reason: 'BadRequest',
        message: `admission webhook "validate.kyverno.svc-fail" denied the request: \n\nresource Pod/gauntlet-discover-ab12cd/${name} was blocked due to the following policies \n\nrequire-run-as-nonroot:\n  run-as-non-root: 'validation error: Running as root is not allowed. rule run-as-non-root failed at path /spec/containers/0/securityContext/runAsNonRoot/'`,
      },
    };
  };
  const { cluster } = await setup(t, realisticCluster(), { admitPod: (pod) => kyverno(pod) });
  const discovery = await discoverCluster(cluster, options);
  t.is(discovery.admission?.level, 'restricted');
  t.deepEqual(discovery.admission?.otherRefusers, ['admission webhook "validate.kyverno.svc-fail"']);
  t.is(discovery.admission?.podSecurityDefault, undefined);
  t.like(discovery.admission?.results.find((result) => result.id === 'root')?.verdict, {
    admitted: false,
    refuser: { by: 'webhook', name: 'validate.kyverno.svc-fail' },
  });
  t.true(
    discovery.admission?.results.find((result) => result.id === 'host-network')?.verdict.admitted === true,
  );
});

test('Calico without the operator: dataplane from FelixConfiguration, version from ClusterInformation; no API server', async (t) => {
  const felix: Json = {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'FelixConfiguration',
    metadata: { name: 'default' },
    spec: { bpfEnabled: true, logSeverityScreen: 'Info', reportingInterval: '0s' },
  };
  const groups = groupsWithout('projectcalico.org/v3', 'operator.tigera.io/v1');
  const { cluster } = await setup(t, [...baseObjects, clusterInformation, felix], { groups });
  const discovery = await discoverCluster(cluster, { ...options, admissionCheck: false });
  t.like(discovery.calico, {
    present: true,
    operator: false,
    version: 'v3.32.1',
    dataplane: 'bpf',
    dataplaneFrom: 'FelixConfiguration default spec.bpfEnabled',
    apiServer: false,
  });
  t.regex(
    discovery.calico.present ? discovery.calico.notes.join('\n') : '',
    /projectcalico\.org\/v3 is not served/,
  );
  t.is(discovery.admission, undefined);
});

test('the operator’s dataplane as spelled: Nftables and BPF; VPP is one the expectations do not know', async (t) => {
  for (const [spelled, expected] of [
    ['Nftables', 'nftables'],
    ['BPF', 'bpf'],
    ['VPP', undefined],
  ] as const) {
    const installation: Json = {
      apiVersion: 'operator.tigera.io/v1',
      kind: 'Installation',
      metadata: { name: 'default' },
      spec: { variant: 'CalicoEnterprise', calicoNetwork: { linuxDataplane: spelled } },
      status: { variant: 'CalicoEnterprise', calicoVersion: 'v3.21.2' },
    };
    const { cluster } = await setup(t, [...baseObjects, installation]);
    const discovery = await discoverCluster(cluster, { ...options, admissionCheck: false });
    t.like(discovery.calico, {
      present: true,
      variant: 'CalicoEnterprise',
      version: 'v3.21.2',
      versionFrom: 'Installation status.calicoVersion',
      dataplaneSeen: spelled,
      dataplaneFrom: 'Installation spec.calicoNetwork.linuxDataplane',
    });
    t.is(discovery.calico.present ? discovery.calico.dataplane : 'absent', expected, spelled);
  }
});

test('a cluster with neither Calico nor Istio: none of each, only mesh mode none', async (t) => {
  const groups = groupsWithout(
    'projectcalico.org/v3',
    'operator.tigera.io/v1',
    'crd.projectcalico.org/v1',
    'security.istio.io/v1',
  );
  const { cluster } = await setup(t, baseObjects, { groups, admitPod: enforcing('privileged') });
  const discovery = await discoverCluster(cluster, options);
  t.deepEqual(discovery.calico, {
    present: false,
    why: 'no operator.tigera.io Installation "default" and no ClusterInformation "default"',
  });
  t.false(discovery.istio.present);
  t.deepEqual(discovery.istio.offers, [{ mode: 'none' }]);
  t.deepEqual(discovery.istio.services, { istiod: false, ingressGateway: false });
  t.is(discovery.admission?.level, 'privileged');
});

test('a kind cluster gauntlet made is recognised by its stack record (the same place the run writes)', async (t) => {
  t.deepEqual(gauntletStackRecord, stackRecordRef);
  const record: Json = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...stackRecordRef, labels: { 'gauntlet.dev/run': 'x1' } },
    data: {
      stack: 'calico-ambient',
      calico: 'v3.32.1',
      dataplane: 'iptables',
      mesh: 'ambient',
      istio: '1.30.3',
      kubernetes: 'v1.36.1',
    },
  };
  const { cluster } = await setup(t, [...realisticCluster(), record]);
  const discovery = await discoverCluster(cluster, { ...options, admissionCheck: false });
  t.is(discovery.gauntletStack?.['stack'], 'calico-ambient');
});

test('describeDiscovery prints every part, each refusal with what refused it', async (t) => {
  const { cluster } = await setup(t, realisticCluster(), { admitPod: enforcing('baseline') });
  const text = describeDiscovery(await discoverCluster(cluster, options)).join('\n');
  t.log(text);
  for (const expected of [
    /^context staging at https:\/\/staging\.example\.com:6443$/m,
    /Kubernetes +v1\.33\.4-eks-1234 \(3 nodes\)/,
    /Calico +v3\.32\.1 \(Calico, Tigera operator; version from ClusterInformation spec\.calicoVersion\)/,
    /dataplane iptables \(Installation status\.computed\.calicoNetwork\.linuxDataplane\)/,
    /projectcalico\.org\/v3 served/,
    /revision default: istiod 1\.30\.3 istio-system\/istiod \(1 ready\), injector istio-sidecar-injector \(sidecars redirected by istio-init\)/,
    /revision 1-31-0: .*sidecars redirected by istio-cni.*tags canary/,
    /Mesh modes +none, sidecar-cni \(revision 1-31-0\), sidecar \(revision default\), ambient \(revision default\)/,
    /Admission +baseline \(server-side dry-run in a fresh unlabelled namespace, gauntlet-discover-ab12cd, deleted\)/,
    /net-admin +refused by Pod Security "baseline:latest": pods "gauntlet-admission-net-admin" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities/,
  ])
    t.regex(text, expected);
});
