// Node diagnostics on a cluster gauntlet did not make (opt-in, --node-diagnostics): there is no
// `docker exec` into its nodes, so one privileged pod per node shares the node's network namespace
// (hostNetwork) and reads the rules with their counters, the same commands as on kind
// (node-diagnostics.ts). The probe image carries iproute2 and iptables (Debian's, with both
// iptables-nft-save and iptables-legacy-save: a node uses one or the other backend); nft, ipset and
// conntrack may be missing: their failure is written down, never fatal.
// Privileged and hostNetwork need a namespace enforcing the `privileged` Pod Security level
// (kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces);
// it carries the run's label and goes with the run's cleanup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ClusterInspector } from './cluster.ts';
import type { NodeCommand } from './node-diagnostics.ts';
import { nodeDiagnosticCommands } from './node-diagnostics.ts';
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
          command: ['sleep', '3600'],
          securityContext: { privileged: true, runAsUser: 0 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    },
  };
}

/**
 * Runs every command in every node's pod, writing `<dir>/<node>/<name>.txt` (or `.error`), the same
 * layout as on kind. Pods not ready are written down as such.
 */
export async function collectNodeDiagnosticsByPods(
  cluster: Pick<ClusterInspector, 'exec'>,
  pods: readonly { node: string; namespace: string; name: string; ready: boolean; why?: string }[],
  dir: string,
  options: { signal: AbortSignal; timeoutMs?: number; commands?: readonly NodeCommand[] },
): Promise<string[]> {
  const written: string[] = [];
  const records: {
    node: string;
    name: string;
    command: readonly string[];
    exitCode: number;
    file: string;
  }[] = [];
  await Promise.all(
    pods.map(async (pod) => {
      const nodeDir = join(dir, pod.node);
      mkdirSync(nodeDir, { recursive: true });
      if (!pod.ready) {
        const file = join(nodeDir, 'pod.error');
        writeFileSync(
          file,
          `diagnostics pod ${pod.namespace}/${pod.name} is not running: ${pod.why ?? 'unknown'}\n`,
        );
        written.push(file);
        return;
      }
      for (const entry of options.commands ?? podNodeCommands) {
        const lines: string[] = [];
        let exitCode = -1;
        let file: string;
        try {
          const result = await cluster.exec(
            { namespace: pod.namespace, name: pod.name, container: 'diagnostics' },
            entry.command,
            '',
            (line) => lines.push(line),
            { timeoutMs: options.timeoutMs ?? 30_000, signal: options.signal },
          );
          exitCode = result.exitCode ?? -1;
          file = join(nodeDir, `${entry.name}${exitCode === 0 ? '.txt' : '.error'}`);
          writeFileSync(
            file,
            exitCode === 0
              ? `${lines.join('\n')}\n`
              : `${entry.command.join(' ')} (${entry.why}) exited ${exitCode}\n${result.stderr}${lines.join('\n')}\n`,
          );
        } catch (error) {
          file = join(nodeDir, `${entry.name}.error`);
          writeFileSync(
            file,
            `${entry.command.join(' ')} (${entry.why}) could not run: ${(error as Error).message}\n`,
          );
        }
        written.push(file);
        records.push({
          node: pod.node,
          name: entry.name,
          command: entry.command,
          exitCode,
          file: relative(dir, file),
        });
      }
    }),
  );
  const index = join(dir, 'commands.json');
  records.sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
  writeFileSync(index, `${JSON.stringify(records, null, 2)}\n`);
  return [...written.sort(), index];
}
