// Whether a Deployment's workload is up, from one snapshot of its namespace (Deployments,
// ReplicaSets, Pods, Events). Pure: the adapter polls and calls this; unit tests feed crafted objects.
//
// - ready: a pod of the Deployment has condition Ready=True (what kubelet sets once every container
//   is ready; kubernetes/kubernetes pkg/api/v1/pod/util.go IsPodReady).
// - denied at admission: Pod Security Admission refuses the PODS, never the Deployment ("enforce mode
//   is not applied to workload resources, only to the resulting pod objects",
//   kubernetes.io/docs/concepts/security/pod-security-admission/). The ReplicaSet controller then
//   sets condition ReplicaFailure=True, reason FailedCreate, message = the create error
//   (pkg/controller/replicaset/replica_set_utils.go calculateStatus) and records a FailedCreate
//   event "Error creating: <error>" (pkg/controller/controller_utils.go); the Deployment controller
//   copies the ReplicaSet's failure condition onto the Deployment (pkg/controller/deployment/
//   progress.go syncRolloutStatus + util.ReplicaSetToDeploymentCondition). The condition is only
//   written once per failure streak, so a first unrelated failure can hide a later PSA refusal:
//   events are read too.
// - otherwise not ready (yet): the last thing seen, for diagnostics.
import type { CoreV1Event, V1Deployment, V1ObjectMeta, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { PodInfo, WorkloadReadiness } from './cluster.ts';
import { isAdmissionRefusal, withoutControllerPrefix } from './admission-denial.ts';
import { oneLine, sortEvents } from './event-lines.ts';

export interface NamespaceSnapshot {
  deployments: readonly V1Deployment[];
  replicaSets: readonly V1ReplicaSet[];
  pods: readonly V1Pod[];
  events: readonly CoreV1Event[];
}

export interface WorkloadTarget {
  namespace: string;
  deployment: string;
}

/** pkg/controller/deployment/util/deployment_util.go RevisionAnnotation. */
const revisionAnnotation = 'deployment.kubernetes.io/revision';

const maxLastSeen = 1_000;

function ownedBy(meta: V1ObjectMeta | undefined, kind: string, name: string, uid?: string): boolean {
  return (meta?.ownerReferences ?? []).some(
    (owner) => owner.kind === kind && owner.name === name && (uid === undefined || owner.uid === uid),
  );
}

function revision(replicaSet: V1ReplicaSet | undefined): number {
  const value = Number(replicaSet?.metadata?.annotations?.[revisionAnnotation] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

function created(meta: V1ObjectMeta | undefined): number {
  const time = meta?.creationTimestamp;
  return time ? new Date(time).getTime() || 0 : 0;
}

export function isPodReady(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * What the run needs to know about a pod. Containers include native sidecars (init containers with
 * restartPolicy Always, kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/), so that
 * an Istio proxy injected that way still gets its logs collected.
 */
export function podInfo(pod: V1Pod): PodInfo | undefined {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  const ip = pod.status?.podIP;
  const node = pod.spec?.nodeName;
  if (!name || !namespace || !ip || !node) return undefined;
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return {
    name,
    namespace,
    ip,
    node,
    serviceAccount: pod.spec?.serviceAccountName ?? 'default',
    containers: [...(pod.spec?.containers ?? []), ...sidecars].map((c) => c.name),
  };
}

interface Owned {
  deployment?: V1Deployment;
  /** Newest revision first. */
  replicaSets: V1ReplicaSet[];
  /** Pods of those ReplicaSets, newest ReplicaSet first, then newest pod first. */
  pods: V1Pod[];
}

function owned(target: WorkloadTarget, snapshot: NamespaceSnapshot): Owned {
  const deployment = snapshot.deployments.find(
    (d) => d.metadata?.name === target.deployment && d.metadata?.namespace === target.namespace,
  );
  const uid = deployment?.metadata?.uid;
  const replicaSets = snapshot.replicaSets
    .filter((rs) => ownedBy(rs.metadata, 'Deployment', target.deployment, uid))
    .sort((a, b) => revision(b) - revision(a) || created(b.metadata) - created(a.metadata));
  const rank = new Map(replicaSets.map((rs, index) => [rs.metadata?.name ?? '', index]));
  const rankOf = (pod: V1Pod): number => {
    const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.kind === 'ReplicaSet');
    return rank.get(owner?.name ?? '') ?? Number.MAX_SAFE_INTEGER;
  };
  const pods = snapshot.pods
    .filter((pod) => replicaSets.some((rs) => ownedBy(pod.metadata, 'ReplicaSet', rs.metadata?.name ?? '')))
    .sort((a, b) => rankOf(a) - rankOf(b) || created(b.metadata) - created(a.metadata));
  return { ...(deployment ? { deployment } : {}), replicaSets, pods };
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function replicaFailure(conditions: readonly Condition[] | undefined): Condition | undefined {
  return (conditions ?? []).find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True' && c.reason === 'FailedCreate',
  );
}

function eventsAbout(
  events: readonly CoreV1Event[],
  kind: string,
  names: ReadonlySet<string>,
): CoreV1Event[] {
  return sortEvents(
    events.filter((e) => e.involvedObject.kind === kind && names.has(e.involvedObject.name ?? '')),
  );
}

/** The admission refusal that keeps this Deployment from having pods, if any. */
function admissionDenial(found: Owned, events: readonly CoreV1Event[]): string | undefined {
  const conditions = [
    replicaFailure(found.deployment?.status?.conditions),
    ...found.replicaSets.map((rs) => replicaFailure(rs.status?.conditions)),
  ];
  for (const condition of conditions)
    if (condition?.message && isAdmissionRefusal(condition.message)) return oneLine(condition.message);
  const names = new Set(found.replicaSets.map((rs) => rs.metadata?.name ?? ''));
  const refusals = eventsAbout(events, 'ReplicaSet', names).filter(
    (e) => e.reason === 'FailedCreate' && isAdmissionRefusal(e.message ?? ''),
  );
  const latest = refusals.at(-1);
  return latest ? oneLine(withoutControllerPrefix(latest.message ?? '')) : undefined;
}

function describeContainers(pod: V1Pod): string[] {
  const notes: string[] = [];
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => ({ status: s, init: true })),
    ...(pod.status?.containerStatuses ?? []).map((s) => ({ status: s, init: false })),
  ];
  for (const { status, init } of statuses) {
    const label = `${init ? 'init container' : 'container'} ${status.name}`;
    const waiting = status.state?.waiting;
    const terminated = status.state?.terminated;
    const last = status.lastState?.terminated;
    const lastExit = last ? ` (last exit ${last.exitCode}${last.reason ? ` ${last.reason}` : ''})` : '';
    if (waiting?.reason)
      notes.push(
        `${label} waiting: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}${lastExit}`,
      );
    else if (terminated && !(init && terminated.exitCode === 0))
      notes.push(
        `${label} terminated: exit ${terminated.exitCode}${terminated.reason ? ` ${terminated.reason}` : ''}`,
      );
    else if (status.state?.running && !status.ready && !init)
      notes.push(`${label} running, not ready${lastExit}`);
  }
  return notes;
}

function describePod(pod: V1Pod, events: readonly CoreV1Event[]): string {
  const name = pod.metadata?.name ?? '?';
  const parts = [
    `pod ${name} ${pod.metadata?.deletionTimestamp ? 'terminating' : (pod.status?.phase ?? 'Unknown')}`,
  ];
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    parts.push(`not scheduled: ${scheduled.reason ?? ''}${scheduled.message ? ` ${scheduled.message}` : ''}`);
  parts.push(...describeContainers(pod));
  const warning = eventsAbout(events, 'Pod', new Set([name]))
    .filter((e) => e.type === 'Warning')
    .at(-1);
  if (warning) parts.push(`event ${warning.reason ?? ''}: ${warning.message ?? ''}`);
  return parts.join('; ');
}

function describeNoPod(found: Owned, events: readonly CoreV1Event[]): string {
  const newest = found.replicaSets[0];
  if (!newest) {
    const progressing = (found.deployment?.status?.conditions ?? []).find((c) => c.type === 'Progressing');
    return `no ReplicaSet yet${progressing?.message ? `; ${progressing.message}` : ''}`;
  }
  const rsName = newest.metadata?.name ?? '?';
  const parts = [`ReplicaSet ${rsName} has no pod`];
  const failure =
    replicaFailure(newest.status?.conditions) ?? replicaFailure(found.deployment?.status?.conditions);
  if (failure?.message) parts.push(`FailedCreate: ${failure.message}`);
  const warning = eventsAbout(events, 'ReplicaSet', new Set([rsName]))
    .filter((e) => e.type === 'Warning')
    .at(-1);
  if (warning && !failure)
    parts.push(`event ${warning.reason ?? ''}: ${withoutControllerPrefix(warning.message ?? '')}`);
  return parts.join('; ');
}

function cap(text: string): string {
  const line = oneLine(text);
  return line.length <= maxLastSeen ? line : `${line.slice(0, maxLastSeen - 1)}…`;
}

/**
 * The state of one Deployment in this snapshot. `not-ready` means "not yet": the caller polls again
 * until its deadline and reports the last one.
 */
export function judgeWorkload(target: WorkloadTarget, snapshot: NamespaceSnapshot): WorkloadReadiness {
  const base = { deployment: target.deployment, namespace: target.namespace };
  const found = owned(target, snapshot);
  if (!found.deployment)
    return {
      ...base,
      state: 'not-ready',
      lastSeen: `Deployment ${target.namespace}/${target.deployment} not found`,
    };

  for (const pod of found.pods) {
    const info = isPodReady(pod) ? podInfo(pod) : undefined;
    if (info) return { ...base, state: 'ready', pod: info };
  }

  const denial = admissionDenial(found, snapshot.events);
  const live = found.pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  if (denial && live.length === 0) return { ...base, state: 'denied-at-admission', message: denial };

  const pod = live[0] ?? found.pods[0];
  if (!pod) return { ...base, state: 'not-ready', lastSeen: cap(describeNoPod(found, snapshot.events)) };
  const info = podInfo(pod);
  return {
    ...base,
    state: 'not-ready',
    lastSeen: cap(describePod(pod, snapshot.events)),
    ...(info ? { pod: info } : {}),
  };
}
