// Whether a cluster can pull the probe image, told from a pod's status rather than from a timeout.
// The kubelet reports a failed pull in the container's waiting state: ErrImagePull on the failed
// attempt, ImagePullBackOff while it backs off, InvalidImageName for a reference it cannot parse,
// ErrImageNeverPull with imagePullPolicy Never (kubernetes/kubernetes pkg/kubelet/images/types.go;
// kubernetes.io/docs/concepts/containers/images/#imagepullbackoff). Pure: the run polls a pod and
// asks this.
import type { ApiObject } from './cluster.ts';
import { at, list, text } from './discovery/json.ts';

export const pullFailureReasons: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
]);

export type ImagePullState =
  | { state: 'pulled' }
  | { state: 'cannot-pull'; reason: string; message: string }
  | { state: 'waiting'; lastSeen: string };

export function imagePullState(pod: ApiObject | undefined): ImagePullState {
  if (!pod) return { state: 'waiting', lastSeen: 'the pod does not exist (yet)' };
  const statuses = list(pod, 'status', 'containerStatuses');
  for (const status of statuses) {
    const waiting = at(status, 'state', 'waiting');
    const reason = text(waiting, 'reason');
    if (reason && pullFailureReasons.has(reason))
      return { state: 'cannot-pull', reason, message: text(waiting, 'message') ?? '' };
  }
  // An image ID is recorded once the image is on the node, whatever the container does next.
  if (statuses.length > 0 && statuses.every((status) => text(status, 'imageID') !== undefined))
    return { state: 'pulled' };
  const phase = text(pod, 'status', 'phase') ?? 'Pending';
  const waiting = statuses.map((status) => text(status, 'state', 'waiting', 'reason')).filter(Boolean);
  const scheduled = list(pod, 'status', 'conditions').find((entry) => text(entry, 'type') === 'PodScheduled');
  const unscheduled =
    text(scheduled, 'status') === 'False'
      ? `not scheduled: ${text(scheduled, 'message') ?? text(scheduled, 'reason') ?? ''}`
      : '';
  return {
    state: 'waiting',
    lastSeen: [`pod ${phase}`, ...waiting.map((reason) => `container waiting: ${reason}`), unscheduled]
      .filter((part) => part !== '')
      .join('; '),
  };
}

/** The pod that checks the pull: restricted-compliant, it does nothing but exist. */
export function imageCheckPod(namespace: string, image: string, labels: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'gauntlet-image-check', namespace, labels },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'probe',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '--version'],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
        },
      ],
    },
  };
}
