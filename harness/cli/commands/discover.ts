// `gauntlet discover --context NAME`: what a cluster the user already runs offers, as a stack —
// Kubernetes, Calico, Istio revisions and mesh modes, and the admission posture of an unlabelled
// namespace — printed alone, without running anything.
import { GauntletError } from '../../errors.ts';
import {
  accessChecks,
  missingPermissions,
  missingPermissionsError,
  permissions,
} from '../../cluster/access-review.ts';
import type { Need } from '../../cluster/access-review.ts';
import type { Discovery } from '../../cluster/discovery/discover.ts';
import { describeDiscovery, discoverCluster } from '../../cluster/discovery/discover.ts';
import type { ConnectedContext } from '../../cluster/kube-context.ts';
import { connectContext } from '../../cluster/kube-context.ts';
import { newRunId } from '../../plan/naming.ts';
import { labels } from '../../plan/naming.ts';
import { probeImageRef } from '../../model/probe-image-ref.ts';
import type { Command, CommandIo } from '../command.ts';
import { parseFlags } from '../flags.ts';

const usage = `Usage: gauntlet discover --context NAME [--kubeconfig FILE] [--json] [--skip-admission-check]

Reads what the cluster of context NAME runs and prints it as a stack: the Kubernetes version;
Calico (the operator's Installation: variant and dataplane; the version from ClusterInformation;
whether the Calico API server serves projectcalico.org/v3), or no Calico; Istio revisions (istiod
Deployments, their istio.io/rev, the version of their image), sidecar injectors, istio-cni and
ztunnel, and so the mesh modes a run can use; and the admission posture of a namespace nobody
labelled, found by server-side dry-run of reference pods (restricted, root, NET_RAW, NET_ADMIN,
hostNetwork), each with what refused it (Pod Security, or which webhook).

The admission check creates one empty namespace (gauntlet-discover-<id>, labelled gauntlet.dev/run)
and deletes it; the dry-run stores no pod. Everything else is reads. First it asks the API server
(SelfSubjectAccessReview) whether the kubeconfig's user may do each of those.

  --context NAME          the kubeconfig context of the cluster (required)
  --kubeconfig FILE       the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)
  --json                  the discovery as JSON
  --skip-admission-check  read only: no namespace, no dry-run (the admission posture stays unknown)
  --probe-image REF       the image the reference pods name (an image policy answers too)

Exit: 0 discovered, 2 the context, the cluster or the permissions are not there (one line says which).`;

export interface DiscoverFlags {
  context?: string;
  kubeconfig?: string;
}

/** --context is required for every command that names a user's cluster. */
export function requireContext(
  command: string,
  flags: DiscoverFlags,
): { context: string; kubeconfig?: string } {
  if (!flags.context)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet ${command}: --context is required`,
      'name the kubeconfig context of the cluster (kubectl config get-contexts)',
    );
  return { context: flags.context, ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}) };
}

/** Ctrl-C is not a bug: an interrupted command ends in one line (exit 2), not an internal error. */
export async function interruptible<T>(
  io: Pick<CommandIo, 'signal'>,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (io.signal.aborted && !(error instanceof GauntletError))
      throw new GauntletError('GAUNTLET_ABORTED', `${what} was interrupted`);
    throw error;
  }
}

/** Asks the API server about every verb `wanted` needs; throws one line naming the missing ones. */
export async function preflight(
  connected: ConnectedContext,
  wanted: ReadonlySet<Need>,
  signal: AbortSignal,
  options: { calicoApi?: boolean } = {},
): Promise<void> {
  // Rows for Calico's v3 API are asked only when the cluster serves it.
  const table = permissions.filter((row) => options.calicoApi !== false || row.group !== 'projectcalico.org');
  const missing = await missingPermissions(connected.cluster, accessChecks(wanted, table), signal);
  if (missing.length > 0) throw missingPermissionsError(connected.loaded.context, missing);
}

/** Discovery as `gauntlet run --context` and `gauntlet discover` do it. */
export async function discover(
  connected: ConnectedContext,
  options: { admissionCheck: boolean; image: string; runId: string },
  io: Pick<CommandIo, 'signal' | 'leftBehind'>,
): Promise<Discovery> {
  const namespace = `gauntlet-discover-${options.runId}`;
  // A second Ctrl-C during the admission check leaves its namespace: say how to remove it.
  if (options.admissionCheck)
    io.leftBehind?.add('admission-check', {
      what: `namespace ${namespace} of the admission check`,
      remove: `gauntlet cleanup --context ${connected.loaded.context} --run ${options.runId}`,
    });
  try {
    return await discoverCluster(connected.cluster, {
      context: connected.loaded.context,
      apiServer: connected.loaded.apiServer,
      admissionCheck: options.admissionCheck,
      admissionNamespace: namespace,
      labels: { [labels.run]: options.runId, [`${labels.run.split('/')[0]}/purpose`]: 'admission-check' },
      image: options.image,
      signal: io.signal,
      // The namespace goes even when Ctrl-C stopped the check.
      cleanupSignal: new AbortController().signal,
    });
  } catch (error) {
    if (io.signal.aborted)
      throw new GauntletError(
        'GAUNTLET_ABORTED',
        `discovery of context ${connected.loaded.context} was interrupted`,
      );
    throw error;
  } finally {
    io.leftBehind?.done('admission-check');
  }
}

export const discoverCommand: Command = {
  name: 'discover',
  summary: 'print what a cluster you run offers as a stack: versions, Calico, Istio modes, admission',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('discover', argv, {
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      json: { type: 'boolean' },
      'skip-admission-check': { type: 'boolean' },
      'probe-image': { type: 'string' },
    });
    const choice = requireContext('discover', values);
    const admissionCheck = values['skip-admission-check'] !== true;
    const discovery = await interruptible(io, `discovery of context ${choice.context}`, async () => {
      const connected = await connectContext(choice, io.env, io.signal);
      await preflight(
        connected,
        new Set<Need>(admissionCheck ? ['discover', 'admission-check'] : ['discover']),
        io.signal,
      );
      return discover(
        connected,
        { admissionCheck, image: values['probe-image'] ?? probeImageRef(), runId: newRunId() },
        io,
      );
    });
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ kind: 'gauntlet-discovery', ...discovery }, null, 2)}\n`
        : `${describeDiscovery(discovery).join('\n')}\n`,
    );
    return 0;
  },
};
