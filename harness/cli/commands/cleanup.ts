// `gauntlet cleanup --context NAME [--run ID]`: deletes what gauntlet runs left on a cluster —
// namespaces and Calico GlobalNetworkPolicies labelled gauntlet.dev/run (of one run, or of all) —
// and nothing else. Safe to run again: what is gone is not an error.
import { cleanupCluster, describeCleanup } from '../../cluster/cleanup.ts';
import type { Need } from '../../cluster/access-review.ts';
import { connectContext } from '../../cluster/kube-context.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { interruptible, preflight, requireContext } from './discover.ts';

const usage = `Usage: gauntlet cleanup --context NAME [--kubeconfig FILE] [--run ID] [--dry-run]

Deletes every namespace and Calico GlobalNetworkPolicy labelled gauntlet.dev/run (=ID with --run)
on the cluster of context NAME: what an interrupted or --keep-namespaces run left. Objects without
that label are never touched; system namespaces never deleted. Deleting what is already gone is not
an error, so it can run again; namespaces finish terminating in the background.

  --context NAME     the kubeconfig context of the cluster (required)
  --kubeconfig FILE  the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)
  --run ID           only this run's objects (the id in results/<id>, and in each object's label)
  --dry-run          list what would be deleted, delete nothing

Exit: 0 done (or nothing to do), 2 the context, the cluster or the permissions are not there.`;

export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'delete what gauntlet runs left on a cluster (objects labelled gauntlet.dev/run only)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('cleanup', argv, {
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      run: { type: 'string' },
      'dry-run': { type: 'boolean' },
    });
    const choice = requireContext('cleanup', values);
    const report = await interruptible(io, `cleanup of context ${choice.context}`, async () => {
      const connected = await connectContext(choice, io.env, io.signal);
      const calico = await connected.cluster.serves('projectcalico.org/v3', 'GlobalNetworkPolicy', io.signal);
      // Without Calico's API there are no global policies to ask about.
      await preflight(connected, new Set<Need>(['cleanup']), io.signal, { calicoApi: calico });
      return cleanupCluster(connected.cluster, {
        ...(values.run ? { runId: values.run } : {}),
        dryRun: values['dry-run'] === true,
        signal: io.signal,
      });
    });
    io.stdout.write(`${describeCleanup(report, choice.context).join('\n')}\n`);
    return 0;
  },
};
