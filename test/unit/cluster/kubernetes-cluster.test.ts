// The adapter against a fake API server on 127.0.0.1: the real requests client-node sends for
// server-side apply (method, path, content type, fieldManager and force, the body unchanged),
// admission refusals as outcomes, transient failures retried, readiness polling, deletion by label
// and the small reads.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import { connectCluster } from '../../../harness/cluster/kubernetes-cluster.ts';
import type { KubernetesClusterOptions } from '../../../harness/cluster/kubernetes-cluster.ts';
import { Scenario } from '../../../harness/model/scenario.ts';
import { renderWorkloads } from '../../../harness/plan/render-workloads.ts';
import type { KubeObject } from '../../../harness/plan/render-workloads.ts';
import { defaultGroups, startFakeApiServer, statusBody } from './helpers/fake-api-server.ts';
import type { FakeApiOptions, RecordedRequest, Reply } from './helpers/fake-api-server.ts';

const never = new AbortController().signal;

/** A clock that only moves when the adapter sleeps, so polling tests take no real time. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function setup(
  t: ExecutionContext,
  options: FakeApiOptions,
  clusterOptions: KubernetesClusterOptions = {},
) {
  const server = await startFakeApiServer(options);
  t.teardown(() => server.close());
  const time = fakeTime();
  const cluster = connectCluster(server.kubeconfigPath, {
    now: time.now,
    sleep: time.sleep,
    ...clusterOptions,
  });
  return { server, cluster, time };
}

const json = (body: unknown): Reply => ({ status: 200, body });
const patches = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'PATCH');

const scenario = Scenario.parse({
  id: 'apply',
  title: 't',
  why: 'w',
  sources: ['s'],
  workloads: {
    attacker: {
      namespace: 'shop',
      role: 'attacker',
      securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
    },
    web: { namespace: 'shop', role: 'target', serve: { http: [8081], tcp: [8080] } },
  },
  variants: { open: [] },
  probes: [{ id: 'direct', from: 'attacker', to: { workload: 'web' }, technique: 'http' }],
});

const rendered = renderWorkloads({
  runId: 'r1',
  instance: 'r1-abcde',
  scenario,
  variant: 'open',
  mesh: 'sidecar',
  admission: 'baseline',
  namespaces: new Map([['shop', 'apply-open-shop-r1aaaa']]),
  image: 'gauntlet-probe:test',
});

const authorizationPolicy: KubeObject = {
  apiVersion: 'security.istio.io/v1',
  kind: 'AuthorizationPolicy',
  metadata: {
    name: 'deny-attacker',
    namespace: 'apply-open-shop-r1aaaa',
    labels: { 'gauntlet.dev/instance': 'r1-abcde' },
  },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    action: 'DENY',
    rules: [
      {
        from: [{ source: { principals: ['cluster.local/ns/x/sa/attacker'] } }],
        to: [{ operation: { ports: ['8081'] } }],
      },
    ],
  },
};

const globalPolicy: KubeObject = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  // A namespace on a cluster-scoped object must not reach the API server.
  metadata: {
    name: 'deny-egress-r1-abcde',
    namespace: 'ignored',
    labels: { 'gauntlet.dev/instance': 'r1-abcde' },
  },
  spec: {
    namespaceSelector: "gauntlet.dev/instance == 'r1-abcde'",
    types: ['Egress'],
    egress: [{ action: 'Deny', protocol: 'TCP', destination: { nets: ['198.18.0.0/16'], ports: [8080] } }],
  },
};

const echoPatch = (request: RecordedRequest): Reply | undefined =>
  request.method === 'PATCH' ? json(JSON.parse(request.body)) : undefined;

test('apply sends one server-side apply PATCH per object, in order, with the object unchanged', async (t) => {
  const { server, cluster } = await setup(t, { handle: echoPatch });
  const objects = [
    ...rendered.namespaces,
    ...rendered.serviceAccounts,
    ...rendered.deployments,
    ...rendered.services,
    authorizationPolicy,
    globalPolicy,
  ];
  const before = structuredClone(objects);
  const outcomes = await cluster.apply(objects, never);

  t.deepEqual(objects, before, 'the caller’s objects are not modified');
  t.deepEqual(
    outcomes.map((o) => o.rejected),
    objects.map(() => undefined),
  );
  t.true(outcomes.every((outcome, index) => outcome.object === objects[index]));
  const sent = patches(server.requests);
  t.deepEqual(
    sent.map((r) => r.path),
    [
      '/api/v1/namespaces/apply-open-shop-r1aaaa',
      '/api/v1/namespaces/apply-open-shop-r1aaaa/serviceaccounts/attacker',
      '/api/v1/namespaces/apply-open-shop-r1aaaa/serviceaccounts/web',
      '/apis/apps/v1/namespaces/apply-open-shop-r1aaaa/deployments/attacker',
      '/apis/apps/v1/namespaces/apply-open-shop-r1aaaa/deployments/web',
      '/api/v1/namespaces/apply-open-shop-r1aaaa/services/web',
      '/apis/security.istio.io/v1/namespaces/apply-open-shop-r1aaaa/authorizationpolicies/deny-attacker',
      '/apis/projectcalico.org/v3/globalnetworkpolicies/deny-egress-r1-abcde',
    ],
  );
  for (const request of sent) {
    t.is(request.contentType, 'application/apply-patch+yaml');
    t.is(request.query.get('fieldManager'), 'gauntlet');
    t.is(request.query.get('force'), 'true');
    t.is(request.authorization, 'Bearer fake-token');
  }
  const { namespace: _dropped, ...clusterScopedMeta } = globalPolicy.metadata;
  const expectedBodies = objects.map((object) =>
    object === globalPolicy ? { ...globalPolicy, metadata: clusterScopedMeta } : object,
  );
  t.deepEqual(
    sent.map((r) => JSON.parse(r.body) as unknown),
    expectedBodies,
    'client-node serialised every object (Deployment through its model too) without losing a field',
  );
});

test('an admission refusal (403 Status) becomes a rejected outcome and the apply goes on', async (t) => {
  const message =
    'admission webhook "validation.istio.io" denied the request: configuration is invalid: ports must be numbers';
  const { server, cluster } = await setup(t, {
    handle: (request) => {
      if (request.method !== 'PATCH') return undefined;
      if (request.path.includes('authorizationpolicies')) return statusBody(403, 'Forbidden', message);
      if (request.path.includes('/deployments/'))
        return statusBody(
          422,
          'Invalid',
          'Deployment.apps "attacker" is invalid: spec.replicas: Invalid value: -1',
        );
      return echoPatch(request);
    },
  });
  const objects = [rendered.deployments[0] as KubeObject, authorizationPolicy, globalPolicy];
  const outcomes = await cluster.apply(objects, never);
  t.deepEqual(outcomes[0]?.rejected, {
    reason: 'Invalid',
    message: 'Deployment.apps "attacker" is invalid: spec.replicas: Invalid value: -1',
  });
  t.deepEqual(outcomes[1]?.rejected, { reason: 'Forbidden', message });
  t.is(outcomes[2]?.rejected, undefined);
  t.is(patches(server.requests).length, 3);
});

test('RBAC saying no is an error about the kubeconfig, not a refusal of the object', async (t) => {
  const { cluster } = await setup(t, {
    handle: (request) =>
      request.method === 'PATCH'
        ? statusBody(
            403,
            'Forbidden',
            'namespaces "x" is forbidden: User "dev" cannot patch resource "namespaces" in API group "" at the cluster scope',
          )
        : undefined,
  });
  const error = await t.throwsAsync(cluster.apply(rendered.namespaces, never));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_CLUSTER_API');
  t.regex(error?.message ?? '', /cannot patch resource/);
});

test('a transient failure (503, a webhook restarting) is retried and then succeeds', async (t) => {
  let calls = 0;
  const { server, cluster, time } = await setup(t, {
    handle: (request) => {
      if (request.method !== 'PATCH') return undefined;
      calls += 1;
      return calls === 1
        ? statusBody(
            503,
            'ServiceUnavailable',
            'Internal error occurred: failed calling webhook "validation.istio.io"',
          )
        : echoPatch(request);
    },
  });
  const outcomes = await cluster.apply([authorizationPolicy], never);
  t.is(outcomes[0]?.rejected, undefined);
  t.is(patches(server.requests).length, 2);
  t.deepEqual(time.sleeps, [500]);
});

test('retries are bounded: a 500 that never ends is an error after the last attempt', async (t) => {
  const { server, cluster } = await setup(
    t,
    {
      handle: (request) =>
        request.method === 'PATCH' ? statusBody(500, 'InternalError', 'etcd down') : undefined,
    },
    { retry: { attempts: 3 } },
  );
  const error = await t.throwsAsync(cluster.apply([authorizationPolicy], never));
  t.true(isGauntletError(error));
  t.regex(error?.message ?? '', /HTTP 500 InternalError: etcd down/);
  t.is(patches(server.requests).length, 3);
});

test('a kind the cluster does not serve (no Calico API server) is an error naming it', async (t) => {
  const { 'projectcalico.org/v3': _calico, ...groups } = defaultGroups;
  const { server, cluster } = await setup(t, { groups, handle: echoPatch });
  const error = await t.throwsAsync(cluster.apply([globalPolicy], never));
  t.true(isGauntletError(error));
  t.regex(error?.message ?? '', /does not serve GlobalNetworkPolicy in projectcalico\.org\/v3/);
  t.is(patches(server.requests).length, 0);
});

test('a namespaced object without a namespace is never applied to the default namespace', async (t) => {
  const { server, cluster } = await setup(t, { handle: echoPatch });
  const { namespace: _namespace, ...metadata } = authorizationPolicy.metadata;
  const error = await t.throwsAsync(cluster.apply([{ ...authorizationPolicy, metadata }], never));
  t.true(isGauntletError(error));
  t.is(patches(server.requests).length, 0);
});

function pod(name: string, ready: boolean, extra: Record<string, unknown> = {}) {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5f7', uid: 'rs1', controller: true },
      ],
    },
    spec: { nodeName: 'kind-worker', serviceAccountName: 'web', containers: [{ name: 'agent', image: 'i' }] },
    status: {
      phase: ready ? 'Running' : 'Pending',
      podIP: ready ? '10.244.1.7' : undefined,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      ...extra,
    },
  };
}

function namespaceLists(pods: () => unknown[]) {
  return (request: RecordedRequest): Reply | undefined => {
    if (request.method !== 'GET') return undefined;
    if (request.path === '/apis/apps/v1/namespaces/ns/deployments')
      return json({
        kind: 'DeploymentList',
        items: [{ metadata: { name: 'web', namespace: 'ns', uid: 'd1' }, spec: {}, status: {} }],
      });
    if (request.path === '/apis/apps/v1/namespaces/ns/replicasets')
      return json({
        kind: 'ReplicaSetList',
        items: [
          {
            metadata: {
              name: 'web-5f7',
              namespace: 'ns',
              uid: 'rs1',
              annotations: { 'deployment.kubernetes.io/revision': '1' },
              ownerReferences: [
                { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true },
              ],
            },
            spec: { selector: {} },
            status: { replicas: 1 },
          },
        ],
      });
    if (request.path === '/api/v1/namespaces/ns/pods') return json({ kind: 'PodList', items: pods() });
    if (request.path === '/api/v1/namespaces/ns/events') return json({ kind: 'EventList', items: [] });
    return undefined;
  };
}

test('waitForDeployments polls until a pod of the Deployment is Ready, tolerating a transient error', async (t) => {
  let round = 0;
  const lists = namespaceLists(() => [pod('web-5f7-abc', round >= 3)]);
  const { cluster, time } = await setup(
    t,
    {
      handle: (request) => {
        if (request.path === '/api/v1/namespaces/ns/pods') {
          round += 1;
          if (round === 2) return statusBody(500, 'InternalError', 'apiserver restarting');
        }
        return lists(request);
      },
    },
    { pollIntervalMs: 1_000 },
  );
  const [readiness] = await cluster.waitForDeployments(
    [{ namespace: 'ns', deployment: 'web' }],
    60_000,
    never,
  );
  t.deepEqual(readiness, {
    deployment: 'web',
    namespace: 'ns',
    state: 'ready',
    pod: {
      name: 'web-5f7-abc',
      namespace: 'ns',
      ip: '10.244.1.7',
      node: 'kind-worker',
      serviceAccount: 'web',
      containers: ['agent'],
    },
  });
  t.is(round, 3);
  t.deepEqual(time.sleeps, [1_000, 1_000]);
});

test('waitForDeployments stops at the deadline and says what it last saw', async (t) => {
  const waiting = pod('web-5f7-abc', false, {
    containerStatuses: [
      {
        name: 'agent',
        ready: false,
        restartCount: 0,
        image: 'i',
        imageID: '',
        state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "i"' } },
      },
    ],
  });
  const { server, cluster, time } = await setup(
    t,
    { handle: namespaceLists(() => [waiting]) },
    { pollIntervalMs: 2_000 },
  );
  const [readiness] = await cluster.waitForDeployments(
    [{ namespace: 'ns', deployment: 'web' }],
    5_000,
    never,
  );
  t.is(readiness?.state, 'not-ready');
  t.regex(readiness?.state === 'not-ready' ? readiness.lastSeen : '', /ImagePullBackOff/);
  t.deepEqual(time.sleeps, [2_000, 2_000, 1_000]);
  t.is(server.requests.filter((r) => r.path === '/api/v1/namespaces/ns/pods').length, 4);
});

test('waitForDeployments gives up at once on a non-transient API error', async (t) => {
  const { cluster } = await setup(t, {
    handle: (request) =>
      request.path.endsWith('/deployments')
        ? statusBody(403, 'Forbidden', 'User "dev" cannot list resource "deployments" in API group "apps"')
        : namespaceLists(() => [])(request),
  });
  const error = await t.throwsAsync(
    cluster.waitForDeployments([{ namespace: 'ns', deployment: 'web' }], 60_000, never),
  );
  t.true(isGauntletError(error));
});

test('deleteByLabel deletes labelled GlobalNetworkPolicies and namespaces (foreground) and waits until gone', async (t) => {
  let namespaceLists = 0;
  const instanceLabel = { 'gauntlet.dev/instance': 'r1-abcde' };
  const { server, cluster } = await setup(t, {
    handle: (request) => {
      if (request.method === 'GET' && request.path === '/apis/projectcalico.org/v3/globalnetworkpolicies')
        return json({
          kind: 'GlobalNetworkPolicyList',
          // As the API server answers a labelSelector: the objects carry the label.
          items: [
            { metadata: { name: 'deny-egress-r1-abcde', labels: { 'gauntlet.dev/instance': 'r1-abcde' } } },
          ],
        });
      if (request.method === 'GET' && request.path === '/api/v1/namespaces') {
        namespaceLists += 1;
        const items =
          namespaceLists === 1
            ? [
                { metadata: { name: 'a', labels: instanceLabel }, status: { phase: 'Active' } },
                { metadata: { name: 'b', labels: instanceLabel }, status: { phase: 'Active' } },
              ]
            : namespaceLists === 2
              ? [{ metadata: { name: 'a', labels: instanceLabel }, status: { phase: 'Terminating' } }]
              : [];
        return json({ kind: 'NamespaceList', items });
      }
      if (request.method === 'DELETE') return json({ kind: 'Status', status: 'Success' });
      return undefined;
    },
  });
  await cluster.deleteByLabel('gauntlet.dev/instance=r1-abcde', never);
  // Lists of what is deleted carry the selector (API discovery, which asks what the server serves, does not).
  const lists = server.requests.filter(
    (r) =>
      r.method === 'GET' &&
      (r.path === '/api/v1/namespaces' || r.path === '/apis/projectcalico.org/v3/globalnetworkpolicies'),
  );
  t.true(lists.length >= 2);
  t.true(lists.every((r) => r.query.get('labelSelector') === 'gauntlet.dev/instance=r1-abcde'));
  const deletes = server.requests.filter((r) => r.method === 'DELETE');
  t.deepEqual(
    deletes.map((r) => r.path),
    [
      '/apis/projectcalico.org/v3/globalnetworkpolicies/deny-egress-r1-abcde',
      '/api/v1/namespaces/a',
      '/api/v1/namespaces/b',
    ],
  );
  t.true(deletes.slice(1).every((r) => r.query.get('propagationPolicy') === 'Foreground'));
  t.is(namespaceLists, 3);
});

test('deleteByLabel: no Calico API is fine; namespaces that never go away end in a timeout error', async (t) => {
  const { server, cluster } = await setup(
    t,
    {
      handle: (request) => {
        if (request.method === 'GET' && request.path === '/api/v1/namespaces')
          return json({
            kind: 'NamespaceList',
            items: [{ metadata: { name: 'a' }, status: { phase: 'Terminating' } }],
          });
        return undefined; // the GlobalNetworkPolicy list answers 404
      },
    },
    { deleteTimeoutMs: 3_000, pollIntervalMs: 1_000 },
  );
  const error = await t.throwsAsync(cluster.deleteByLabel('gauntlet.dev/instance=r1-abcde', never));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(error?.message ?? '', /a \(Terminating\)/);
  t.is(
    server.requests.filter((r) => r.method === 'DELETE').length,
    0,
    'a terminating namespace is not deleted again',
  );
});

test('deleteByLabel refuses a selector that could match everything', async (t) => {
  const { server, cluster } = await setup(t, {});
  for (const selector of ['', ' ', 'gauntlet.dev/instance', '!gauntlet.dev/instance'])
    await t.throwsAsync(cluster.deleteByLabel(selector, never), { message: /equality selector/ });
  t.is(server.requests.length, 0);
});

test('serviceAddress, servicePorts, nodeAddresses, podLogs, events and serverVersion read what the API serves', async (t) => {
  const { server, cluster } = await setup(t, {
    handle: (request) => {
      switch (request.path) {
        case '/api/v1/namespaces/ns/services/web':
          return json({ kind: 'Service', spec: { clusterIP: '10.96.0.12' } });
        case '/api/v1/namespaces/ns/services/headless':
          return json({ kind: 'Service', spec: { clusterIP: 'None' } });
        case '/api/v1/namespaces/istio-system/services/istio-ingressgateway':
          // As istioctl installs it: type LoadBalancer, so each port has a NodePort.
          return json({
            kind: 'Service',
            spec: {
              type: 'LoadBalancer',
              clusterIP: '10.96.7.7',
              ports: [
                { name: 'status-port', port: 15021, targetPort: 15021, nodePort: 31021 },
                { name: 'http2', port: 80, targetPort: 8080, nodePort: 31080 },
              ],
            },
          });
        case '/api/v1/nodes':
          return json({
            kind: 'NodeList',
            items: [
              {
                metadata: { name: 'kind-control-plane' },
                status: {
                  addresses: [
                    { type: 'Hostname', address: 'kind-control-plane' },
                    { type: 'InternalIP', address: 'fc00:f853::2' },
                    { type: 'InternalIP', address: '198.19.0.2' },
                  ],
                },
              },
              { metadata: { name: 'no-ip' }, status: { addresses: [] } },
            ],
          });
        case '/api/v1/namespaces/ns/pods/web-abc/log':
          return { status: 200, body: 'line 1\nline 2\n', contentType: 'text/plain' };
        case '/api/v1/namespaces/ns/events':
          return json({
            kind: 'EventList',
            items: [
              {
                metadata: { name: 'e2' },
                involvedObject: { kind: 'Pod', name: 'web-abc' },
                type: 'Warning',
                reason: 'BackOff',
                message: 'Back-off\nrestarting',
                lastTimestamp: '2025-01-01T00:00:05Z',
                count: 3,
              },
              {
                metadata: { name: 'e1' },
                involvedObject: { kind: 'ReplicaSet', name: 'web-5f7' },
                type: 'Normal',
                reason: 'SuccessfulCreate',
                message: 'Created pod: web-abc',
                eventTime: '2025-01-01T00:00:01.000000Z',
              },
            ],
          });
        case '/version':
          return json({ gitVersion: 'v1.33.1', major: '1', minor: '33', platform: 'linux/amd64' });
        default:
          return undefined;
      }
    },
  });
  t.is(await cluster.serviceAddress('ns', 'web', never), '10.96.0.12');
  t.is(await cluster.serviceAddress('ns', 'headless', never), undefined);
  t.is(await cluster.serviceAddress('ns', 'missing', never), undefined);
  t.deepEqual(await cluster.servicePorts('istio-system', 'istio-ingressgateway', never), [
    { port: 15021, protocol: 'TCP', nodePort: 31021 },
    { port: 80, protocol: 'TCP', nodePort: 31080 },
  ]);
  t.deepEqual(await cluster.servicePorts('ns', 'web', never), [], 'a Service without ports lists none');
  t.is(await cluster.servicePorts('ns', 'missing', never), undefined);
  t.deepEqual(await cluster.nodeAddresses(never), [{ name: 'kind-control-plane', address: '198.19.0.2' }]);
  t.is(await cluster.podLogs('ns', 'web-abc', 'agent', never), 'line 1\nline 2\n');
  t.is(server.requests.find((r) => r.path.endsWith('/log'))?.query.get('container'), 'agent');
  t.is(
    await cluster.events('ns', never),
    '2025-01-01T00:00:01.000Z Normal SuccessfulCreate ReplicaSet/web-5f7 Created pod: web-abc\n' +
      '2025-01-01T00:00:05.000Z Warning BackOff Pod/web-abc Back-off restarting (x3)\n',
  );
  t.is(await cluster.serverVersion(never), 'v1.33.1');
});

test('an aborted signal stops a request with the abort reason', async (t) => {
  const { cluster } = await setup(t, {
    handle: (request) => (request.path === '/version' ? json({ gitVersion: 'v1' }) : undefined),
  });
  const controller = new AbortController();
  const reason = new Error('Ctrl-C');
  controller.abort(reason);
  const error = await t.throwsAsync(cluster.serverVersion(controller.signal));
  t.is(error, reason);
});

test('a kubeconfig that cannot be read is a GauntletError naming the file', (t) => {
  const error = t.throws(() => connectCluster('/nonexistent/kubeconfig'));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_NOT_FOUND');
  t.regex(error?.message ?? '', /\/nonexistent\/kubeconfig/);
});

test('readConfigMap returns the data, or undefined when there is no such ConfigMap', async (t) => {
  const { cluster } = await setup(t, {
    handle: (request) =>
      request.path === '/api/v1/namespaces/kube-system/configmaps/gauntlet-stack'
        ? json({ kind: 'ConfigMap', metadata: { name: 'gauntlet-stack' }, data: { stack: 'calico-ambient' } })
        : request.path === '/api/v1/namespaces/kube-system/configmaps/empty'
          ? json({ kind: 'ConfigMap', metadata: { name: 'empty' } })
          : undefined,
  });
  t.deepEqual(await cluster.readConfigMap('kube-system', 'gauntlet-stack', never), {
    stack: 'calico-ambient',
  });
  t.deepEqual(await cluster.readConfigMap('kube-system', 'empty', never), {});
  t.is(await cluster.readConfigMap('kube-system', 'missing', never), undefined);
});
