// The real `Cluster`: the Kubernetes API through @kubernetes/client-node 1.x. Every request carries
// the caller's AbortSignal (plus a per-request timeout) through a client-node middleware; transient
// failures are retried (api-retry.ts); refusals of objects are outcomes, not exceptions. The
// judgements (readiness, admission denials, exit codes, event text) live in pure siblings.
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
} from '@kubernetes/client-node';
import type {
  KubernetesObject,
  Middleware,
  RequestContext,
  ResponseContext,
  V1APIResource,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { GauntletError } from '../errors.ts';
import { abortableSleep } from '../abortable-sleep.ts';
import { deleteLabelled } from './cleanup.ts';
import type { KubeObject } from '../plan/render-workloads.ts';
import type { ApplyOutcome, Cluster, ExecResult, ServicePort, WorkloadReadiness } from './cluster.ts';
import type { AccessAttributes, ApiObject, DryRunOutcome, PodInfo, ResourceRef } from './cluster.ts';
import { fieldManager } from './cluster.ts';
import { applyRefusal, isRbacRefusal } from './admission-denial.ts';
import { apiStatusOf, clusterApiError, describeApiError, isTransient } from './api-errors.ts';
import { defaultRetryPolicy, retryTransient } from './api-retry.ts';
import type { RetryPolicy } from './api-retry.ts';
import { eventLines } from './event-lines.ts';
import { runExec } from './exec-stream.ts';
import { judgeWorkload, podInfo } from './readiness.ts';
import type { NamespaceSnapshot, WorkloadTarget } from './readiness.ts';

export interface KubernetesClusterOptions {
  /** Between two looks at the Deployments (default 1 s). */
  pollIntervalMs?: number;
  /** How long deleteByLabel waits for namespaces to be gone (default 3 min). */
  deleteTimeoutMs?: number;
  /** One HTTP request at most (default 30 s); a timed-out request counts as transient. */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Exposes the API discovery that KubernetesObjectApi does (and caches) before every request. */
class ObjectApi extends KubernetesObjectApi {
  discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

interface Clients {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  version: VersionApi;
  objects: ObjectApi;
  authorization: AuthorizationV1Api;
}

function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function isNotFound(error: unknown): boolean {
  return apiStatusOf(error)?.code === 404;
}

/** A label selector that can only match what gauntlet labelled: never empty, never "everything". */
function assertScopedSelector(labelSelector: string): void {
  if (!/^\s*[\w./-]+\s*==?\s*[\w.-]+\s*(,|$)/.test(labelSelector))
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `deleteByLabel needs an equality selector such as gauntlet.dev/instance=x, got "${labelSelector}"`,
    );
}

export class KubernetesCluster implements Cluster {
  private readonly server: string;
  private readonly pollIntervalMs: number;
  private readonly deleteTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubernetesClusterOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster)
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        'the kubeconfig has no current cluster',
        'set current-context, or pass the kubeconfig kind wrote for the cluster',
      );
    this.server = cluster.server;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.deleteTimeoutMs = options.deleteTimeoutMs ?? 180_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.sleep = options.sleep ?? abortableSleep;
    this.retry = { ...defaultRetryPolicy, sleep: this.sleep, ...options.retry };
    this.now = options.now ?? Date.now;
  }

  /**
   * API clients whose every request is aborted by `signal` or after requestTimeoutMs. client-node
   * 1.x sends through node-fetch with the RequestContext's signal
   * (node_modules/@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js); a middleware's `pre`
   * runs before each send, retries included (dist/object.js requestPromise).
   */
  private clients(signal: AbortSignal): Clients {
    const timeoutMs = this.requestTimeoutMs;
    const abortable: Middleware = {
      pre: async (context: RequestContext) => {
        context.setSignal(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
        return context;
      },
      post: async (response: ResponseContext) => response,
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(this.server, {}),
      authMethods: { default: this.kubeConfig },
      promiseMiddleware: [abortable],
    });
    return {
      core: new CoreV1Api(configuration),
      apps: new AppsV1Api(configuration),
      custom: new CustomObjectsApi(configuration),
      version: new VersionApi(configuration),
      objects: new ObjectApi(configuration),
      authorization: new AuthorizationV1Api(configuration),
    };
  }

  private call<T>(what: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return retryTransient(call, signal, this.retry).catch((error: unknown) => {
      throw clusterApiError(what, error, signal);
    });
  }

  async apply(objects: readonly KubeObject[], signal: AbortSignal): Promise<ApplyOutcome[]> {
    const api = this.clients(signal).objects;
    const outcomes: ApplyOutcome[] = [];
    for (const object of objects) outcomes.push(await this.applyOne(api, object, signal));
    return outcomes;
  }

  /**
   * Server-side apply: PATCH with Content-Type application/apply-patch+yaml (a JSON body is valid
   * YAML), fieldManager=gauntlet, force=true so gauntlet owns what it renders even if another manager
   * touched it (kubernetes.io/docs/reference/using-api/server-side-apply/, "API implementation").
   * client-node 1.4's KubernetesObjectApi.patch sets that content type for
   * PatchStrategy.ServerSideApply and the two query parameters (dist/object.js patch).
   */
  private async applyOne(api: ObjectApi, object: KubeObject, signal: AbortSignal): Promise<ApplyOutcome> {
    const what = `apply ${describeObject(object)}`;
    let resource: V1APIResource | undefined;
    try {
      resource = await retryTransient(() => api.discover(object.apiVersion, object.kind), signal, this.retry);
    } catch (error) {
      if (!isNotFound(error)) throw clusterApiError(`${what}: API discovery`, error, signal);
    }
    if (!resource)
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        `${what}: the API server does not serve ${object.kind} in ${object.apiVersion}`,
        object.apiVersion.startsWith('projectcalico.org/')
          ? "install Calico with its API server (Calico's v3 API), or drop the manifest"
          : 'install what provides this kind (e.g. Istio for security.istio.io), or drop the manifest',
      );
    // client-node fills in a missing namespace with the context's default: never apply there by accident.
    if (resource.namespaced && !object.metadata.namespace)
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        `${what}: ${object.kind} is namespaced but the object has no namespace`,
      );
    // client-node's specUriPath writes into the object; apply a copy. Cluster-scoped kinds
    // (Namespace, GlobalNetworkPolicy) carry no namespace.
    const body = structuredClone(object) as KubeObject;
    if (!resource.namespaced) delete body.metadata.namespace;
    try {
      await retryTransient(
        () =>
          api.patch(
            structuredClone(body) as KubernetesObject,
            undefined,
            undefined,
            fieldManager,
            true,
            PatchStrategy.ServerSideApply,
          ),
        signal,
        this.retry,
      );
      return { object };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const status = apiStatusOf(error);
      if (status && isRbacRefusal(status.message))
        throw new GauntletError(
          'GAUNTLET_CLUSTER_API',
          `${what}: ${describeApiError(error)}`,
          "use a kubeconfig with cluster-admin rights (kind's own has them)",
        );
      const refusal = status && applyRefusal(status);
      if (refusal) return { object, rejected: refusal };
      throw clusterApiError(what, error, signal);
    }
  }

  private async snapshot(clients: Clients, namespace: string): Promise<NamespaceSnapshot> {
    const [deployments, replicaSets, pods, events] = await Promise.all([
      clients.apps.listNamespacedDeployment({ namespace }),
      clients.apps.listNamespacedReplicaSet({ namespace }),
      clients.core.listNamespacedPod({ namespace }),
      clients.core.listNamespacedEvent({ namespace }),
    ]);
    return {
      deployments: deployments.items,
      replicaSets: replicaSets.items,
      pods: pods.items,
      events: events.items,
    };
  }

  /**
   * Polls every pending namespace once per interval until each Deployment is ready or denied, or the
   * deadline passes (bounded in time and in rounds). A transient API error is only noted: the next
   * round looks again.
   */
  async waitForDeployments(
    targets: readonly WorkloadTarget[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<WorkloadReadiness[]> {
    const clients = this.clients(signal);
    const key = (target: WorkloadTarget): string => `${target.namespace}/${target.deployment}`;
    const settled = new Map<string, WorkloadReadiness>();
    const latest = new Map<string, WorkloadReadiness>();
    const deadline = this.now() + timeoutMs;
    const maxRounds = Math.ceil(Math.max(0, timeoutMs) / Math.max(1, this.pollIntervalMs)) + 1;
    for (let round = 0; round < maxRounds; round++) {
      const pending = targets.filter((target) => !settled.has(key(target)));
      if (pending.length === 0) break;
      const namespaces = [...new Set(pending.map((target) => target.namespace))];
      await Promise.all(
        namespaces.map(async (namespace) => {
          const inNamespace = pending.filter((target) => target.namespace === namespace);
          let snapshot: NamespaceSnapshot;
          try {
            snapshot = await this.snapshot(clients, namespace);
          } catch (error) {
            if (signal.aborted || !isTransient(error))
              throw clusterApiError(`watch Deployments in ${namespace}`, error, signal);
            for (const target of inNamespace)
              latest.set(key(target), {
                ...target,
                state: 'not-ready',
                lastSeen: `API error while polling: ${describeApiError(error)}`,
              });
            return;
          }
          for (const target of inNamespace) {
            const judged = judgeWorkload(target, snapshot);
            (judged.state === 'not-ready' ? latest : settled).set(key(target), judged);
          }
        }),
      );
      const left = deadline - this.now();
      if (left <= 0 || targets.every((target) => settled.has(key(target)))) break;
      await this.sleep(Math.min(this.pollIntervalMs, left), signal);
    }
    return targets.map(
      (target) =>
        settled.get(key(target)) ??
        latest.get(key(target)) ?? {
          ...target,
          state: 'not-ready',
          lastSeen: 'never observed before the deadline',
        },
    );
  }

  /** The Service, or undefined when it does not exist. */
  private async readService(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<V1Service | undefined> {
    const { core } = this.clients(signal);
    try {
      return await retryTransient(() => core.readNamespacedService({ name, namespace }), signal, this.retry);
    } catch (error) {
      if (!signal.aborted && isNotFound(error)) return undefined;
      throw clusterApiError(`read Service ${namespace}/${name}`, error, signal);
    }
  }

  async readConfigMap(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    const { core } = this.clients(signal);
    try {
      const configMap = await retryTransient(
        () => core.readNamespacedConfigMap({ name, namespace }),
        signal,
        this.retry,
      );
      return configMap.data ?? {};
    } catch (error) {
      if (!signal.aborted && isNotFound(error)) return undefined;
      throw clusterApiError(`read ConfigMap ${namespace}/${name}`, error, signal);
    }
  }

  async serviceAddress(namespace: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const ip = (await this.readService(namespace, name, signal))?.spec?.clusterIP;
    // A headless Service has clusterIP "None"
    // (kubernetes.io/docs/concepts/services-networking/service/#headless-services).
    return ip && ip !== 'None' ? ip : undefined;
  }

  /**
   * The Service's ports with their NodePorts (spec.ports[].nodePort: kubernetes.io/docs/concepts/
   * services-networking/service/#type-nodeport; LoadBalancer Services get them too unless
   * allocateLoadBalancerNodePorts is false). The protocol defaults to TCP (same page, "Protocols").
   */
  async servicePorts(
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<ServicePort[] | undefined> {
    const service = await this.readService(namespace, name, signal);
    if (!service) return undefined;
    return (service.spec?.ports ?? []).map((entry) => ({
      port: entry.port,
      protocol: (entry.protocol ?? 'TCP') as ServicePort['protocol'],
      ...(entry.nodePort ? { nodePort: entry.nodePort } : {}),
    }));
  }

  /** Each node's InternalIP (IPv4 first on dual-stack nodes); nodes without one are left out. */
  async nodeAddresses(signal: AbortSignal): Promise<{ name: string; address: string }[]> {
    const { core } = this.clients(signal);
    const nodes = await this.call('list nodes', () => core.listNode(), signal);
    return nodes.items.flatMap((node) => {
      const internal = (node.status?.addresses ?? [])
        .filter((a) => a.type === 'InternalIP')
        .map((a) => a.address);
      const address = internal.find((a) => a.includes('.')) ?? internal[0];
      return address && node.metadata?.name ? [{ name: node.metadata.name, address }] : [];
    });
  }

  exec(
    pod: { namespace: string; name: string; container: string },
    command: readonly string[],
    stdin: string,
    onLine: (line: string) => void,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<ExecResult> {
    return runExec(new Exec(this.kubeConfig), pod, command, stdin, onLine, options);
  }

  /**
   * What carries the label goes by the one deletion gauntlet has (cleanup.ts deleteLabelled: Calico
   * GlobalNetworkPolicies first, then namespaces, the label checked again on every object and system
   * namespaces never touched), then a bounded wait until the namespaces are gone.
   */
  async deleteByLabel(labelSelector: string, signal: AbortSignal): Promise<void> {
    assertScopedSelector(labelSelector);
    const [key = '', value] =
      labelSelector
        .split(',')[0]
        ?.split(/==?/)
        .map((part) => part.trim()) ?? [];
    await deleteLabelled(this, { key, ...(value ? { value } : {}) }, { signal });
    const { core } = this.clients(signal);
    const listNamespaces = () =>
      this.call(`list namespaces ${labelSelector}`, () => core.listNamespace({ labelSelector }), signal);

    const deadline = this.now() + this.deleteTimeoutMs;
    const maxRounds = Math.ceil(this.deleteTimeoutMs / Math.max(1, this.pollIntervalMs)) + 1;
    let left: string[] = [];
    for (let round = 0; round < maxRounds; round++) {
      left = (await listNamespaces()).items.map(
        (namespace) => `${namespace.metadata?.name ?? '?'} (${namespace.status?.phase ?? '?'})`,
      );
      if (left.length === 0) return;
      const remaining = deadline - this.now();
      if (remaining <= 0) break;
      await this.sleep(Math.min(this.pollIntervalMs, remaining), signal);
    }
    throw new GauntletError(
      'GAUNTLET_WAIT_TIMEOUT',
      `namespaces labelled ${labelSelector} still exist after ${this.deleteTimeoutMs} ms: ${left.join(', ')}`,
      'look for stuck finalizers: kubectl get namespace <name> -o yaml',
    );
  }

  async podLogs(
    namespace: string,
    pod: string,
    container: string | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    const { core } = this.clients(signal);
    return this.call(
      `logs of pod ${namespace}/${pod}${container ? ` container ${container}` : ''}`,
      // The tail bounds memory; diagnostics want how a pod ended, not a whole chatty proxy log.
      () =>
        core.readNamespacedPodLog({
          name: pod,
          namespace,
          tailLines: 5_000,
          ...(container ? { container } : {}),
        }),
      signal,
    );
  }

  async events(namespace: string, signal: AbortSignal): Promise<string> {
    const { core } = this.clients(signal);
    const list = await this.call(
      `events in ${namespace}`,
      () => core.listNamespacedEvent({ namespace }),
      signal,
    );
    return eventLines(list.items);
  }

  async serverVersion(signal: AbortSignal): Promise<string> {
    const { version } = this.clients(signal);
    const info = await this.call('read the server version', () => version.getCode(), signal);
    return info.gitVersion;
  }

  // ---- What discovery, the permission preflight, cleanup and user-cluster runs add (ClusterInspector).

  async serves(apiVersion: string, kind: string, signal: AbortSignal): Promise<boolean> {
    const { objects } = this.clients(signal);
    try {
      return (
        (await retryTransient(() => objects.discover(apiVersion, kind), signal, this.retry)) !== undefined
      );
    } catch (error) {
      // A group the server does not know answers 404 to its discovery document.
      if (!signal.aborted && isNotFound(error)) return false;
      throw clusterApiError(`API discovery of ${apiVersion}`, error, signal);
    }
  }

  /**
   * Non-core kinds through the custom-objects client (plain JSON, no model): `/apis/<group>/<version>/...`
   * works for built-in groups too (apps, admissionregistration.k8s.io).
   */
  async readObject(ref: ResourceRef & { name: string }, signal: AbortSignal): Promise<ApiObject | undefined> {
    const { custom } = this.clients(signal);
    const what = `read ${ref.plural}.${ref.group}/${ref.version} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    try {
      return (await retryTransient(
        () =>
          ref.namespace
            ? custom.getNamespacedCustomObject({ ...ref, namespace: ref.namespace })
            : custom.getClusterCustomObject(ref),
        signal,
        this.retry,
      )) as ApiObject;
    } catch (error) {
      if (!signal.aborted && isNotFound(error)) return undefined;
      throw clusterApiError(what, error, signal);
    }
  }

  async listObjects(
    ref: ResourceRef & { labelSelector?: string },
    signal: AbortSignal,
  ): Promise<ApiObject[]> {
    const { custom } = this.clients(signal);
    const { group, version, plural, namespace, labelSelector } = ref;
    const selector = labelSelector ? { labelSelector } : {};
    try {
      const list = (await retryTransient(
        () =>
          namespace
            ? custom.listNamespacedCustomObject({ group, version, plural, namespace, ...selector })
            : custom.listCustomObjectForAllNamespaces({ group, version, plural, ...selector }),
        signal,
        this.retry,
      )) as { items?: ApiObject[] };
      return list.items ?? [];
    } catch (error) {
      if (!signal.aborted && isNotFound(error)) return [];
      throw clusterApiError(`list ${plural}.${group}/${version}`, error, signal);
    }
  }

  async listNamespaces(labelSelector: string | undefined, signal: AbortSignal): Promise<ApiObject[]> {
    const { core } = this.clients(signal);
    const list = await this.call(
      `list namespaces${labelSelector ? ` ${labelSelector}` : ''}`,
      () => core.listNamespace(labelSelector ? { labelSelector } : {}),
      signal,
    );
    return list.items.map((namespace) => ({
      metadata: {
        name: namespace.metadata?.name,
        labels: namespace.metadata?.labels ?? {},
      },
      status: { phase: namespace.status?.phase },
    }));
  }

  async listPods(namespace: string, labelSelector: string, signal: AbortSignal): Promise<PodInfo[]> {
    const { core } = this.clients(signal);
    const list = await this.call(
      `list pods ${labelSelector} in ${namespace}`,
      () => core.listNamespacedPod({ namespace, labelSelector }),
      signal,
    );
    return list.items.flatMap((pod) => {
      const info = podInfo(pod);
      return info ? [info] : [];
    });
  }

  async readPod(namespace: string, name: string, signal: AbortSignal): Promise<ApiObject | undefined> {
    const { core } = this.clients(signal);
    let pod: V1Pod;
    try {
      pod = await retryTransient(() => core.readNamespacedPod({ name, namespace }), signal, this.retry);
    } catch (error) {
      if (!signal.aborted && isNotFound(error)) return undefined;
      throw clusterApiError(`read pod ${namespace}/${name}`, error, signal);
    }
    // The typed model back to the API's JSON field names (dates as strings).
    return JSON.parse(JSON.stringify(pod)) as ApiObject;
  }

  async createNamespace(name: string, labels: Record<string, string>, signal: AbortSignal): Promise<void> {
    const { core } = this.clients(signal);
    await this.call(
      `create namespace ${name}`,
      () => core.createNamespace({ body: { metadata: { name, labels } } }),
      signal,
    );
  }

  async deleteNamespace(name: string, signal: AbortSignal): Promise<void> {
    const { core } = this.clients(signal);
    await this.call(
      `delete namespace ${name}`,
      () =>
        core
          .deleteNamespace({ name, propagationPolicy: 'Foreground' })
          // 404: gone already; 409: already terminating (pkg/registry/core/namespace/storage/storage.go).
          .catch((error: unknown) =>
            isNotFound(error) || apiStatusOf(error)?.code === 409 ? undefined : Promise.reject(error),
          ),
      signal,
    );
  }

  async deleteClusterObject(ref: ResourceRef & { name: string }, signal: AbortSignal): Promise<void> {
    const { custom } = this.clients(signal);
    const { group, version, plural, name } = ref;
    await this.call(
      `delete ${plural}.${group} ${name}`,
      () =>
        custom
          .deleteClusterCustomObject({ group, version, plural, name })
          .catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))),
      signal,
    );
  }

  /**
   * POST the pod with `dryRun=All` (kubernetes.io/docs/reference/using-api/api-concepts/#dry-run):
   * mutating and validating admission run, Pod Security included, nothing is persisted. A refusal is
   * the outcome; RBAC saying no to the create itself is an error about the kubeconfig.
   */
  async dryRunCreatePod(namespace: string, pod: KubeObject, signal: AbortSignal): Promise<DryRunOutcome> {
    const { core } = this.clients(signal);
    try {
      await retryTransient(
        () =>
          core.createNamespacedPod({
            namespace,
            body: structuredClone(pod) as unknown as V1Pod,
            dryRun: 'All',
            fieldManager,
          }),
        signal,
        this.retry,
      );
      return { admitted: true };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const status = apiStatusOf(error);
      if (!status || isRbacRefusal(status.message))
        throw clusterApiError(`dry-run create pod ${namespace}/${pod.metadata.name}`, error, signal);
      return { admitted: false, status };
    }
  }

  /** SelfSubjectAccessReview (kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access). */
  async accessReview(
    attributes: AccessAttributes,
    signal: AbortSignal,
  ): Promise<{ allowed: boolean; reason?: string }> {
    const { authorization } = this.clients(signal);
    const review = await this.call(
      `access review ${attributes.verb} ${attributes.resource}`,
      () =>
        authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { ...attributes } },
          },
        }),
      signal,
    );
    return {
      allowed: review.status?.allowed === true,
      ...(review.status?.reason ? { reason: review.status.reason } : {}),
    };
  }
}

/** Connects to the cluster a kubeconfig (a file, or one already loaded) points at. */
export function connectCluster(
  kubeconfig: string | KubeConfig,
  options: KubernetesClusterOptions = {},
): KubernetesCluster {
  if (typeof kubeconfig !== 'string') return new KubernetesCluster(kubeconfig, options);
  const loaded = new KubeConfig();
  try {
    loaded.loadFromFile(kubeconfig);
  } catch (error) {
    throw new GauntletError(
      'GAUNTLET_NOT_FOUND',
      `cannot read kubeconfig ${kubeconfig}: ${describeApiError(error)}`,
      'pass the kubeconfig kind wrote (kind get kubeconfig --name <cluster>)',
      { cause: error },
    );
  }
  return new KubernetesCluster(loaded, options);
}
