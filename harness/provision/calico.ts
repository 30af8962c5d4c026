// Installs Calico with the Tigera operator, as Calico 3.30+ documents it for kind
// (tigera/docs calico_versioned_docs/version-3.31/getting-started/kubernetes/kind.mdx):
// `kubectl create -f operator-crds.yaml`, `kubectl create -f tigera-operator.yaml` (create, not apply:
// the CRD bundle is too big for apply's annotation, same page), then custom-resources.yaml with the
// stack's dataplane patched into the Installation, then wait until every TigeraStatus is Available.
import { parseAllDocuments, stringify } from 'yaml';
import { GauntletError } from '../errors.ts';
import type { Stack } from '../model/stack.ts';
import type { Dataplane } from '../model/traits.ts';
import type { CalicoRelease } from '../model/versions.ts';

export const calicoManifestOrder = ['operator-crds', 'tigera-operator', 'custom-resources'] as const;
export type CalicoManifest = (typeof calicoManifestOrder)[number];

/**
 * Installation spec.calicoNetwork.linuxDataplane values: enum Iptables, BPF, VPP, Nftables
 * (operator-crds.yaml @v3.31.7 and @v3.32.1, installations.operator.tigera.io).
 */
export const linuxDataplaneFor: Record<Dataplane, 'Iptables' | 'Nftables' | 'BPF'> = {
  iptables: 'Iptables',
  nftables: 'Nftables',
  bpf: 'BPF',
};

/** `kubectl --kubeconfig K create -f -` (manifest on stdin). */
export function kubectlCreateArgs(kubeconfig: string): string[] {
  return ['--kubeconfig', kubeconfig, 'create', '-f', '-'];
}

/**
 * `kubectl wait --for=condition=Established --timeout=120s -f -` with operator-crds.yaml on stdin:
 * every CRD it defines must be served before custom-resources.yaml creates an Installation, or
 * kubectl fails with `no matches for kind "Installation"` (kubectl wait takes `-f FILENAME` and
 * `--for condition=...`: kubernetes.io/docs/reference/kubectl/generated/kubectl_wait).
 */
export function crdsEstablishedArgs(kubeconfig: string, timeoutSeconds = 120): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    'wait',
    '--for=condition=Established',
    `--timeout=${timeoutSeconds}s`,
    '-f',
    '-',
  ];
}

type Doc = Record<string, unknown>;
const isObject = (value: unknown): value is Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses custom-resources.yaml and sets the stack's dataplane on the Installation named `default`.
 * BPF also gets the two operator switches Calico ships in manifests/custom-resources-bpf.yaml
 * (@v3.31.7, @v3.32.1): `bpfNetworkBootstrap: Enabled` (the operator finds the API server through the
 * kubernetes Service, so no kubernetes-services-endpoint ConfigMap) and `kubeProxyManagement: Enabled`
 * (the operator disables kube-proxy, which the BPF dataplane replaces). Both "should be enabled only if
 * linuxDataplane is BPF" (CRD descriptions), so other dataplanes leave them out.
 */
export function patchCustomResources(text: string, dataplane: Dataplane): Doc[] {
  const docs = parseAllDocuments(text)
    .map((document) => document.toJS() as unknown)
    .filter(isObject);
  const installation = docs.find(
    (doc) =>
      doc['kind'] === 'Installation' &&
      isObject(doc['metadata']) &&
      (doc['metadata'] as Doc)['name'] === 'default',
  );
  if (!installation)
    throw new GauntletError(
      'GAUNTLET_PROVISION_FAILED',
      'custom-resources.yaml holds no Installation named default',
      'check the Calico manifest URL pinned in clusters/versions.yaml',
    );
  const spec = isObject(installation['spec']) ? installation['spec'] : {};
  const network = isObject(spec['calicoNetwork']) ? spec['calicoNetwork'] : {};
  const patched: Doc = { ...network, linuxDataplane: linuxDataplaneFor[dataplane] };
  if (dataplane === 'bpf') {
    patched['bpfNetworkBootstrap'] = 'Enabled';
    patched['kubeProxyManagement'] = 'Enabled';
  } else {
    delete patched['bpfNetworkBootstrap'];
    delete patched['kubeProxyManagement'];
  }
  installation['spec'] = { ...spec, calicoNetwork: patched };
  return docs;
}

