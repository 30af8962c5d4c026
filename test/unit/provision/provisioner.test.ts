// The real provisioner composed over a scripted shell (no kind, no cluster) and a local server for
// Calico's manifests: the order of commands, what goes on stdin, and the bounded waits.
import test from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { isGauntletError } from '../../../harness/errors.ts';
import type { Stack } from '../../../harness/model/stack.ts';
import type { Versions } from '../../../harness/model/versions.ts';
import { realProvisioner } from '../../../harness/provision/provisioner.ts';
import type { Clock } from '../../../harness/provision/wait.ts';
import type { Shell, ShellOptions, ShellResult } from '../../../harness/shell.ts';
import { startFixtureServer } from './helpers/fixture-server.ts';
import { ambientManifest, printedCalicoImages, tigeraOperator } from './helpers/upstream-excerpts.ts';

const customResources = `apiVersion: operator.tigera.io/v1
kind: Installation
metadata: { name: default }
spec:
  calicoNetwork:
    ipPools: [{ name: default-ipv4-ippool, cidr: 192.168.0.0/16, encapsulation: VXLANCrossSubnet }]
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata: { name: default }
spec: {}
`;

/** calico-node pods as \`kubectl get pods -o json\` lists them. */
function calicoNodePods(nodes: string[], ready = true): string {
  return JSON.stringify({
    items: nodes.map((node, index) => ({
      metadata: { name: `calico-node-${index}` },
      spec: { nodeName: node },
      status: { containerStatuses: [{ name: 'calico-node', ready }] },
    })),
  });
}

const connectProgram = JSON.stringify([
  { id: 41, attach_type: 'cgroup_inet4_connect', attach_flags: 'multi', name: 'calico_connect_v4' },
  { id: 7, attach_type: 'cgroup_device', attach_flags: 'multi', name: 'sd_devices' },
]);

const stack: Stack = {
  id: 'calico-bpf-sidecar',
  title: 't',
  kubernetes: 'v1.36.1',
  nodes: { workers: 1 },
  cni: { name: 'calico', version: 'v3.32.1', dataplane: 'bpf' },
  mesh: { mode: 'sidecar', istio: '1.30.3' },
  admission: 'privileged',
};

function versionsFor(base: string): Versions {
  return {
    kind: { version: 'v0.32.0', url: `${base}/kind`, sha256: {} },
    kubectl: { version: 'v1.36.1', url: `${base}/kubectl`, sha256: {} },
    nodeImages: { 'v1.36.1': { image: 'kindest/node:v1.36.1', digest: `sha256:${'a'.repeat(64)}` } },
    istioctl: { url: `${base}/istioctl-{version}-{os}-{arch}.tar.gz` },
    istio: { '1.30.3': { kubernetes: ['1.32', '1.36'], istioctl: { sha256: {} } } },
    calico: {
      'v3.32.1': {
        kubernetes: ['1.34', '1.36'],
        manifests: {
          'operator-crds': { url: `${base}/operator-crds.yaml` },
          'tigera-operator': { url: `${base}/tigera-operator.yaml` },
          'custom-resources': { url: `${base}/custom-resources.yaml` },
        },
      },
    },
  };
}

interface Call {
  command: string;
  args: string[];
  input?: string;
}

/** Tools on a temporary PATH answer their version probes; everything else follows `script`. */
function scriptedShell(
  bin: string,
  script: (call: Call) => Partial<ShellResult> | undefined,
): Shell & { calls: Call[] } {
  const calls: Call[] = [];
  const versions: Record<string, string> = {
    kind: 'kind v0.32.0 go1.24 linux/amd64',
    kubectl: JSON.stringify({ clientVersion: { gitVersion: 'v1.36.1' } }),
    istioctl: JSON.stringify({ clientVersion: { version: '1.30.3' } }),
  };
  return {
    calls,
    async run(command: string, args: readonly string[], options: ShellOptions = {}) {
      const name = command.replace(`${bin}/`, '');
      if (args[0] === 'version')
        return { command: [command, ...args], exitCode: 0, stdout: versions[name] ?? '', stderr: '' };
      const call = {
        command: name,
        args: [...args],
        ...(options.input !== undefined ? { input: options.input } : {}),
      };
      calls.push(call);
      return { command: [command, ...args], exitCode: 0, stdout: '', stderr: '', ...script(call) };
    },
  };
}

