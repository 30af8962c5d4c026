// The admission posture a cluster applies to a namespace nobody labelled: the level of the Pod
// Security Standards its pods effectively get, found by server-side dry-run of reference pods
// (kubernetes.io/docs/reference/using-api/api-concepts/#dry-run: every admission step runs, nothing
// is stored), each naming what refused it. Pure but for `checkAdmission`, which talks to the cluster.
//
// The reference pods step through the Pod Security Standards
// (kubernetes.io/docs/concepts/security/pod-security-standards/): `restricted` passes every level;
// `root` (UID 0, the runtime's default capabilities) passes baseline, not restricted; adding NET_RAW
// or NET_ADMIN, or hostNetwork, passes only privileged (baseline allows adding only AUDIT_WRITE,
// CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
// SETUID, SYS_CHROOT, and no host namespaces). They are exactly what the catalog's attackers ask for.
//
// Refusals, as the API server words them (see also admission-denial.ts):
// - Pod Security: `pods "x" is forbidden: violates PodSecurity "baseline:latest": ...`
//   (k8s.io/pod-security-admission admission.go, response.go forbiddenResponse);
// - a webhook: `admission webhook "<name>" denied the request: ...`
//   (k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr);
// - a webhook that cannot be asked during a dry run: `admission webhook "<name>" does not support
//   dry run` (same file, NewDryRunUnsupportedErr, 400): undecided, not refused;
// - a ValidatingAdmissionPolicy: `ValidatingAdmissionPolicy '<p>' with binding '<b>' denied request`.
import type { ClusterInspector, DryRunOutcome } from '../cluster.ts';
import { GauntletError } from '../../errors.ts';
import type { AdmissionLevel } from '../../model/traits.ts';
import type { KubeObject } from '../../plan/render-workloads.ts';
import { agentPath, containerSecurityContext } from '../../plan/render-workloads.ts';
import { oneLine } from '../event-lines.ts';

export interface ReferencePod {
  id: string;
  /** The most restrictive Pod Security level that admits it. */
  level: AdmissionLevel;
  what: string;
  hostNetwork?: boolean;
  securityContext: Record<string, unknown>;
}

export const referencePods: readonly ReferencePod[] = [
  {
    id: 'restricted',
    level: 'restricted',
    what: 'non-root, all capabilities dropped, RuntimeDefault seccomp',
    securityContext: containerSecurityContext(undefined),
  },
  {
    id: 'root',
    level: 'baseline',
    what: 'root with the runtime’s default capabilities',
    securityContext: { runAsUser: 0 },
  },
  {
    id: 'net-raw',
    level: 'privileged',
    what: 'root adding NET_RAW (raw and packet sockets)',
    securityContext: { runAsUser: 0, capabilities: { add: ['NET_RAW'] } },
  },
  {
    id: 'net-admin',
    level: 'privileged',
    what: 'root adding NET_ADMIN and NET_RAW (istio-init, iptables-flush)',
    securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
  },
  {
    id: 'host-network',
    level: 'privileged',
    what: 'hostNetwork (the node’s own network namespace)',
    hostNetwork: true,
    securityContext: containerSecurityContext(undefined),
  },
];

/** The pod a reference is dry-run as: the probe image, so an image policy answers too. */
export function referencePodObject(
  reference: ReferencePod,
  namespace: string,
  image: string,
  labels: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `gauntlet-admission-${reference.id}`, namespace, labels },
    spec: {
      ...(reference.hostNetwork ? { hostNetwork: true } : {}),
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'agent',
          image,
          command: ['node', agentPath, 'serve'],
          securityContext: reference.securityContext,
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    },
  };
}

export type Refuser =
  | { by: 'pod-security'; level: string; version: string }
  | { by: 'webhook'; name: string }
  | { by: 'validating-admission-policy'; name: string }
  | { by: 'other'; reason: string };

export type ReferenceVerdict =
  | { admitted: true }
  | { admitted: false; refuser: Refuser; message: string }
  /** Could not be decided: a webhook that takes no dry run, or one that could not be called. */
  | { admitted: 'unknown'; why: string };

