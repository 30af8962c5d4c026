// A run on a cluster the user named, against fakes: nothing is created or deleted but the run's own
// labelled objects (no kind cluster, no Calico or Istio install), everything labelled with the run is
// removed at the end and after Ctrl-C, and the user-cluster environment tells an image the cluster
// cannot pull from a slow one, starts node diagnostics pods only when asked, and reads proxies
// through the API server.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import type { ApiObject, ClusterInspector, ExecResult } from '../../../harness/cluster/cluster.ts';
import { isGauntletError } from '../../../harness/errors.ts';
import { planRun } from '../../../harness/plan/plan.ts';
import type { Classify } from '../../../harness/run/execute-instance.ts';
import type { RunEvent } from '../../../harness/run/events.ts';
import { LeftBehind } from '../../../harness/run/left-behind.ts';
import { userClusterEnvironment } from '../../../harness/run/real-environment.ts';
import type { UserClusterEnvironmentOptions } from '../../../harness/run/real-environment.ts';
import type { KubeObject } from '../../../harness/plan/render-workloads.ts';
import { FakeWorld, runOnFakeWorld } from '../../support/fake-cluster.ts';
import { fixtureCatalog } from '../../support/fixture-catalog.ts';

const classify: Classify = (observation) =>
  observation.outcome === 'connected'
    ? { verdict: 'reached', reason: 'echo answered' }
    : { verdict: 'inconclusive', reason: String(observation['message'] ?? observation.outcome) };

function plan() {
  const { catalog } = loadCatalog(fixtureCatalog);
  const stack = catalog?.stacks.get('calico-ambient');
  if (!catalog || !stack) throw new Error('fixture catalog');
  return planRun(catalog, stack, {
    runId: 'test01',
    image: 'registry.example.com/gauntlet-probe:test',
    namespaces: { prefix: 'gauntlet', labels: { podSecurity: 'none' } },
  });
}