/** A temporary folder with stand-in kind, kubectl and istioctl executables on its own PATH. */
function setup(t: Parameters<typeof startFixtureServer>[0]): { dir: string; bin: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-prov-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of ['kind', 'kubectl', 'istioctl']) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  return { dir, bin };
}

/** Each reading of the clock moves it one second: waits run at once and still reach their deadline. */
function steppingClock(): Clock {
  let now = 0;
  return { now: () => (now += 1000), sleep: async () => {} };
}

const calicoFixtures = {
  '/operator-crds.yaml': { body: 'kind: CustomResourceDefinition\n' },
  '/tigera-operator.yaml': { body: tigeraOperator },
  '/custom-resources.yaml': { body: customResources },
};

const readyStatuses = JSON.stringify({
  items: ['calico', 'ippools', 'apiserver'].map((name) => ({
    metadata: { name },
    status: { conditions: [{ type: 'Available', status: 'True' }] },
  })),
});

/** The answers of a cluster that comes up: nodes, Available statuses, calico-node pods, operator output. */
function healthyCluster(call: Call, nodes: string): Partial<ShellResult> | undefined {
  if (call.args.includes('tigerastatus')) return { stdout: readyStatuses };
  if (call.command === 'kind' && call.args[0] === 'get') return { stdout: nodes };
  if (call.args.includes('k8s-app=calico-node')) return { stdout: calicoNodePods(nodes.trim().split('\n')) };
  if (call.args.includes('--print-images=listcalico')) return { stdout: printedCalicoImages };
  if (call.command === 'istioctl' && call.args[0] === 'manifest') return { stdout: ambientManifest };
  return undefined;
}

/** A provisioner over `script` with Calico's fixtures served; the stack is calico-bpf-sidecar. */
async function provisionerFor(
  t: Parameters<typeof startFixtureServer>[0],
  script: (call: Call) => Partial<ShellResult> | undefined,
  extra: Partial<Parameters<typeof realProvisioner>[0]> = {},
) {
  const server = await startFixtureServer(t, calicoFixtures);
  const { dir, bin } = setup(t);
  const shell = scriptedShell(bin, script);
  const logged: string[] = [];
  const provisioner = realProvisioner({
    versions: versionsFor(server.url('').replace(/\/$/, '')),
    shell,
    cacheDir: join(dir, 'cache'),
    platform: 'linux-amd64',
    searchPath: bin,
    clock: steppingClock(),
    log: (message) => logged.push(message),
    ...extra,
  });
  return { provisioner, shell, logged, dir };
}

