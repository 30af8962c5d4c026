// Renders the in-cluster objects of one scenario instance: namespaces (with mesh and Pod Security
// Admission labels), service accounts, one Deployment per pod workload (plus opted-out twins for
// probes with the inject-opt-out prelude) and a Service per workload that serves ports.
import type { PodWorkload, Scenario, SecurityContext } from '../model/scenario.ts';
import { isPodWorkload } from '../model/scenario.ts';
import type { AdmissionLevel, MeshMode } from '../model/traits.ts';
import { labels } from './naming.ts';
import { namespaceMeshLabels, podOptOutLabels } from './mesh-labels.ts';

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
};

/** Where the agent lives in the probe image (images/probe/Dockerfile). */
export const agentPath = '/opt/gauntlet/agent.mjs';

/**
 * How namespaces are labelled beyond gauntlet's own labels. A kind run enforces the instance's Pod
 * Security level and enrols with `istio-injection`; a run on a cluster the user named tests that
 * cluster's own admission posture (no Pod Security label unless asked) and enrols by the Istio
 * revision discovery found.
 */
export interface NamespaceLabelOptions {
  /** `enforce` (default): `pod-security.kubernetes.io/enforce` at the instance's level. `none`: no Pod Security label. */
  podSecurity?: 'enforce' | 'none';
  /**
   * The Istio revision of the run: sidecar modes enrol meshed namespaces with `istio.io/rev=<revision>`
   * (ambient enrols by its dataplane-mode label whatever the revision); a scenario's gateway asks
   * this revision's injector for its gateway template.
   */
  istioRevision?: string;
}

export interface WorkloadRenderContext {
  runId: string;
  instance: string;
  scenario: Scenario;
  variant: string;
  mesh: MeshMode;
  admission: AdmissionLevel;
  namespaces: ReadonlyMap<string, string>; // logical -> physical
  image: string;
  namespaceLabels?: NamespaceLabelOptions;
}

/** A pod to start: a scenario workload, or the opted-out twin of one. */
export interface PodToStart {
  workload: string;
  deployment: string;
  namespace: string;
  optOut: boolean;
  spec: PodWorkload;
}

export const optOutSuffix = '-opt-out';

export function podsToStart(context: WorkloadRenderContext): PodToStart[] {
  const pods: PodToStart[] = [];
  const twins = new Set(
    context.scenario.probes
      .filter((probe) => probe.preludes.includes('inject-opt-out'))
      .map((probe) => probe.from),
  );
  for (const [name, workload] of Object.entries(context.scenario.workloads)) {
    if (!isPodWorkload(workload)) continue;
    const namespace = context.namespaces.get(workload.namespace) ?? workload.namespace;
    pods.push({
      workload: name,
      deployment: name,
      namespace,
      optOut: workload.mesh === 'opted-out',
      spec: workload,
    });
    if (twins.has(name))
      pods.push({
        workload: name,
        deployment: `${name}${optOutSuffix}`,
        namespace,
        optOut: true,
        spec: workload,
      });
  }
  return pods;
}

export function instanceLabels(context: WorkloadRenderContext): Record<string, string> {
  return {
    [labels.run]: context.runId,
    [labels.scenario]: context.scenario.id,
    [labels.variant]: context.variant,
    [labels.instance]: context.instance,
  };
}

export function renderNamespaces(context: WorkloadRenderContext): KubeObject[] {
  const meshed = new Set(
    Object.values(context.scenario.workloads)
      .filter(isPodWorkload)
      .filter((workload) => workload.mesh !== 'outside')
      .map((workload) => workload.namespace),
  );
  const options = context.namespaceLabels ?? {};
  const enforce = (options.podSecurity ?? 'enforce') === 'enforce';
  return [...context.namespaces].map(([logical, physical]) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: physical,
      labels: {
        ...instanceLabels(context),
        [labels.logicalNamespace]: logical,
        // Pod Security Admission: enforce the level, against the latest policy version
        // (kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces).
        ...(enforce
          ? {
              'pod-security.kubernetes.io/enforce': context.admission,
              'pod-security.kubernetes.io/enforce-version': 'latest',
            }
          : {}),
        ...(meshed.has(logical)
          ? namespaceMeshLabels(
              context.mesh,
              options.istioRevision ? { revision: options.istioRevision } : {},
            )
          : {}),
      },
    },
  }));
}

