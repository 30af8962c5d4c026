// kind config rendering for every shipped stack: the fields Calico and kind need, per dataplane.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../../harness/cli/catalog-access.ts';
import { Stack } from '../../../harness/model/stack.ts';
import { Versions } from '../../../harness/model/versions.ts';
import { nodeImageRef, renderKindConfig } from '../../../harness/plan/kind-config.ts';
import { isGauntletError } from '../../../harness/errors.ts';

const clusters = join(packageRoot, 'clusters');
const versions = Versions.parse(parse(readFileSync(join(clusters, 'versions.yaml'), 'utf8')));
const stacks = readdirSync(join(clusters, 'stacks'))
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => Stack.parse(parse(readFileSync(join(clusters, 'stacks', name), 'utf8'))));

test('the shipped stacks include the ones the nightly needs', (t) => {
  t.deepEqual(stacks.map((stack) => stack.id).sort(), [
    'calico-ambient',
    'calico-bpf-sidecar',
    'calico-nftables-ambient',
    'calico-nomesh',
    'calico-sidecar',
    'calico-sidecar-cni',
  ]);
});

for (const stack of stacks)
  test(`kind config for ${stack.id}`, (t) => {
    const config = renderKindConfig(stack, versions, { name: 'gauntlet-abc123' }) as {
      kind: string;
      apiVersion: string;
      name: string;
      networking: Record<string, unknown>;
      nodes: { role: string; image: string }[];
    };
    t.is(config.kind, 'Cluster');
    t.is(config.apiVersion, 'kind.x-k8s.io/v1alpha4');
    t.is(config.name, 'gauntlet-abc123');
    t.deepEqual(config.networking, {
      disableDefaultCNI: true,
      podSubnet: '192.168.0.0/16',
      kubeProxyMode: stack.cni.dataplane === 'nftables' ? 'nftables' : 'iptables',
    });
    t.deepEqual(
      config.nodes.map((node) => node.role),
      ['control-plane', ...Array.from({ length: stack.nodes.workers }, () => 'worker')],
    );
    const pinned = versions.nodeImages[stack.kubernetes];
    t.truthy(pinned?.digest, `${stack.kubernetes} is pinned with a digest`);
    for (const node of config.nodes) t.is(node.image, `${pinned?.image}@${pinned?.digest}`);
  });

test('worker count follows the stack', (t) => {
  const base = stacks.find((stack) => stack.id === 'calico-nomesh');
  if (!base) return t.fail();
  const config = renderKindConfig({ ...base, nodes: { workers: 0 } }, versions, { name: 'x' }) as {
    nodes: unknown[];
  };
  t.is(config.nodes.length, 1);
});

test('a stack whose Kubernetes version has no node image is a catalog error naming the version', (t) => {
  const base = stacks[0];
  if (!base) return t.fail();
  const error = t.throws(() => nodeImageRef({ id: 'x', kubernetes: 'v1.20.0' }, versions));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_INVALID_CATALOG');
  t.regex(error?.message ?? '', /v1\.20\.0/);
});

test('Istio 1.29 cells of the matrix run on the pinned 1.35 node image', (t) => {
  const release = versions.istio['1.29.9'];
  t.deepEqual(release?.kubernetes, ['1.31', '1.35']);
  t.truthy(Object.keys(versions.nodeImages).find((version) => version.startsWith('v1.35.')));
});

test('registry mirrors: the containerd patch kind documents, pointing config_path at the hosts directory', (t) => {
  const base = stacks.find((stack) => stack.id === 'calico-sidecar');
  if (!base) return t.fail();
  const plain = renderKindConfig(base, versions, { name: 'x' });
  t.false('containerdConfigPatches' in plain, 'no patch without mirrors');
  const mirrored = renderKindConfig(base, versions, {
    name: 'x',
    registryHostsDir: '/etc/containerd/certs.d',
  });
  t.deepEqual(mirrored['containerdConfigPatches'], [
    '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
  ]);
  t.deepEqual(
    { ...mirrored, containerdConfigPatches: undefined },
    { ...plain, containerdConfigPatches: undefined },
  );
});
