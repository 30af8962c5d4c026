// Planned probes made into the batch entries the run hands the agent, by the run's own builder
// (harness/run/prepare-probe.ts: the destination resolved against the rehearsal's cluster, attempt
// ids `<probe id>#<n>`, the relay's address for udp-tunnel, the name to resolve for dns).
import type { Cluster, PodInfo, WorkloadReadiness } from '../../../harness/cluster/cluster.ts';
import type { PlannedProbe } from '../../../harness/plan/plan-probes.ts';
import type { PreparedProbe } from '../../../harness/probe/agent-client.ts';
import type { ExternalTargets } from '../../../harness/run/environment.ts';
import { prepareProbe } from '../../../harness/run/prepare-probe.ts';

export interface PrepareSetting {
  cluster: Cluster;
  externals: ExternalTargets;
  /** By `namespace/deployment`, as the run's readiness wait reports pods. */
  readiness: ReadonlyMap<string, WorkloadReadiness>;
  /** Absent for a client outside the cluster. */
  sourcePod?: PodInfo;
  signal: AbortSignal;
}

export interface Prepared {
  prepared: PreparedProbe[];
  /** Probes the run would decide without the network (the reason is its `error` observation). */
  unresolved: { planned: PlannedProbe; reason: string }[];
}

export async function prepareProbes(
  planned: readonly PlannedProbe[],
  setting: PrepareSetting,
): Promise<Prepared> {
  const result: Prepared = { prepared: [], unresolved: [] };
  const context = {
    cluster: setting.cluster,
    externals: setting.externals,
    readiness: setting.readiness,
    ...(setting.sourcePod ? { sourcePod: setting.sourcePod } : {}),
    signal: setting.signal,
    cache: new Map<string, Promise<unknown>>(),
  };
  for (const probe of planned) {
    const made = await prepareProbe(probe, context);
    if (made.ok) result.prepared.push(...made.attempts);
    else result.unresolved.push({ planned: probe, reason: made.reason });
  }
  return result;
}
