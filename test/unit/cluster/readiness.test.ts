// The readiness judgement on crafted API objects shaped like the real ones: a Ready pod, Pod
// Security Admission refusing the pods (seen on the Deployment, the ReplicaSet or only in events),
// refusals that are not admission, and what "last seen" says when a pod never gets ready.
import test from 'ava';
import type {
  CoreV1Event,
  V1Deployment,
  V1DeploymentCondition,
  V1Pod,
  V1ReplicaSet,
  V1ReplicaSetCondition,
} from '@kubernetes/client-node';
import { judgeWorkload } from '../../../harness/cluster/readiness.ts';
import type { NamespaceSnapshot } from '../../../harness/cluster/readiness.ts';

const ns = 'psa-restricted-shop-r1aaaa';
const target = { namespace: ns, deployment: 'attacker' };
const psaMessage =
  'pods "attacker-6c9d5b7f4-" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false ' +
  '(container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities ' +
  '(container "agent" must set securityContext.capabilities.drop=["ALL"]; container "agent" must not include "NET_ADMIN" ' +
  'in securityContext.capabilities.add)';

function deployment(name = 'attacker', conditions: V1DeploymentCondition[] = []): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, uid: `uid-${name}` },
    spec: { selector: { matchLabels: { app: name } }, template: {} },
    status: { conditions },
  };
}

function replicaSet(
  name: string,
  owner = 'attacker',
  revision = '1',
  conditions: V1ReplicaSetCondition[] = [],
): V1ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `uid-${owner}`, controller: true },
      ],
    },
    spec: { selector: { matchLabels: { app: owner } } },
    status: { replicas: 0, conditions },
  };
}

function pod(name: string, rs: string, status: V1Pod['status'], extra: Partial<V1Pod> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      creationTimestamp: new Date('2025-01-01T00:00:00Z'),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `uid-${rs}`, controller: true },
      ],
      ...extra.metadata,
    },
    spec: {
      nodeName: 'gauntlet-r1-worker',
      serviceAccountName: 'attacker',
      containers: [{ name: 'agent', image: 'gauntlet-probe:test' }],
      ...extra.spec,
    },
    status,
  };
}

const readyStatus: V1Pod['status'] = {
  phase: 'Running',
  podIP: '10.244.1.9',
  conditions: [
    { type: 'PodScheduled', status: 'True' },
    { type: 'ContainersReady', status: 'True' },
    { type: 'Ready', status: 'True' },
  ],
};

function event(
  partial: Partial<CoreV1Event> & { involvedObject: CoreV1Event['involvedObject'] },
): CoreV1Event {
  return { metadata: { name: `e-${Math.random()}` }, type: 'Warning', ...partial };
}

function snapshot(partial: Partial<NamespaceSnapshot>): NamespaceSnapshot {
  return { deployments: [deployment()], replicaSets: [], pods: [], events: [], ...partial };
}

const failedCreate = (message: string) => ({
  type: 'ReplicaFailure',
  status: 'True',
  reason: 'FailedCreate',
  message,
});

test('ready: a pod of the Deployment with Ready=True, with what the run needs to exec into it', (t) => {
  const readyPod = pod('attacker-6c9d5b7f4-abcde', 'attacker-6c9d5b7f4', readyStatus, {
    spec: {
      containers: [{ name: 'agent', image: 'i' }],
      // Istio as a native sidecar: an init container that keeps running.
      initContainers: [
        { name: 'istio-init', image: 'proxyv2' },
        { name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always' },
      ],
      nodeName: 'gauntlet-r1-worker',
      serviceAccountName: 'attacker',
    },
  });
  const judged = judgeWorkload(
    target,
    snapshot({ replicaSets: [replicaSet('attacker-6c9d5b7f4')], pods: [readyPod] }),
  );
  t.deepEqual(judged, {
    deployment: 'attacker',
    namespace: ns,
    state: 'ready',
    pod: {
      name: 'attacker-6c9d5b7f4-abcde',
      namespace: ns,
      ip: '10.244.1.9',
      node: 'gauntlet-r1-worker',
      serviceAccount: 'attacker',
      containers: ['agent', 'istio-proxy'],
    },
  });
});

test('denied: Pod Security Admission refused the pods, as the Deployment mirrors it', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      deployments: [
        deployment('attacker', [{ type: 'Progressing', status: 'True' }, failedCreate(psaMessage)]),
      ],
      replicaSets: [replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(psaMessage)])],
    }),
  );
  t.deepEqual(judged, {
    deployment: 'attacker',
    namespace: ns,
    state: 'denied-at-admission',
    message: psaMessage,
  });
});

