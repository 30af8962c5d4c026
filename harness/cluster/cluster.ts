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

/** A Kubernetes object as the API server serves it (JSON), for kinds gauntlet reads but does not model. */
export type ApiObject = Record<string, unknown>;

/** Where a kind lives in the API: `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
}

/** One `resourceAttributes` of a SelfSubjectAccessReview (authorization.k8s.io/v1). */
export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

/** What a server-side dry-run create of a pod said: admitted, or the Status it was refused with. */
export type DryRunOutcome =
  { admitted: true } | { admitted: false; status: { code: number; reason: string; message: string } };

/**
 * What discovery, the permission preflight, cleanup and the user-cluster run need beyond `Cluster`:
 * reads of kinds gauntlet does not model (Calico's operator, Istio's webhooks), server-side dry-run,
 * access reviews and deletion by an existence selector. Implemented by the real adapter; unit tests
 * run it against a fake API server.
 */
export interface ClusterInspector extends Cluster {
  /** Whether the API server serves `kind` in `apiVersion` (API discovery: readable by every authenticated user). */
  serves(apiVersion: string, kind: string, signal: AbortSignal): Promise<boolean>;
  /** One object of a non-core kind as JSON; undefined when it (or its kind) does not exist. */
  readObject(ref: ResourceRef & { name: string }, signal: AbortSignal): Promise<ApiObject | undefined>;
  /** Objects of a non-core kind (every namespace unless `namespace` is set); [] when the kind is not served. */
  listObjects(ref: ResourceRef & { labelSelector?: string }, signal: AbortSignal): Promise<ApiObject[]>;
  /** Namespaces as JSON (metadata and status), optionally by label selector. */
  listNamespaces(labelSelector: string | undefined, signal: AbortSignal): Promise<ApiObject[]>;
  /** Pods of a namespace (by label selector): what the run needs to know of each. */
  listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<PodInfo[]>;
  /** A pod as JSON; undefined when there is no such pod. */
  readPod(namespace: string, name: string, signal: AbortSignal): Promise<ApiObject | undefined>;
  /** Creates a namespace with these labels (POST); an existing one is an error. */
  createNamespace(name: string, labels: Record<string, string>, signal: AbortSignal): Promise<void>;
  /** Deletes one namespace without waiting; quiet when it is gone or already terminating. */
  deleteNamespace(name: string, signal: AbortSignal): Promise<void>;
  /** Deletes one cluster-scoped object of a non-core kind; quiet when it is gone. */
  deleteClusterObject(ref: ResourceRef & { name: string }, signal: AbortSignal): Promise<void>;
  /** Creates a pod with `dryRun=All`: every admission step runs, nothing is stored. */
  dryRunCreatePod(namespace: string, pod: KubeObject, signal: AbortSignal): Promise<DryRunOutcome>;
  /** A SelfSubjectAccessReview: may the kubeconfig's user do this? */
  accessReview(
    attributes: AccessAttributes,
    signal: AbortSignal,
  ): Promise<{ allowed: boolean; reason?: string }>;
}
