// Renders the kind Cluster config (kind.x-k8s.io/v1alpha4) of a stack: pure, no I/O. `gauntlet plan`
// writes it as kind-config.yaml and the kind adapter passes it to `kind create cluster --config`.
// Fields: kubernetes-sigs/kind pkg/apis/config/v1alpha4/types.go @v0.32.0 (Cluster.Name, Node.Role,
// Node.Image, Networking.PodSubnet / DisableDefaultCNI / KubeProxyMode, ContainerdConfigPatches) and
// site/content/docs/user/configuration.md.
import { GauntletError } from '../errors.ts';
import type { Stack } from '../model/stack.ts';
import type { Dataplane } from '../model/traits.ts';
import type { Versions } from '../model/versions.ts';

/**
 * Calico's default IP pool: custom-resources.yaml of the operator install uses cidr 192.168.0.0/16
 * (projectcalico/calico manifests/custom-resources.yaml @v3.31.7 and @v3.32.1), and Calico's kind
 * quickstart sets `podSubnet: 192.168.0.0/16` to match (tigera/docs getting-started/kubernetes/kind.mdx).
 */
export const calicoPodSubnet = '192.168.0.0/16';

/**
 * kube-proxy mode per Calico dataplane. nftables: "your cluster's kube-proxy must also be in nftables
 * mode" (https://docs.tigera.io/calico/latest/getting-started/kubernetes/nftables). bpf: start with
 * iptables, as Calico's own eBPF kind job does (projectcalico/calico hack/test/kind/kind-bpf.config:
 * ipvs leaves state BPF cannot use); the operator then disables kube-proxy itself
 * (Installation kubeProxyManagement: Enabled, see harness/provision/calico.ts). iptables is kind's
 * default, written out so the rendered file says what runs.
 */
export const kubeProxyModeFor: Record<Dataplane, 'iptables' | 'nftables'> = {
  iptables: 'iptables',
  nftables: 'nftables',
  bpf: 'iptables',
};

/** `kindest/node:v1.36.1@sha256:…`: kind's release notes ask for the digest to get an image built for that release. */
export function nodeImageRef(stack: Pick<Stack, 'id' | 'kubernetes'>, versions: Versions): string {
  const pinned = versions.nodeImages[stack.kubernetes];
  if (!pinned)
    throw new GauntletError(
      'GAUNTLET_INVALID_CATALOG',
      `stack ${stack.id}: no node image for Kubernetes ${stack.kubernetes} in clusters/versions.yaml nodeImages`,
      'add the image and digest from the kind release notes, or pick a pinned Kubernetes version',
    );
  return pinned.digest ? `${pinned.image}@${pinned.digest}` : pinned.image;
}

export interface KindConfigOptions {
  /** The cluster name (kind prefixes node containers and the kubeconfig context with it). */
  name: string;
  /**
   * Where containerd reads per-registry hosts.toml files, set when registry mirrors are configured
   * (harness/provision/registry-mirrors.ts writes the files after creation).
   */
  registryHostsDir?: string;
}

/**
 * kind's documented containerdConfigPatches entry for a registry config directory (kubernetes-sigs/kind
 * site/static/examples/kind-with-registry.sh and docs/user/private-registries.md @v0.32.0): "not
 * necessary with images from kind v0.27.0+" (their containerd 2.x defaults config_path to
 * /etc/containerd/certs.d), "it may enable some older images to work similarly". Node images keep
 * config `version = 2` (images/base/files/etc/containerd/config.toml), whose io.containerd.grpc.v1.cri
 * `registry` table containerd 2.x migrates to io.containerd.cri.v1.images (plugins/cri/images/plugin.go
 * migrateConfig @v2.3.1).
 */
export function containerdRegistryConfigPatch(hostsDir: string): string {
  return `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${hostsDir}"`;
}

export function renderKindConfig(
  stack: Stack,
  versions: Versions,
  options: KindConfigOptions,
): Record<string, unknown> {
  const image = nodeImageRef(stack, versions);
  const workers = Array.from({ length: stack.nodes.workers }, () => ({ role: 'worker', image }));
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: options.name,
    networking: {
      // Calico is the CNI: kind must not install kindnetd (configuration.md "Disable Default CNI").
      disableDefaultCNI: true,
      podSubnet: calicoPodSubnet,
      kubeProxyMode: kubeProxyModeFor[stack.cni.dataplane],
    },
    nodes: [{ role: 'control-plane', image }, ...workers],
    ...(options.registryHostsDir
      ? { containerdConfigPatches: [containerdRegistryConfigPatch(options.registryHostsDir)] }
      : {}),
  };
}
