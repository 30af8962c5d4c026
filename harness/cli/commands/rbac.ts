// `gauntlet rbac`: the ClusterRole (and, with --subject, its binding) granting exactly what
// `gauntlet run --context`, `discover` and `cleanup` ask the API server for in their preflight: both
// come from one table (harness/cluster/access-review.ts).
import { GauntletError } from '../../errors.ts';
import { needs, rbacYaml } from '../../cluster/access-review.ts';
import type { Need } from '../../cluster/access-review.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';

const needNames = Object.keys(needs) as Need[];

const usage = `Usage: gauntlet rbac [--subject user:NAME|group:NAME|serviceaccount:NS/NAME] [--for NEED,...] [--name NAME]

Prints the ClusterRole that grants what gauntlet needs on a cluster you name, and nothing more: the
same rows its preflight checks with SelfSubjectAccessReview. A cluster admin applies it:
  gauntlet rbac --subject user:alice@example.com | kubectl apply -f -

  --subject S   also print a ClusterRoleBinding for this user, group or service account
  --for NEEDS   only these (comma-separated): ${needNames.join(', ')} (default: all)
  --name NAME   the ClusterRole's name (default gauntlet)

${needNames.map((need) => `  ${need.padEnd(16)} ${needs[need]}`).join('\n')}`;

export const rbacCommand: Command = {
  name: 'rbac',
  summary: 'print the ClusterRole granting exactly what gauntlet needs on a cluster you name',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('rbac', argv, {
      subject: { type: 'string' },
      for: { type: 'string', multiple: true },
      name: { type: 'string' },
    });
    const wanted = (values.for ?? []).flatMap((value) => value.split(',')).filter((value) => value !== '');
    for (const need of wanted)
      if (!needNames.includes(need as Need))
        throw new GauntletError(
          'GAUNTLET_USAGE',
          `gauntlet rbac: unknown need "${need}"`,
          `one of: ${needNames.join(', ')}`,
        );
    io.stdout.write(
      rbacYaml({
        ...(wanted.length > 0 ? { wanted: new Set(wanted as Need[]) } : {}),
        ...(values.subject ? { subject: values.subject } : {}),
        ...(values.name ? { name: values.name } : {}),
      }),
    );
    return 0;
  },
};