function serviceAccountName(name: string, workload: PodWorkload): string {
  return workload.serviceAccount ?? name;
}

export function renderServiceAccounts(context: WorkloadRenderContext): KubeObject[] {
  const seen = new Set<string>();
  const accounts: KubeObject[] = [];
  for (const [name, workload] of Object.entries(context.scenario.workloads)) {
    if (!isPodWorkload(workload)) continue;
    const namespace = context.namespaces.get(workload.namespace) ?? workload.namespace;
    const account = serviceAccountName(name, workload);
    if (seen.has(`${namespace}/${account}`)) continue;
    seen.add(`${namespace}/${account}`);
    accounts.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: account, namespace, labels: instanceLabels(context) },
    });
  }
  return accounts;
}

/**
 * A pod without a securityContext in its scenario gets one that passes the `restricted` Pod
 * Security Standard (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault
 * seccomp: kubernetes.io/docs/concepts/security/pod-security-standards/#restricted), so only
 * the pods a scenario deliberately weakens meet admission. A scenario's own securityContext is used
 * as written.
 */
export function containerSecurityContext(
  securityContext: SecurityContext | undefined,
): Record<string, unknown> {
  if (securityContext) return { ...securityContext };
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}

export function serveArguments(name: string, workload: PodWorkload): string[] {
  const serve = workload.serve ?? {};
  const args = ['serve', '--name', name];
  for (const [flag, ports] of [
    ['--tcp', serve.tcp],
    ['--http', serve.http],
    ['--http', serve.http2], // the same echo: it answers HTTP/1.1 and h2c on every http port
    ['--udp', serve.udp],
    ['--relay', serve.relay],
    ['--sctp', serve.sctp],
  ] as const)
    for (const port of ports ?? []) args.push(flag, String(port));
  if (serve.ipProtocol !== undefined) args.push('--ip-protocol', String(serve.ipProtocol));
  return args;
}

function readinessProbe(workload: PodWorkload): Record<string, unknown> | undefined {
  const http = workload.serve?.http?.[0] ?? workload.serve?.http2?.[0];
  if (http !== undefined)
    return { httpGet: { path: '/healthz', port: http }, periodSeconds: 2, failureThreshold: 3 };
  const tcp = workload.serve?.tcp?.[0];
  if (tcp !== undefined) return { tcpSocket: { port: tcp }, periodSeconds: 2, failureThreshold: 3 };
  return undefined;
}

/**
 * Puts a pod on the node of another workload's pod (required pod affinity on the node hostname):
 * some bypasses only exist between pods of one node
 * (kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity).
 */
function colocation(workload: string, context: WorkloadRenderContext): Record<string, unknown> {
  const target = context.scenario.workloads[workload];
  const namespace = target && isPodWorkload(target) ? context.namespaces.get(target.namespace) : undefined;
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: {
            matchLabels: { [labels.deployment]: workload, [labels.instance]: context.instance },
          },
          ...(namespace ? { namespaces: [namespace] } : {}),
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    },
  };
}

/**
 * Keeps a pod off the node of another workload's pod (required pod anti-affinity on the node
 * hostname), so that a flow between them crosses nodes: same-node and cross-node flows take
 * different paths (kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity).
 */
function antiColocation(workload: string, context: WorkloadRenderContext): Record<string, unknown> {
  const { podAffinity } = colocation(workload, context);
  return { podAntiAffinity: podAffinity };
}

/** The pod's affinity: with a workload's node (colocateWith), away from one (avoid), or both. */
function placement(workload: PodToStart['spec'], context: WorkloadRenderContext): Record<string, unknown> {
  return {
    ...(workload.colocateWith ? colocation(workload.colocateWith, context) : {}),
    ...(workload.avoid ? antiColocation(workload.avoid, context) : {}),
  };
}

