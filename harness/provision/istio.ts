// Installs Istio with istioctl per mesh mode and says what "ready" means for each.
// Profiles (istio/istio manifests/profiles @1.30.3): `default` = base + istiod + ingress gateway;
// `ambient` = cni + ztunnel, ingress gateway disabled ("ingressGateways: - name: istio-ingressgateway,
// enabled: false"). sidecar-cni is the default profile plus `components.cni.enabled=true`
// (operator/cmd/mesh/root.go documents exactly that --set; Istio's PSA guide installs it so:
// https://istio.io/latest/docs/setup/additional-setup/pod-security-admission/).
//
// Calico + istio-cni on kind: istio-cni runs as a chained plugin by default (manifests/charts/istio-cni
// values.yaml `chained: true`, cniConfDir /etc/cni/net.d, cniBinDir /opt/cni/bin), appending itself to
// the conflist Calico's operator writes there; Istio's own ambient CI runs on kind with Calico
// (common/scripts/kind_provisioner.sh install_calico @1.30.3).
import type { MeshMode } from '../model/traits.ts';

export type MeshInstall = Exclude<MeshMode, 'none'>;

export interface IstioInstallOptions {
  kubeconfig: string;
  ingressGateway: boolean;
  /** istioctl waits this long for its own components (`--readiness-timeout`, default 300s in install.go). */
  readinessTimeoutSeconds?: number;
}

export const profileFor: Record<MeshInstall, 'default' | 'ambient'> = {
  sidecar: 'default',
  'sidecar-cni': 'default',
  ambient: 'ambient',
};

/**
 * `istioctl install` flags (operator/cmd/mesh/install.go @1.30.3: -y/--skip-confirmation,
 * --readiness-timeout, --set; --kubeconfig from istioctl/pkg/cli/option.go). The gateway list is set
 * with its name: --set paths become a user overlay whose lists replace the profile's lists
 * (operator/pkg/render/manifest.go MergeInputs, values.Map.MergeFrom overwrites non-map values), so
 * `[0].enabled` alone would drop the name.
 */
export function istioctlInstallArgs(mode: MeshInstall, options: IstioInstallOptions): string[] {
  return [
    'install',
    '--kubeconfig',
    options.kubeconfig,
    '--skip-confirmation',
    '--readiness-timeout',
    `${options.readinessTimeoutSeconds ?? 300}s`,
    ...installSettings(mode, options.ingressGateway),
  ];
}

function installSettings(mode: MeshInstall, ingressGateway: boolean): string[] {
  return [
    '--set',
    `profile=${profileFor[mode]}`,
    ...(mode === 'sidecar-cni' ? ['--set', 'components.cni.enabled=true'] : []),
    '--set',
    'components.ingressGateways[0].name=istio-ingressgateway',
    '--set',
    `components.ingressGateways[0].enabled=${ingressGateway}`,
  ];
}

/**
 * `istioctl manifest generate` with exactly the settings of the install: the manifest the pinned
 * istioctl would apply, with the hub and tag its release build embedded (the charts in git say
 * `hub: registry.istio.io/testing`, `tag: latest`; istio/release-builder release/build.sh embeds
 * docker.io/istio for release-1.29 and registry.istio.io/release for release-1.30). Offline: the
 * cluster is consulted only with --cluster-specific (operator/cmd/mesh/manifest-generate.go @1.30.3).
 */
export function istioctlManifestGenerateArgs(mode: MeshInstall, ingressGateway: boolean): string[] {
  return ['manifest', 'generate', ...installSettings(mode, ingressGateway)];
}

export interface Workload {
  kind: 'deployment' | 'daemonset';
  namespace: string;
  name: string;
}

/**
 * What must be rolled out before scenarios start. Names from the charts @1.30.3: Deployment `istiod`
 * (istio-discovery templates/deployment.yaml), DaemonSet `istio-cni-node` (istio-cni daemonset.yaml,
 * `{{ template "name" . }}-node`), DaemonSet `ztunnel` (ztunnel chart, resourceName ztunnel in the
 * profiles), Deployment `istio-ingressgateway` (the gateway component's name).
 */
export function istioWorkloads(mode: MeshInstall, ingressGateway: boolean): Workload[] {
  const workloads: Workload[] = [{ kind: 'deployment', namespace: 'istio-system', name: 'istiod' }];
  if (mode === 'sidecar-cni' || mode === 'ambient')
    workloads.push({ kind: 'daemonset', namespace: 'istio-system', name: 'istio-cni-node' });
  if (mode === 'ambient') workloads.push({ kind: 'daemonset', namespace: 'istio-system', name: 'ztunnel' });
  if (ingressGateway)
    workloads.push({ kind: 'deployment', namespace: 'istio-system', name: 'istio-ingressgateway' });
  return workloads;
}

/**
 * `kubectl rollout status` for one workload with a short server-side timeout; the caller polls it
 * inside a bounded wait. rollout status supports deployments and daemonsets and exits non-zero
 * until the rollout is complete.
 */
export function rolloutStatusArgs(kubeconfig: string, workload: Workload, timeoutSeconds = 10): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    'rollout',
    'status',
    `${workload.kind}/${workload.name}`,
    '-n',
    workload.namespace,
    `--timeout=${timeoutSeconds}s`,
  ];
}