test('denied: seen on the ReplicaSet before the Deployment controller copied it', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(psaMessage)])],
    }),
  );
  t.is(judged.state, 'denied-at-admission');
});

test('denied: only the FailedCreate events tell, when an earlier failure holds the condition', (t) => {
  const earlier =
    'pods "attacker-6c9d5b7f4-" is forbidden: error looking up service account x/attacker: serviceaccount "attacker" not found';
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(earlier)])],
      events: [
        event({
          involvedObject: { kind: 'ReplicaSet', name: 'attacker-6c9d5b7f4' },
          reason: 'FailedCreate',
          message: `Error creating: ${earlier}`,
          lastTimestamp: new Date('2025-01-01T00:00:01Z'),
        }),
        event({
          involvedObject: { kind: 'ReplicaSet', name: 'attacker-6c9d5b7f4' },
          reason: 'FailedCreate',
          message: `Error creating: ${psaMessage}`,
          lastTimestamp: new Date('2025-01-01T00:00:03Z'),
        }),
      ],
    }),
  );
  t.deepEqual(judged, {
    deployment: 'attacker',
    namespace: ns,
    state: 'denied-at-admission',
    message: psaMessage,
  });
});

test('denied: a validating webhook refusing the pods counts as admission too', (t) => {
  const message =
    'admission webhook "validate.kyverno.svc-fail" denied the request: policy disallow-capabilities';
  const judged = judgeWorkload(
    target,
    snapshot({ replicaSets: [replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(message)])] }),
  );
  t.is(judged.state, 'denied-at-admission');
});

test('not denied: a quota refusal is not a security control; the last seen says what happened', (t) => {
  const quota =
    'pods "attacker-6c9d5b7f4-x" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10';
  const judged = judgeWorkload(
    target,
    snapshot({ replicaSets: [replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(quota)])] }),
  );
  t.is(judged.state, 'not-ready');
  t.regex(
    judged.state === 'not-ready' ? judged.lastSeen : '',
    /ReplicaSet attacker-6c9d5b7f4 has no pod; FailedCreate: .*exceeded quota/,
  );
});

test('a denial of another Deployment (the opted-out twin) is not this one’s', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      deployments: [deployment(), deployment('attacker-opt-out')],
      replicaSets: [
        replicaSet('attacker-6c9d5b7f4'),
        replicaSet('attacker-opt-out-7b8c', 'attacker-opt-out', '1', [failedCreate(psaMessage)]),
      ],
      pods: [pod('attacker-opt-out-7b8c-zzz', 'attacker-opt-out-7b8c', readyStatus)],
    }),
  );
  t.is(judged.state, 'not-ready', 'neither the twin’s refusal nor the twin’s Ready pod count');
});

test('a Ready pod wins over a refusal recorded earlier; a terminating Ready pod does not count', (t) => {
  const rs = replicaSet('attacker-6c9d5b7f4', 'attacker', '1', [failedCreate(psaMessage)]);
  const terminating = pod('attacker-6c9d5b7f4-old', 'attacker-6c9d5b7f4', readyStatus, {
    metadata: {
      name: 'attacker-6c9d5b7f4-old',
      namespace: ns,
      deletionTimestamp: new Date('2025-01-01T00:01:00Z'),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'attacker-6c9d5b7f4', uid: 'u', controller: true },
      ],
    },
  });
  t.is(
    judgeWorkload(target, snapshot({ replicaSets: [rs], pods: [terminating] })).state,
    'denied-at-admission',
  );
  const ready = pod('attacker-6c9d5b7f4-new', 'attacker-6c9d5b7f4', readyStatus);
  t.is(judgeWorkload(target, snapshot({ replicaSets: [rs], pods: [terminating, ready] })).state, 'ready');
});

