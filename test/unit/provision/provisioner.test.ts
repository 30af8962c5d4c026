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

test('create, Calico (eBPF) and Istio run in order with the rendered inputs', async (t) => {
  const server = await startFixtureServer(t, {
    '/operator-crds.yaml': { body: 'kind: CustomResourceDefinition\n' },
    '/tigera-operator.yaml': { body: 'kind: Deployment\n' },
    '/custom-resources.yaml': { body: customResources },
  });
  const { dir, bin } = setup(t);
  const ready = JSON.stringify({
    items: ['calico', 'ippools', 'apiserver'].map((name) => ({
      metadata: { name },
      status: { conditions: [{ type: 'Available', status: 'True' }] },
    })),
  });
  let statusPolls = 0;
  const shell = scriptedShell(bin, (call) => {
    if (call.args.includes('tigerastatus')) {
      statusPolls += 1;
      return { stdout: statusPolls < 3 ? JSON.stringify({ items: [] }) : ready };
    }
    if (call.command === 'kind' && call.args[0] === 'get') return { stdout: 'c1-control-plane\nc1-worker\n' };
    return undefined;
  });
  const provisioner = realProvisioner({
    versions: versionsFor(server.url('').replace(/\/$/, '')),
    shell,
    cacheDir: join(dir, 'cache'),
    platform: 'linux-amd64',
    searchPath: bin,
    clock: steppingClock(),
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
    ['kind: CustomResourceDefinition', 'kind: Deployment', 'apiVersion: operator.tigera.io/v1'],
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
  t.deepEqual(afterStatus[1]?.args.slice(2, 5), ['rollout', 'status', 'daemonset/calico-node']);

  await provisioner.installIstio(cluster, stack, { ingressGateway: true }, signal);
  const istio = shell.calls.find((call) => call.command === 'istioctl');
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