test('create, Calico (eBPF) and Istio run in order with the rendered inputs', async (t) => {
  let statusPolls = 0;
  let cgroupReads = 0;
  let patched = false;
  let readsBeforePatch = 0;
  const { provisioner, shell, logged, dir } = await provisionerFor(t, (call) => {
    if (call.args.includes('tigerastatus')) {
      statusPolls += 1;
      return { stdout: statusPolls < 3 ? JSON.stringify({ items: [] }) : readyStatuses };
    }
    if (call.args.includes('patch')) patched = true;
    // Felix attaches the connect-time program on every node until the patch; then it restarts, and
    // the worker still has it at the first read back, not after.
    if (call.args.includes('exec') && call.args.includes('calico-node')) {
      if (!patched) {
        readsBeforePatch += 1;
        return { stdout: connectProgram };
      }
      cgroupReads += 1;
      return { stdout: cgroupReads === 2 ? connectProgram : '\n' };
    }
    // No image is on the host yet: every one is pulled.
    if (call.command === 'docker' && call.args[0] === 'image' && call.args[1] === 'inspect')
      return { exitCode: 1, stderr: 'Error: No such image' };
    return healthyCluster(call, 'c1-control-plane\nc1-worker\n');
  });
  const signal = new AbortController().signal;
  const cluster = await provisioner.createCluster(stack, 'c1', signal);
  t.deepEqual(cluster.nodeContainers, ['c1-control-plane', 'c1-worker']);
  t.is(cluster.kubeconfigPath, join(dir, 'cache', 'clusters', 'c1', 'kubeconfig'));
  const create = shell.calls[0];
  t.deepEqual(create?.args.slice(0, 6), ['create', 'cluster', '--name', 'c1', '--config', '-']);
  t.is(parse(create?.input ?? '').networking.kubeProxyMode, 'iptables');
  t.is(parse(readFileSync(join(dir, 'cache', 'clusters', 'c1', 'kind-config.yaml'), 'utf8')).nodes.length, 2);

  await provisioner.installCalico(cluster, stack, signal);
  const kubectlCalls = shell.calls.filter((call) => call.command === 'kubectl');
  const creates = kubectlCalls.filter((call) => call.args.includes('create'));
  t.deepEqual(
    creates.map((call) => call.input?.split('\n')[0]),
    ['kind: CustomResourceDefinition', 'apiVersion: v1', 'apiVersion: operator.tigera.io/v1'],
  );
  // The CRDs are Established before anything that needs them is created.
  const steps = kubectlCalls.map((call) => call.args[2]);
  t.deepEqual(steps.slice(0, 4), ['create', 'wait', 'create', 'create']);
  t.deepEqual(kubectlCalls[1]?.args.slice(2), [
    'wait',
    '--for=condition=Established',
    '--timeout=120s',
    '-f',
    '-',
  ]);
  t.is(kubectlCalls[1]?.input, 'kind: CustomResourceDefinition\n');
  const installation = parseAllDocuments(creates[2]?.input ?? '')[0]?.toJS();
  t.is(installation.spec.calicoNetwork.linuxDataplane, 'BPF');
  t.is(statusPolls, 3, 'polled until every tigerastatus was Available');
  const afterStatus = kubectlCalls.slice(kubectlCalls.findIndex((call) => call.args.includes('patch')));
  t.deepEqual(afterStatus[0]?.args.slice(2, 5), [
    'patch',
    'felixconfigurations.projectcalico.org',
    'default',
  ]);
  // Read back on every node until no connect-time program is left; no rollout wait.
  t.false(afterStatus.some((call) => call.args.includes('rollout')));
  t.is(readsBeforePatch, 2, 'both nodes showed their connect-time program before the patch');
  t.is(cgroupReads, 4, 'two nodes read twice: the worker still had calico_connect_v4 the first time');
  t.deepEqual(
    afterStatus.filter((call) => call.args.includes('exec')).map((call) => call.args[5]),
    ['calico-node-0', 'calico-node-1', 'calico-node-0', 'calico-node-1'],
  );

  // The images were pulled once on the host and loaded before the operator was created: the
  // operator, then what it prints for an Installation and an APIServer.
  const calicoImages = [
    'quay.io/tigera/operator:v1.42.3',
    'quay.io/calico/cni:v3.32.1',
    'quay.io/calico/kube-controllers:v3.32.1',
    'quay.io/calico/node:v3.32.1',
    'quay.io/calico/typha:v3.32.1',
    'quay.io/calico/pod2daemon-flexvol:v3.32.1',
    'quay.io/calico/apiserver:v3.32.1',
    'quay.io/calico/csi:v3.32.1',
    'quay.io/calico/node-driver-registrar:v3.32.1',
    'quay.io/calico/webhooks:v3.32.1',
  ];
  const pulls = shell.calls.filter((call) => call.command === 'docker' && call.args[0] === 'pull');
  t.deepEqual(
    pulls.map((call) => call.args.at(-1)),
    calicoImages,
  );
  const calicoLoad = shell.calls.findIndex((call) => call.command === 'kind' && call.args[0] === 'load');
  t.deepEqual(shell.calls[calicoLoad]?.args, ['load', 'docker-image', ...calicoImages, '--name', 'c1']);
  t.true(calicoLoad < shell.calls.findIndex((call) => call.input === tigeraOperator));

  await provisioner.installIstio(cluster, stack, { ingressGateway: true }, signal);
  const istioLoad = shell.calls.findLast((call) => call.command === 'kind' && call.args[0] === 'load');
  t.deepEqual(istioLoad?.args.slice(2, -2), [
    'registry.istio.io/release/install-cni:1.30.3-distroless',
    'registry.istio.io/release/pilot:1.30.3-distroless',
    'registry.istio.io/release/ztunnel:1.30.3-distroless',
    'registry.istio.io/release/proxyv2:1.30.3-distroless',
  ]);
  t.true(
    shell.calls.indexOf(istioLoad as Call) < shell.calls.findIndex((call) => call.args[0] === 'install'),
  );
  t.deepEqual(
    logged.filter((line) => /preloaded/.test(line)),
    [],
    'everything was preloaded: no warning',
  );
  const istio = shell.calls.find((call) => call.command === 'istioctl' && call.args[0] === 'install');
  t.truthy(istio?.args.includes('profile=default'));
  t.truthy(istio?.args.includes('components.ingressGateways[0].enabled=true'));
  const rollouts = shell.calls
    .slice(shell.calls.indexOf(istio as Call))
    .filter((call) => call.args.includes('rollout'))
    .map((call) => call.args[4]);
  t.deepEqual(rollouts, ['deployment/istiod', 'deployment/istio-ingressgateway']);
  t.deepEqual(
    provisioner.toolsUsed().map((tool) => `${tool.name} ${tool.source}`),
    ['kind path', 'kubectl path', 'istioctl path'],
  );
});

