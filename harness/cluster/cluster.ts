// What the run needs from a Kubernetes cluster, and nothing more. Exec needs Kubernetes 1.30+: only
// the v5.channel.k8s.io protocol can close stdin while the command runs (the agent reads its batch
// to end of input), and it is on by default from 1.30 (kubernetes/website, TranslateStreamCloseWebsocketRequests).
// The real adapter
// (kubernetes-cluster.ts) speaks to the API server through @kubernetes/client-node; unit tests use a
// fake. Every call takes an AbortSignal: Ctrl-C must stop a wait, not hang behind it.
import type { KubeObject } from '../plan/render-workloads.ts';

/** The field manager of gauntlet's server-side applies (kubernetes.io/docs/reference/using-api/server-side-apply/). */
export const fieldManager = 'gauntlet';

export interface ApplyOutcome {
  object: KubeObject;
  /** Set when the API server refused the object (admission webhooks, validation). */
  rejected?: { reason: string; message: string };
}

export type WorkloadReadiness =
  | { deployment: string; namespace: string; state: 'ready'; pod: PodInfo }
  /** Pod Security Admission (or another admission controller) refused the pods of this Deployment. */
  | { deployment: string; namespace: string; state: 'denied-at-admission'; message: string }
  /** Not ready before the deadline: the last thing seen, for the diagnostics. */
  | { deployment: string; namespace: string; state: 'not-ready'; lastSeen: string; pod?: PodInfo };

export interface PodInfo {
  name: string;
  namespace: string;
  ip: string;
  node: string;
  serviceAccount: string;
  containers: string[];
}

export interface ServicePort {
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  nodePort?: number;
}

export interface ExecResult {
  /** The command's exit code, when the API reported one (a lost status is an inconclusive result). */
  exitCode?: number;
  stderr: string;
}

export interface Cluster {
  /** Server-side apply, in order; refusals are outcomes, not exceptions. */
  apply(objects: readonly KubeObject[], signal: AbortSignal): Promise<ApplyOutcome[]>;
  /** Waits (bounded) until each Deployment has a ready pod, or says why it never will. */
  waitForDeployments(
    targets: readonly { namespace: string; deployment: string }[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<WorkloadReadiness[]>;
  serviceAddress(namespace: string, name: string, signal: AbortSignal): Promise<string | undefined>;
  /** A Service's ports with their NodePorts (LoadBalancer and NodePort Services); undefined when there is no such Service. */
  servicePorts(namespace: string, name: string, signal: AbortSignal): Promise<ServicePort[] | undefined>;
  nodeAddresses(signal: AbortSignal): Promise<{ name: string; address: string }[]>;
  /** Runs a command in a container, feeding `stdin`, and hands each stdout line to `onLine` as it arrives. */
  exec(
    pod: { namespace: string; name: string; container: string },
    command: readonly string[],
    stdin: string,
    onLine: (line: string) => void,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<ExecResult>;
  /** Deletes namespaces and cluster-scoped objects carrying `labelSelector` (e.g. gauntlet.dev/instance=x), waiting bounded. */
  deleteByLabel(labelSelector: string, signal: AbortSignal): Promise<void>;
  podLogs(
    namespace: string,
    pod: string,
    container: string | undefined,
    signal: AbortSignal,
  ): Promise<string>;
  events(namespace: string, signal: AbortSignal): Promise<string>;
  /** A ConfigMap's data; undefined when there is no such ConfigMap. */
  readConfigMap(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined>;
  /** Kubernetes server version, for the results' environment. */
  serverVersion(signal: AbortSignal): Promise<string>;
}
