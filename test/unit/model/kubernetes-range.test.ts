// A stack runs on a Kubernetes minor both its Calico and its Istio release support.
import test from 'ava';
import {
  kubernetesFor,
  noKubernetesMessage,
  supportedRange,
} from '../../../harness/model/kubernetes-range.ts';
import type { Stack } from '../../../harness/model/stack.ts';
import type { Versions } from '../../../harness/model/versions.ts';

const manifests = {
  'operator-crds': { url: 'https://example.invalid/a.yaml' },
  'tigera-operator': { url: 'https://example.invalid/b.yaml' },
  'custom-resources': { url: 'https://example.invalid/c.yaml' },
};
const versions = {
  nodeImages: {
    'v1.36.1': { image: 'kindest/node:v1.36.1' },
    'v1.35.5': { image: 'kindest/node:v1.35.5' },
    'v1.33.2': { image: 'kindest/node:v1.33.2' },
  },
  calico: {
    'v3.31.7': { kubernetes: ['1.32', '1.35'], manifests },
    'v3.32.1': { kubernetes: ['1.34', '1.36'], manifests },
  },
  istio: {
    '1.29.9': { kubernetes: ['1.31', '1.35'], istioctl: { sha256: {} } },
    '1.30.3': { kubernetes: ['1.32', '1.36'], istioctl: { sha256: {} } },
    '1.28.0': { kubernetes: ['1.29', '1.33'], istioctl: { sha256: {} } },
  },
} as unknown as Versions;

function stack(calico: string, istio: string | undefined, kubernetes = 'v1.36.1'): Stack {
  return {
    id: 'calico-ambient',
    title: 'x',
    kubernetes,
    nodes: 1,
    cni: { name: 'calico', version: calico, dataplane: 'iptables' },
    mesh: istio ? { mode: 'ambient', istio } : { mode: 'none' },
    admission: 'baseline',
  } as unknown as Stack;
}

test('the stack keeps its own version when both releases support it', (t) => {
  t.is(kubernetesFor(stack('v3.32.1', '1.30.3'), versions), 'v1.36.1');
});

test('Calico 3.31 with Istio 1.30 does not run on 1.36: the newest pinned image in both ranges', (t) => {
  // The defect: this cell ran Calico 3.31 on Kubernetes 1.36, outside Calico's tested range.
  t.is(kubernetesFor(stack('v3.31.7', '1.30.3'), versions), 'v1.35.5');
  t.like(supportedRange(stack('v3.31.7', '1.30.3'), versions), { low: 32, high: 35 });
});

test('no mesh: only Calico decides', (t) => {
  t.is(kubernetesFor(stack('v3.31.7', undefined), versions), 'v1.35.5');
});

test('ranges that meet with no pinned image, and ranges that do not meet, each say the fix', (t) => {
  const narrow = {
    ...versions,
    nodeImages: { 'v1.36.1': { image: 'kindest/node:v1.36.1' } },
  } as unknown as Versions;
  t.is(kubernetesFor(stack('v3.31.7', '1.30.3'), narrow), undefined);
  t.is(
    noKubernetesMessage(stack('v3.31.7', '1.30.3'), narrow),
    'no pinned node image suits Calico v3.31.7 (1.32-1.35) and Istio 1.30.3 (1.32-1.36): pin a kind node image of Kubernetes 1.32-1.35 in clusters/versions.yaml nodeImages',
  );
  t.is(kubernetesFor(stack('v3.32.1', '1.28.0'), versions), undefined);
  t.regex(noKubernetesMessage(stack('v3.32.1', '1.28.0'), versions), /support no Kubernetes minor in common/);
});