test('Calico that never becomes Available times out saying what it saw', async (t) => {
  const server = await startFixtureServer(t, {
    '/operator-crds.yaml': { body: 'kind: CustomResourceDefinition\n' },
    '/tigera-operator.yaml': { body: 'kind: Deployment\n' },
    '/custom-resources.yaml': { body: customResources },
  });
  const { dir, bin } = setup(t);
  const degraded = JSON.stringify({
    items: [
      {
        metadata: { name: 'calico' },
        status: { conditions: [{ type: 'Degraded', status: 'True', message: 'calico-node not ready' }] },
      },
    ],
  });
  const shell = scriptedShell(bin, (call) =>
    call.args.includes('tigerastatus')
      ? { stdout: degraded }
      : call.args[0] === 'get'
        ? { stdout: 'c2-control-plane\n' }
        : undefined,
  );
  const provisioner = realProvisioner({
    versions: versionsFor(server.url('').replace(/\/$/, '')),
    shell,
    cacheDir: join(dir, 'cache'),
    platform: 'linux-amd64',
    searchPath: bin,
    clock: steppingClock(),
    timeouts: { calicoReadyMs: 20_000 },
  });
  const signal = new AbortController().signal;
  const cluster = await provisioner.createCluster(
    { ...stack, cni: { ...stack.cni, dataplane: 'iptables' } },
    'c2',
    signal,
  );
  const error = await t.throwsAsync(provisioner.installCalico(cluster, stack, signal));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(
    error?.message ?? '',
    /waiting for every tigerastatus Available \(Calico v3\.32\.1, bpf\); last seen: calico: Degraded \(calico-node not ready\); not reported yet: apiserver, ippools/,
  );
});

