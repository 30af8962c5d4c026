// Which command shows a pod's proxy state, per mesh mode. Pure: the real environment runs it.
// ambient: ztunnel on the pod's node decides L4 policy; its access log says allowed or denied per
//   connection (istio.io/latest/docs/ambient/usage/troubleshoot-ztunnel/).
// sidecar: the pod's Envoy configuration (listeners, clusters, RBAC filters), as `istioctl
//   proxy-config all` reads it from the admin port (istio.io/latest/docs/ops/diagnostic-tools/proxy-cmd/).
import type { MeshMode } from '../model/traits.ts';

export interface ProxyDiagnosticCommand {
  tool: 'kubectl' | 'istioctl';
  args: string[];
  file: string;
  what: string;
}

export function proxyDiagnosticCommand(
  mode: MeshMode,
  kubeconfig: string,
  pod: { namespace: string; name: string },
): ProxyDiagnosticCommand | undefined {
  switch (mode) {
    case 'none':
      return undefined;
    case 'ambient':
      return {
        tool: 'kubectl',
        args: [
          '--kubeconfig',
          kubeconfig,
          '-n',
          'istio-system',
          'logs',
          '-l',
          'app=ztunnel',
          '--prefix',
          '--tail',
          '2000',
        ],
        file: 'ztunnel.log',
        what: 'reading ztunnel logs',
      };
    case 'sidecar':
    case 'sidecar-cni':
      return {
        tool: 'istioctl',
        args: [
          '--kubeconfig',
          kubeconfig,
          'proxy-config',
          'all',
          `${pod.name}.${pod.namespace}`,
          '-o',
          'json',
        ],
        file: 'envoy-config.json',
        what: 'reading the Envoy config',
      };
  }
}