async function runOnContext(world: FakeWorld, keepNamespaces = false, signal?: AbortSignal) {
  const resultsDir = mkdtempSync(join(tmpdir(), 'gauntlet-user-run-'));
  const events: RunEvent[] = [];
  const leftBehind = new LeftBehind();
  try {
    const outcome = await runOnFakeWorld(
      plan(),
      world,
      classify,
      { resultsDir, userCluster: { context: 'staging' }, keepNamespaces },
      { emit: (event) => events.push(event), leftBehind, ...(signal ? { signal } : {}) },
    );
    return { outcome, events, leftBehind };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

test('nothing is created but the run’s own objects, and everything labelled with the run goes at the end', async (t) => {
  const world = new FakeWorld();
  const { outcome, events, leftBehind } = await runOnContext(world);
  t.is(outcome.error, undefined);
  t.deepEqual(
    world.log.filter((line) => !/^(apply|delete gauntlet\.dev\/instance|node diagnostics)/.test(line)),
    ['reuse staging', 'load image', 'start relay', 'stop externals', 'delete gauntlet.dev/run=test01'],
    'no kind cluster made or deleted, no Calico or Istio installed',
  );
  t.false(
    world.applied.some((object) => object.kind === 'ConfigMap'),
    'no stack record on a user’s cluster',
  );
  t.true(events.some((event) => event.kind === 'step-start' && event.title === 'connect to context staging'));
  t.true(
    events.some(
      (event) =>
        event.kind === 'step-start' && /^check that the cluster can pull the probe image/.test(event.title),
    ),
  );
  t.deepEqual(leftBehind.items(), [], 'everything removed');
});

test('Ctrl-C: the instances and the run’s leftovers are still removed; a second Ctrl-C names the cleanup command', async (t) => {
  const world = new FakeWorld({ batchDelayMs: 200 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('Ctrl-C')), 50);
  const resultsDir = mkdtempSync(join(tmpdir(), 'gauntlet-user-run-'));
  t.teardown(() => rmSync(resultsDir, { recursive: true, force: true }));
  const leftBehind = new LeftBehind();
  let during: string[] = [];
  let duringInstance: string[] = [];
  const outcome = await runOnFakeWorld(
    plan(),
    world,
    classify,
    { resultsDir, userCluster: { context: 'staging' } },
    {
      signal: controller.signal,
      leftBehind,
      emit: (event) => {
        if (event.kind === 'step-start' && event.title.startsWith('run ')) during = leftBehind.lines();
        if (event.kind === 'instance-start') duringInstance = leftBehind.lines();
      },
    },
  );
  t.true(outcome.aborted);
  t.true(during.some((line) => line.includes('gauntlet cleanup --context staging --run test01')));
  // The one command that works on any user cluster; no per-instance kubectl line (it would name a
  // KUBECONFIG list as one file, and Calico's API the cluster may not serve).
  t.true(duringInstance.length > 0, 'an instance started while the run was listed');
  t.false(
    duringInstance.some((line) => line.includes('kubectl')),
    duringInstance.join('\n'),
  );
  t.true(world.log.includes('delete gauntlet.dev/run=test01'));
  t.is(world.live.size, 0, 'every instance’s namespaces were deleted: the cluster is not going away');
});

test('--keep-namespaces keeps them and says how to remove them', async (t) => {
  const world = new FakeWorld();
  const { events } = await runOnContext(world, true);
  t.false(world.log.includes('delete gauntlet.dev/run=test01'));
  t.true(
    events.some(
      (event) =>
        event.kind === 'warning' && event.message.includes('gauntlet cleanup --context staging --run test01'),
    ),
  );
});

/** A ClusterInspector answering the image check and node diagnostics from scripts. */
function fakeInspector(script: { pod?: (round: number) => ApiObject | undefined; nodes?: string[] }) {
  const calls: string[] = [];
  const applied: KubeObject[] = [];
  let round = 0;
  const cluster = {
    apply: async (objects: readonly KubeObject[]) => {
      applied.push(...objects);
      calls.push(`apply ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(',')}`);
      return objects.map((object) => ({ object }));
    },
    readPod: async (namespace: string, name: string) => {
      calls.push(`read ${namespace}/${name}`);
      return script.pod?.(round++);
    },
    deleteNamespace: async (name: string) => {
      calls.push(`delete namespace ${name}`);
    },
    nodeAddresses: async () =>
      (script.nodes ?? ['node-a']).map((name, index) => ({ name, address: `10.0.0.${index + 1}` })),
    exec: async (
      pod: { name: string },
      command: readonly string[],
      _stdin: string,
      onLine: (line: string) => void,
    ): Promise<ExecResult> => {
      calls.push(`exec ${pod.name} ${command.join(' ')}`);
      onLine(`${command[0] ?? ''} output`);
      return {
        exitCode: command[0] === 'conntrack' ? 127 : 0,
        stderr: command[0] === 'conntrack' ? 'conntrack: not found' : '',
      };
    },
    listPods: async () => [],
    podLogs: async () => 'ztunnel log\n',
  } as unknown as ClusterInspector;
  return { cluster, calls, applied };
}

function environment(cluster: ClusterInspector, extra: Partial<UserClusterEnvironmentOptions> = {}) {
  let now = 0;
  return userClusterEnvironment({
    context: 'staging',
    kubeconfigFiles: ['/home/me/.kube/config'],
    cluster,
    runId: 'test01',
    mesh: 'ambient',
    nodeDiagnostics: false,
    versions: { calico: 'v3.32.1' },
    log: () => undefined,
    imagePullTimeoutMs: 10_000,
    pollIntervalMs: 2_000,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    ...extra,
  });
}

const waiting = (reason: string, message = ''): ApiObject => ({
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'probe',
        ready: false,
        image: 'i',
        imageID: '',
        state: { waiting: { reason, ...(message ? { message } : {}) } },
      },
    ],
  },
});

