// A planned probe made into the batch entries the agent runs: its destination resolved, the relay's
// address for udp-tunnel, the name to resolve for dns, one entry per attempt (`<probe id>#<n>`).
// The run (execute-instance.ts) and the container tier's pod rehearsal both prepare probes here, so
// what the rehearsal sends is what a run sends.
import type { PlannedProbe } from '../plan/plan-probes.ts';
import type { PreparedProbe } from '../probe/agent-client.ts';
import type { ResolveContext, Resolved } from './resolve-destination.ts';
import { resolveDestination } from './resolve-destination.ts';

/** The name a dns probe resolves when the scenario names none: every cluster has it. */
export const defaultDnsName = 'kubernetes.default.svc.cluster.local';

export type Prepared =
  | { ok: true; resolved: Extract<Resolved, { ok: true }>; attempts: PreparedProbe[] }
  | { ok: false; reason: string };

export async function prepareProbe(planned: PlannedProbe, context: ResolveContext): Promise<Prepared> {
  const resolved = await resolveDestination(planned.destination, context);
  if (!resolved.ok) return resolved;
  let relay: PreparedProbe['relay'];
  if (planned.relay) {
    const relayAddress = context.externals?.addresses.relay;
    if (!relayAddress) return { ok: false, reason: 'the relay was not started' };
    relay = { host: relayAddress, port: planned.relay.port };
  }
  const attempts: PreparedProbe[] = [];
  for (let attempt = 1; attempt <= planned.probe.attempts; attempt++)
    attempts.push({
      attemptId: `${planned.probe.id}#${attempt}`,
      attempt,
      planned,
      host: resolved.host,
      ...(resolved.port === undefined ? {} : { port: resolved.port }),
      ...(relay ? { relay } : {}),
      ...(planned.probe.technique === 'dns' ? { dnsName: planned.probe.dns?.name ?? defaultDnsName } : {}),
    });
  return { ok: true, resolved, attempts };
}