/** What refused a dry-run create, from the Status the API server answered with. */
export function classifyRefusal(status: { code: number; reason: string; message: string }): ReferenceVerdict {
  const message = oneLine(status.message);
  const noDryRun = /admission webhook "([^"]+)" does not support dry run/.exec(message);
  if (noDryRun)
    return { admitted: 'unknown', why: `admission webhook "${noDryRun[1]}" does not support dry run` };
  const unreachable = /failed calling webhook "([^"]+)"/.exec(message);
  if (unreachable)
    return {
      admitted: 'unknown',
      why: `admission webhook "${unreachable[1]}" could not be called: ${message}`,
    };
  const podSecurity = /violates PodSecurity "([a-z]+):([^"]+)"/.exec(message);
  if (podSecurity)
    return {
      admitted: false,
      refuser: { by: 'pod-security', level: podSecurity[1] ?? '?', version: podSecurity[2] ?? '?' },
      message,
    };
  const webhook = /admission webhook "([^"]+)" denied the request/.exec(message);
  if (webhook) return { admitted: false, refuser: { by: 'webhook', name: webhook[1] ?? '?' }, message };
  const policy = /ValidatingAdmissionPolicy '([^']+)'/.exec(message);
  if (policy)
    return {
      admitted: false,
      refuser: { by: 'validating-admission-policy', name: policy[1] ?? '?' },
      message,
    };
  return {
    admitted: false,
    refuser: { by: 'other', reason: status.reason || `HTTP ${status.code}` },
    message,
  };
}

export function verdictOf(outcome: DryRunOutcome): ReferenceVerdict {
  return outcome.admitted ? { admitted: true } : classifyRefusal(outcome.status);
}

export function describeRefuser(refuser: Refuser): string {
  switch (refuser.by) {
    case 'pod-security':
      return `Pod Security "${refuser.level}:${refuser.version}"`;
    case 'webhook':
      return `admission webhook "${refuser.name}"`;
    case 'validating-admission-policy':
      return `ValidatingAdmissionPolicy "${refuser.name}"`;
    case 'other':
      return `the API server (${refuser.reason})`;
  }
}

export interface AdmissionPosture {
  /** The most permissive level every reference pod of which (and of the levels below) was admitted; `none` when even the restricted pod was not. */
  level: AdmissionLevel | 'none';
  /** Where the check ran. */
  namespace: string;
  results: { id: string; level: AdmissionLevel; what: string; verdict: ReferenceVerdict }[];
  /** The Pod Security level that refused something, when Pod Security did (the cluster's default enforce level). */
  podSecurityDefault?: string;
  /** Webhooks and policies that refused a reference pod: a Pod Security label on a namespace does not lift them. */
  otherRefusers: string[];
}

const order: readonly AdmissionLevel[] = ['restricted', 'baseline', 'privileged'];

export function admissionPosture(namespace: string, results: AdmissionPosture['results']): AdmissionPosture {
  let level: AdmissionPosture['level'] = 'none';
  for (const candidate of order) {
    const atLevel = results.filter((result) => result.level === candidate);
    if (atLevel.length === 0 || !atLevel.every((result) => result.verdict.admitted === true)) break;
    level = candidate;
  }
  const refusers = results.flatMap((result) =>
    result.verdict.admitted === false ? [result.verdict.refuser] : [],
  );
  const podSecurity = refusers.find((refuser) => refuser.by === 'pod-security');
  return {
    level,
    namespace,
    results,
    ...(podSecurity?.by === 'pod-security' ? { podSecurityDefault: podSecurity.level } : {}),
    otherRefusers: [
      ...new Set(refusers.filter((refuser) => refuser.by !== 'pod-security').map(describeRefuser)),
    ],
  };
}

export function describeVerdict(verdict: ReferenceVerdict): string {
  if (verdict.admitted === true) return 'admitted';
  if (verdict.admitted === 'unknown') return `undecided: ${verdict.why}`;
  return `refused by ${describeRefuser(verdict.refuser)}: ${verdict.message}`;
}

/**
 * Creates a fresh namespace carrying only gauntlet's labels (no Pod Security labels: the cluster's
 * defaults apply), dry-runs every reference pod in it, and deletes it, whatever happened.
 */
export async function checkAdmission(
  cluster: Pick<ClusterInspector, 'createNamespace' | 'deleteNamespace' | 'dryRunCreatePod'>,
  options: {
    namespace: string;
    labels: Record<string, string>;
    image: string;
    signal: AbortSignal;
    cleanupSignal?: AbortSignal;
  },
): Promise<AdmissionPosture> {
  const { namespace, labels, image, signal } = options;
  await cluster.createNamespace(namespace, labels, signal);
  try {
    const results: AdmissionPosture['results'] = [];
    for (const reference of referencePods) {
      const outcome = await cluster.dryRunCreatePod(
        namespace,
        referencePodObject(reference, namespace, image, labels),
        signal,
      );
      results.push({
        id: reference.id,
        level: reference.level,
        what: reference.what,
        verdict: verdictOf(outcome),
      });
    }
    return admissionPosture(namespace, results);
  } finally {
    await cluster.deleteNamespace(namespace, options.cleanupSignal ?? signal).catch((error: unknown) => {
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        `could not delete the admission check's namespace ${namespace}: ${(error as Error).message}`,
        `delete it with \`gauntlet cleanup\` or kubectl delete namespace ${namespace}`,
      );
    });
  }
}