export function renderDocuments(docs: readonly Doc[]): string {
  return docs.map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
}

/**
 * The TigeraStatus objects the operator reports for the custom resources created: `calico` and
 * `ippools` for the Installation, and one per APIServer / Goldmane / Whisker (names as in
 * `kubectl get tigerastatus` of a default install: projectcalico/calico issue #10494).
 */
export function expectedTigeraStatuses(docs: readonly Doc[]): string[] {
  const byKind: Record<string, string[]> = {
    Installation: ['calico', 'ippools'],
    APIServer: ['apiserver'],
    Goldmane: ['goldmane'],
    Whisker: ['whisker'],
  };
  return [...new Set(docs.flatMap((doc) => byKind[String(doc['kind'])] ?? []))].sort();
}

/** `kubectl get tigerastatus -o json`. */
export function tigeraStatusArgs(kubeconfig: string): string[] {
  return ['--kubeconfig', kubeconfig, 'get', 'tigerastatus', '-o', 'json'];
}

/**
 * Ready when every expected TigeraStatus exists and every TigeraStatus has condition Available=True
 * (status.conditions[type=Available], operator.tigera.io/v1 TigeraStatus). `seen` lists the others.
 */
export function tigeraStatusReadiness(
  json: string,
  expected: readonly string[],
): { done: boolean; seen: string } {
  const list = JSON.parse(json) as { items?: Doc[] };
  const states = new Map<string, string>();
  for (const item of list.items ?? []) {
    const name = String((item['metadata'] as Doc | undefined)?.['name'] ?? '?');
    const conditions = ((item['status'] as Doc | undefined)?.['conditions'] ?? []) as Doc[];
    const available = conditions.find((condition) => condition['type'] === 'Available');
    const degraded = conditions.find(
      (condition) => condition['type'] === 'Degraded' && condition['status'] === 'True',
    );
    states.set(
      name,
      available?.['status'] === 'True'
        ? 'Available'
        : degraded
          ? `Degraded (${String(degraded['message'] ?? degraded['reason'] ?? '')})`
          : 'not Available',
    );
  }
  const missing = expected.filter((name) => !states.has(name));
  const notReady = [...states].filter(([, state]) => state !== 'Available');
  const done = missing.length === 0 && notReady.length === 0 && states.size > 0;
  const parts = [
    ...notReady.map(([name, state]) => `${name}: ${state}`),
    ...(missing.length ? [`not reported yet: ${missing.join(', ')}`] : []),
  ];
  return { done, seen: parts.length ? parts.join('; ') : `all Available (${[...states.keys()].join(', ')})` };
}

/**
 * Istio requires Calico's eBPF connect-time load balancing off: istioctl's precheck reports
 * "detected Calico CNI with 'bpfConnectTimeLoadBalancing=...'; this must be set to
 * 'bpfConnectTimeLoadBalancing=Disabled'" because CTLB sends traffic straight to the backend pod IP,
 * past the proxies' service matching (istio/istio operator/pkg/apis/validation/validation.go
 * detectCniIncompatibility @1.30.3). The CRD default is TCP (operator-crds.yaml @v3.31.7).
 */
export function needsConnectTimeLbDisabled(stack: Pick<Stack, 'cni' | 'mesh'>): boolean {
  return stack.cni.dataplane === 'bpf' && stack.mesh.mode !== 'none';
}

export function disableConnectTimeLbArgs(kubeconfig: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    'patch',
    'felixconfigurations.projectcalico.org',
    'default',
    '--type',
    'merge',
    '-p',
    JSON.stringify({ spec: { bpfConnectTimeLoadBalancing: 'Disabled' } }),
  ];
}

/** The manifest URLs of one pinned Calico release, in install order. */
export function calicoManifests(
  release: CalicoRelease,
): { name: CalicoManifest; url: string; sha256?: string }[] {
  return calicoManifestOrder.map((name) => ({ name, ...release.manifests[name] }));
}