test('the image check: ImagePullBackOff is reported as such, and the check’s namespace is deleted', async (t) => {
  const { cluster, calls, applied } = fakeInspector({
    pod: (round) =>
      round < 1
        ? waiting('ContainerCreating')
        : waiting('ImagePullBackOff', 'Back-off pulling image "registry.example.com/gauntlet-probe:test"'),
  });
  const handle = await environment(cluster).createCluster(plan(), {}, new AbortController().signal);
  const error = await t.throwsAsync(
    environment(cluster).loadProbeImage(handle, plan(), new AbortController().signal),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_PROVISION_FAILED');
  t.regex(
    isGauntletError(error) ? error.oneLine() : '',
    /^the cluster cannot pull the probe image registry\.example\.com\/gauntlet-probe:test: ImagePullBackOff \(Back-off pulling image .*\) \(push it to a registry the nodes can pull from/,
  );
  t.deepEqual(
    applied.map(
      (object) => `${object.kind} ${object.metadata.name} ${JSON.stringify(object.metadata.labels)}`,
    ),
    [
      'Namespace gauntlet-test01-image-check {"gauntlet.dev/run":"test01"}',
      'Pod gauntlet-image-check {"gauntlet.dev/run":"test01"}',
    ],
  );
  t.is(calls.at(-1), 'delete namespace gauntlet-test01-image-check');
  t.is(handle.kubeconfigPath, '/home/me/.kube/config', 'the KUBECONFIG the context came from');
});

test('the image check: pulled is fine; a pull that never ends is a bounded wait saying what it last saw', async (t) => {
  const pulled = fakeInspector({
    pod: () => ({
      status: {
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'probe',
            imageID: 'registry.example.com/gauntlet-probe@sha256:ab',
            state: { terminated: { exitCode: 0 } },
          },
        ],
      },
    }),
  });
  const env = environment(pulled.cluster);
  const handle = await env.createCluster(plan(), {}, new AbortController().signal);
  await t.notThrowsAsync(env.loadProbeImage(handle, plan(), new AbortController().signal));

  const slow = fakeInspector({ pod: () => waiting('ContainerCreating') });
  const error = await t.throwsAsync(
    environment(slow.cluster).loadProbeImage(handle, plan(), new AbortController().signal),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(
    error?.message ?? '',
    /was not pulled within 10 s: pod Pending; container waiting: ContainerCreating/,
  );
  t.true(slow.calls.filter((call) => call.startsWith('read')).length <= 7, 'bounded');
});

test('node diagnostics: none unless asked; asked, one privileged hostNetwork pod per node, the rules read through exec', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-node-diag-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const off = fakeInspector({});
  const offEnv = environment(off.cluster);
  const handle = await offEnv.createCluster(plan(), {}, new AbortController().signal);
  t.deepEqual(await offEnv.collectNodeDiagnostics(handle, dir, new AbortController().signal), []);
  t.deepEqual(off.calls, []);

  const on = fakeInspector({
    nodes: ['ip-10-0-1-10.ec2.internal', 'node-b'],
    pod: () => ({
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'diagnostics', imageID: 'x', state: { running: {} } }],
      },
    }),
  });
  const onEnv = environment(on.cluster, { nodeDiagnostics: true });
  const files = await onEnv.collectNodeDiagnostics(handle, dir, new AbortController().signal);
  const pods = on.applied.filter((object) => object.kind === 'Pod');
  t.deepEqual(
    pods.map((pod) => pod.metadata.name),
    ['gauntlet-node-ip-10-0-1-10-ec2-internal', 'gauntlet-node-node-b'],
  );
  for (const pod of pods) {
    const spec = pod['spec'] as {
      hostNetwork: boolean;
      nodeName: string;
      containers: { securityContext: unknown }[];
    };
    t.true(spec.hostNetwork);
    t.deepEqual(spec.containers[0]?.securityContext, { privileged: true, runAsUser: 0 });
  }
  const namespace = on.applied.find((object) => object.kind === 'Namespace');
  t.is(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');
  t.is(namespace?.metadata.labels?.['gauntlet.dev/run'], 'test01');
  t.true(on.calls.some((call) => call === 'exec gauntlet-node-node-b iptables-save -c'));
  t.true(files.some((file) => file.endsWith(join('node-b', 'iptables-save.txt'))));
  t.regex(
    readFileSync(join(dir, 'node-b', 'conntrack.error'), 'utf8'),
    /conntrack -L \(tracked connections\) failed: exit 127, command not found/,
  );
  await onEnv.collectNodeDiagnostics(handle, dir, new AbortController().signal);
  t.is(on.applied.filter((object) => object.kind === 'Pod').length, 2, 'the pods are started once per run');
});