export function renderDeployment(pod: PodToStart, context: WorkloadRenderContext): KubeObject {
  const workload = pod.spec;
  // An opted-out twin keeps its workload's `app` label: the attacker edits its own pod's mesh
  // labels, not the labels policies select it by. Deployments and Services select by deployment.
  const podLabels = {
    ...instanceLabels(context),
    ...(workload.labels ?? {}),
    app: pod.workload,
    [labels.workload]: pod.workload,
    [labels.deployment]: pod.deployment,
    [labels.role]: workload.role,
    ...(pod.optOut ? podOptOutLabels(context.mesh) : {}),
  };
  const probe = readinessProbe(workload);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: pod.deployment, namespace: pod.namespace, labels: instanceLabels(context) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [labels.deployment]: pod.deployment, [labels.instance]: context.instance } },
      template: {
        metadata: {
          labels: podLabels,
          ...(workload.annotations ? { annotations: workload.annotations } : {}),
        },
        spec: {
          serviceAccountName: serviceAccountName(pod.workload, workload),
          ...(workload.colocateWith || workload.avoid ? { affinity: placement(workload, context) } : {}),
          ...(workload.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          // Probes are short-lived: no reason to wait 30 s for a graceful stop at cleanup.
          terminationGracePeriodSeconds: 2,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'agent',
              image: context.image,
              imagePullPolicy: 'IfNotPresent', // loaded into the nodes with `kind load`, never pulled
              command: ['node', agentPath],
              args: serveArguments(pod.workload, workload),
              securityContext: containerSecurityContext(workload.securityContext),
              ...(probe ? { readinessProbe: probe } : {}),
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

/**
 * A Service per serving workload. Port names carry the protocol so Istio does not have to sniff it
 * (istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
 */
export function renderService(
  name: string,
  workload: PodWorkload,
  context: WorkloadRenderContext,
): KubeObject | undefined {
  const serve = workload.serve ?? {};
  const ports = [
    ...(serve.tcp ?? []).map((port) => ({ name: `tcp-${port}`, port, protocol: 'TCP', appProtocol: 'tcp' })),
    ...(serve.http ?? []).map((port) => ({
      name: `http-${port}`,
      port,
      protocol: 'TCP',
      appProtocol: 'http',
    })),
    // appProtocol http2: Istio's protocol selection (istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
    ...(serve.http2 ?? []).map((port) => ({
      name: `http2-${port}`,
      port,
      protocol: 'TCP',
      appProtocol: 'http2',
    })),
    ...(serve.udp ?? []).map((port) => ({ name: `udp-${port}`, port, protocol: 'UDP' })),
    ...(serve.relay ?? []).map((port) => ({ name: `udp-relay-${port}`, port, protocol: 'UDP' })),
    // kube-proxy forwards SCTP Service ports like TCP and UDP ones (kubernetes.io/docs/reference/generated/kube-proxy/).
    // An IP protocol has no port to publish: probes reach it at the pod (check-scenario.ts).
    ...(serve.sctp ?? []).map((port) => ({ name: `sctp-${port}`, port, protocol: 'SCTP' })),
  ].map((port) => ({ ...port, targetPort: port.port }));
  if (ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: context.namespaces.get(workload.namespace) ?? workload.namespace,
      labels: instanceLabels(context),
    },
    spec: { selector: { [labels.deployment]: name, [labels.instance]: context.instance }, ports },
  };
}

export function renderWorkloads(context: WorkloadRenderContext): {
  namespaces: KubeObject[];
  serviceAccounts: KubeObject[];
  deployments: KubeObject[];
  services: KubeObject[];
  pods: PodToStart[];
} {
  const pods = podsToStart(context);
  return {
    namespaces: renderNamespaces(context),
    serviceAccounts: renderServiceAccounts(context),
    deployments: pods.map((pod) => renderDeployment(pod, context)),
    services: Object.entries(context.scenario.workloads).flatMap(([name, workload]) => {
      if (!isPodWorkload(workload)) return [];
      const service = renderService(name, workload, context);
      return service ? [service] : [];
    }),
    pods,
  };
}