test("a failed kind create is GAUNTLET_KIND_CREATE_FAILED with kind's stderr", async (t) => {
  const { dir, bin } = setup(t);
  const shell = scriptedShell(bin, (call) =>
    call.args[0] === 'create'
      ? {
          exitCode: 1,
          stderr: 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "c3"',
        }
      : undefined,
  );
  const provisioner = realProvisioner({
    versions: versionsFor('https://unused.test'),
    shell,
    cacheDir: join(dir, 'cache'),
    platform: 'linux-amd64',
    searchPath: bin,
  });
  const error = await t.throwsAsync(provisioner.createCluster(stack, 'c3', new AbortController().signal));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_KIND_CREATE_FAILED');
  t.regex(error?.message ?? '', /already exist for a cluster with the name "c3"/);
  await provisioner.deleteCluster('c3', new AbortController().signal);
  t.deepEqual(shell.calls.at(-1)?.args.slice(0, 4), ['delete', 'cluster', '--name', 'c3']);
});

test('a host that cannot pull: one warning line, nothing loaded, Calico installs and the nodes pull', async (t) => {
  let patched = false;
  const { provisioner, shell, logged } = await provisionerFor(t, (call) => {
    // Felix's connect-time program is attached until the patch turns it off.
    if (call.args.includes('patch')) patched = true;
    if (call.args.includes('exec') && call.args.includes('calico-node'))
      return { stdout: patched ? '\n' : connectProgram };
    if (call.command === 'docker' && call.args[0] === 'image' && call.args[1] === 'inspect')
      return { exitCode: 1, stderr: 'Error: No such image' };
    if (call.command === 'docker' && call.args[0] === 'pull')
      return {
        exitCode: 1,
        stderr: 'toomanyrequests: You have reached your unauthenticated pull rate limit',
      };
    return healthyCluster(call, 'c4-control-plane\n');
  });
  const signal = new AbortController().signal;
  const cluster = await provisioner.createCluster(stack, 'c4', signal);
  await provisioner.installCalico(cluster, stack, signal);
  t.deepEqual(
    shell.calls
      .filter((call) => call.command === 'docker' && call.args[0] === 'pull')
      .map((call) => call.args.at(-1)),
    ['quay.io/tigera/operator:v1.42.3'],
    'the operator was tried once; without it the component images are unknown',
  );
  t.false(shell.calls.some((call) => call.command === 'kind' && call.args[0] === 'load'));
  t.false(shell.calls.some((call) => call.args.includes('--print-images=listcalico')));
  const warnings = logged.filter((line) => /not preloaded/.test(line));
  t.is(warnings.length, 1);
  t.regex(
    warnings[0] ?? '',
    /^Calico v3\.32\.1: 1 of 1 images not preloaded \(pulling quay\.io\/tigera\/operator:v1\.42\.3 on the host failed; without quay\.io\/tigera\/operator:v1\.42\.3 its component images are unknown\); the kind nodes pull them themselves: quay\.io\/tigera\/operator:v1\.42\.3$/,
  );
  t.is(shell.calls.filter((call) => call.command === 'kubectl' && call.args[2] === 'create').length, 3);
});

test('a Felix that keeps its connect-time program times out naming the node and the program', async (t) => {
  let patched = false;
  const { provisioner } = await provisionerFor(
    t,
    (call) => {
      if (call.args.includes('patch')) patched = true;
      return call.args.includes('exec') && (call.args.includes('calico-node-1') || !patched)
        ? { stdout: connectProgram }
        : healthyCluster(call, 'c6-control-plane\nc6-worker\n');
    },
    { timeouts: { calicoReadyMs: 30_000 } },
  );
  const signal = new AbortController().signal;
  const cluster = await provisioner.createCluster(stack, 'c6', signal);
  const error = await t.throwsAsync(provisioner.installCalico(cluster, stack, signal));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_WAIT_TIMEOUT');
  t.regex(
    error?.message ?? '',
    /waiting for Felix to detach the eBPF connect-time load balancer on c6-control-plane, c6-worker; last seen: c6-worker: calico_connect_v4 \(cgroup_inet4_connect\) still attached$/,
  );
});

