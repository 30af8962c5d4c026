// Planned probes made into the batch entries the run hands the agent: each destination resolved by the
// run's own resolveDestination (harness/run/resolve-destination.ts) against the rehearsal's cluster,
// then one PreparedProbe per attempt exactly as probeFromSource builds them
// (harness/run/execute-instance.ts: attempt ids `<probe id>#<n>`, the relay's address for udp-tunnel,
// the name to resolve for dns).
import type { Cluster, PodInfo, WorkloadReadiness } from '../../../harness/cluster/cluster.ts';
import type { PlannedProbe } from '../../../harness/plan/plan-probes.ts';
import type { PreparedProbe } from '../../../harness/run/agent-client.ts';
import type { ExternalTargets } from '../../../harness/run/environment.ts';
import { resolveDestination } from '../../../harness/run/resolve-destination.ts';

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
    const resolved = await resolveDestination(probe.destination, context);
    if (!resolved.ok) {
      result.unresolved.push({ planned: probe, reason: resolved.reason });
      continue;
    }
    const relayAddress = setting.externals.addresses.relay;
    if (probe.relay && !relayAddress) {
      result.unresolved.push({ planned: probe, reason: 'the relay was not started' });
      continue;
    }
    for (let attempt = 1; attempt <= probe.probe.attempts; attempt++)
      result.prepared.push({
        attemptId: `${probe.probe.id}#${attempt}`,
        attempt,
        planned: probe,
        host: resolved.host,
        port: resolved.port,
        ...(probe.relay && relayAddress ? { relay: { host: relayAddress, port: probe.relay.port } } : {}),
        ...(probe.probe.technique === 'dns'
          ? { dnsName: probe.probe.dns?.name ?? 'kubernetes.default.svc.cluster.local' }
          : {}),
      });
  }
  return result;
}
