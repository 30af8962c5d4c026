// Node diagnostics on a cluster gauntlet did not make (opt-in, --node-diagnostics): there is no
// `docker exec` into its nodes, so one privileged pod per node shares the node's network namespace
// (hostNetwork) and reads the rules with their counters, the same commands as on kind
// (node-diagnostics.ts). The probe image carries iproute2 and iptables (Debian's, with both
// iptables-nft-save and iptables-legacy-save: a node uses one or the other backend); nft, ipset and
// conntrack may be missing: their failure is written down, never fatal.
// Privileged and hostNetwork need a namespace enforcing the `privileged` Pod Security level
// (kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces);
// it carries the run's label and goes with the run's cleanup.
import type { ClusterInspector } from './cluster.ts';
import type { NodeCommand, NodeReader } from './node-diagnostics.ts';
import { nodeDiagnosticCommands, writeNodeDiagnostics } from './node-diagnostics.ts';
import type { KubeObject } from '../plan/render-workloads.ts';

export const podNodeCommands: readonly NodeCommand[] = [
  ...nodeDiagnosticCommands,
  {
    name: 'iptables-nft-save',
    command: ['iptables-nft-save', '-c'],
    why: 'iptables (nft backend) rules with counters',
  },
  {
    name: 'iptables-legacy-save',
    command: ['iptables-legacy-save', '-c'],
    why: 'iptables (legacy backend) rules with counters',
  },
];

export function nodeDiagnosticsNamespace(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...labels,
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        // Out of the mesh: the pod reads the node, it must not be redirected or injected.
        'istio-injection': 'disabled',
      },
    },
  };
}

/** A DNS-1123 pod name for a node (node names may hold dots and run long). */
export function nodePodName(node: string): string {
  const cleaned = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `gauntlet-node-${cleaned}`.slice(0, 63).replace(/-+$/, '');
}

export function nodeDiagnosticPod(
  node: string,
  namespace: string,
  image: string,
  labels: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: nodePodName(node),
      namespace,
      labels: { ...labels, 'sidecar.istio.io/inject': 'false' },
    },
    spec: {
      nodeName: node,
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      // On every node, tainted control planes included.
      tolerations: [{ operator: 'Exists' }],
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'diagnostics',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', 'infinity'], // the run reuses it until its end, however long (coreutils sleep)
          securityContext: { privileged: true, runAsUser: 0 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    },
  };
}

/**
 * Runs every command in every node's pod, through the writer kind nodes use too
 * (writeNodeDiagnostics: `<dir>/<node>/<name>.txt` or `.error`, `commands.json`). Pods not ready are
 * written down as such.
 */
export function collectNodeDiagnosticsByPods(
  cluster: Pick<ClusterInspector, 'exec'>,
  pods: readonly { node: string; namespace: string; name: string; ready: boolean; why?: string }[],
  dir: string,
  options: { signal: AbortSignal; timeoutMs?: number; commands?: readonly NodeCommand[] },
): Promise<string[]> {
  const readers: NodeReader[] = pods.map((pod) =>
    pod.ready
      ? {
          node: pod.node,
          run: async (command: readonly string[]) => {
            const lines: string[] = [];
            const result = await cluster.exec(
              { namespace: pod.namespace, name: pod.name, container: 'diagnostics' },
              command,
              '',
              (line) => lines.push(line),
              { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal },
            );
            return {
              exitCode: result.exitCode ?? -1,
              stdout: `${lines.join('\n')}\n`,
              stderr: result.stderr,
            };
          },
        }
      : {
          node: pod.node,
          unavailable: `diagnostics pod ${pod.namespace}/${pod.name} is not running: ${pod.why ?? 'unknown'}`,
        },
  );
  return writeNodeDiagnostics(readers, dir, { commands: options.commands ?? podNodeCommands });
}