test('the newest ReplicaSet’s Ready pod is the one returned', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-old', 'attacker', '1'), replicaSet('attacker-new', 'attacker', '2')],
      pods: [
        pod('attacker-old-a', 'attacker-old', readyStatus),
        pod('attacker-new-b', 'attacker-new', { ...readyStatus, podIP: '10.244.1.10' }),
      ],
    }),
  );
  t.is(judged.state === 'ready' ? judged.pod.name : '', 'attacker-new-b');
});

test('not ready: an image that cannot be pulled, with the pod’s warning event', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-6c9d5b7f4')],
      pods: [
        pod('attacker-6c9d5b7f4-abcde', 'attacker-6c9d5b7f4', {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'True' },
            { type: 'Ready', status: 'False' },
          ],
          containerStatuses: [
            {
              name: 'agent',
              ready: false,
              restartCount: 0,
              image: 'gauntlet-probe:test',
              imageID: '',
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: 'Back-off pulling image "gauntlet-probe:test"',
                },
              },
            },
          ],
        }),
      ],
      events: [
        event({
          involvedObject: { kind: 'Pod', name: 'attacker-6c9d5b7f4-abcde' },
          reason: 'Failed',
          message: 'Failed to pull image "gauntlet-probe:test": not found',
          lastTimestamp: new Date('2025-01-01T00:00:02Z'),
        }),
      ],
    }),
  );
  t.deepEqual(judged, {
    deployment: 'attacker',
    namespace: ns,
    state: 'not-ready',
    lastSeen:
      'pod attacker-6c9d5b7f4-abcde Pending; container agent waiting: ImagePullBackOff Back-off pulling image "gauntlet-probe:test"; ' +
      'event Failed: Failed to pull image "gauntlet-probe:test": not found',
  });
});

test('not ready: a crash-looping container, with the pod (it has an IP) for diagnostics', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-6c9d5b7f4')],
      pods: [
        pod('attacker-6c9d5b7f4-abcde', 'attacker-6c9d5b7f4', {
          phase: 'Running',
          podIP: '10.244.1.9',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            {
              name: 'agent',
              ready: false,
              restartCount: 4,
              image: 'i',
              imageID: '',
              state: {
                waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
              },
              lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        }),
      ],
    }),
  );
  t.is(judged.state, 'not-ready');
  if (judged.state !== 'not-ready') return;
  t.regex(
    judged.lastSeen,
    /container agent waiting: CrashLoopBackOff back-off 40s restarting failed container \(last exit 1 Error\)/,
  );
  t.is(judged.pod?.ip, '10.244.1.9');
});

test('not ready: unschedulable, and a Deployment that does not exist', (t) => {
  const judged = judgeWorkload(
    target,
    snapshot({
      replicaSets: [replicaSet('attacker-6c9d5b7f4')],
      pods: [
        pod('attacker-6c9d5b7f4-abcde', 'attacker-6c9d5b7f4', {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/2 nodes are available: 2 Insufficient cpu.',
            },
          ],
        }),
      ],
    }),
  );
  t.regex(
    judged.state === 'not-ready' ? judged.lastSeen : '',
    /not scheduled: Unschedulable 0\/2 nodes are available/,
  );
  t.deepEqual(judgeWorkload(target, snapshot({ deployments: [] })), {
    deployment: 'attacker',
    namespace: ns,
    state: 'not-ready',
    lastSeen: `Deployment ${ns}/attacker not found`,
  });
});