test('a check that sees no connect-time program before the patch stops the install: it could prove nothing', async (t) => {
  const { provisioner, shell } = await provisionerFor(
    t,
    (call) =>
      call.args.includes('exec') && call.args.includes('calico-node-0')
        ? { stdout: connectProgram }
        : healthyCluster(call, 'c7-control-plane\nc7-worker\n'),
    { timeouts: { calicoReadyMs: 30_000 } },
  );
  const signal = new AbortController().signal;
  const cluster = await provisioner.createCluster(stack, 'c7', signal);
  const error = await t.throwsAsync(provisioner.installCalico(cluster, stack, signal));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_PROVISION_FAILED');
  t.regex(
    error?.message ?? '',
    /sees no eBPF connect-time load balancer to wait for \(c7-worker: no connect-time program\)/,
  );
  t.false(
    shell.calls.some((call) => call.args.includes('patch')),
    'nothing patched when the check would be blind',
  );
});

test('an abort during the host pulls stops the install', async (t) => {
  const controller = new AbortController();
  const { provisioner, shell } = await provisionerFor(t, (call) => {
    if (call.command === 'docker' && call.args[0] === 'image' && call.args[1] === 'inspect')
      return { exitCode: 1, stderr: 'Error: No such image' };
    if (call.command === 'docker' && call.args[0] === 'pull') {
      controller.abort();
      return { exitCode: -1, signal: 'SIGTERM' };
    }
    return healthyCluster(call, 'c7-control-plane\n');
  });
  const cluster = await provisioner.createCluster(stack, 'c7', new AbortController().signal);
  const error = await t.throwsAsync(provisioner.installCalico(cluster, stack, controller.signal));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_ABORTED');
  t.false(shell.calls.some((call) => call.command === 'kubectl' && call.args[2] === 'create'));
});

test('registry mirrors: the kind config points containerd at certs.d and every node gets hosts.toml', async (t) => {
  const { provisioner, shell } = await provisionerFor(
    t,
    (call) => healthyCluster(call, 'c8-control-plane\nc8-worker\n'),
    {
      registryMirrors: [
        { registry: 'docker.io', endpoint: 'https://mirror.gcr.io' },
        { registry: 'quay.io', endpoint: 'http://quay-cache:5000' },
      ],
    },
  );
  await provisioner.createCluster(stack, 'c8', new AbortController().signal);
  const create = shell.calls.find((call) => call.command === 'kind' && call.args[0] === 'create');
  t.deepEqual(parse(create?.input ?? '').containerdConfigPatches, [
    '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
  ]);
  const execs = shell.calls.filter((call) => call.command === 'docker' && call.args[0] === 'exec');
  t.deepEqual(
    execs.map((call) => call.args.join(' ')),
    [
      'exec c8-control-plane mkdir -p /etc/containerd/certs.d/docker.io',
      'exec --interactive c8-control-plane cp /dev/stdin /etc/containerd/certs.d/docker.io/hosts.toml',
      'exec c8-control-plane mkdir -p /etc/containerd/certs.d/quay.io',
      'exec --interactive c8-control-plane cp /dev/stdin /etc/containerd/certs.d/quay.io/hosts.toml',
      'exec c8-worker mkdir -p /etc/containerd/certs.d/docker.io',
      'exec --interactive c8-worker cp /dev/stdin /etc/containerd/certs.d/docker.io/hosts.toml',
      'exec c8-worker mkdir -p /etc/containerd/certs.d/quay.io',
      'exec --interactive c8-worker cp /dev/stdin /etc/containerd/certs.d/quay.io/hosts.toml',
    ],
  );
  t.is(
    execs[3]?.input,
    'server = "https://quay.io"\n\n[host."http://quay-cache:5000"]\n  capabilities = ["pull", "resolve"]\n',
  );
});

test('without mirrors the kind config has no containerd patch and no node is touched', async (t) => {
  const { provisioner, shell } = await provisionerFor(t, (call) =>
    healthyCluster(call, 'c9-control-plane\n'),
  );
  await provisioner.createCluster(stack, 'c9', new AbortController().signal);
  const create = shell.calls.find((call) => call.command === 'kind' && call.args[0] === 'create');
  t.is(parse(create?.input ?? '').containerdConfigPatches, undefined);
  t.false(shell.calls.some((call) => call.command === 'docker'));
});
