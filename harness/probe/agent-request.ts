// A prepared probe (planned, destination resolved) as the agent's batch entry (harness/agent/protocol.ts).
import type { ProbeRequestInput } from '../agent/protocol.ts';
import { inPodPreludes } from '../model/technique.ts';
import type { PreparedProbe } from './agent-client.ts';

/** The database and role the "database outside the mesh" accepts (harness/provision/external-targets.ts). */
export const postgresLogin = { user: 'postgres', database: 'postgres' } as const;

export function agentProbeRequest(prepared: PreparedProbe): ProbeRequestInput {
  const { probe } = prepared.planned;
  return {
    id: prepared.attemptId,
    technique: probe.technique,
    host: prepared.host,
    port: prepared.port,
    timeoutMs: probe.timeoutMs,
    preludes: probe.preludes.filter((prelude) =>
      inPodPreludes.includes(prelude),
    ) as ProbeRequestInput['preludes'],
    ...(probe.technique === 'http'
      ? {
          http: {
            method: probe.http?.method ?? 'GET',
            path: probe.http?.path ?? '/',
            ...(probe.http?.headers ? { headers: probe.http.headers } : {}),
          },
        }
      : {}),
    ...(prepared.dnsName ? { dnsName: prepared.dnsName } : {}),
    ...(prepared.relay ? { relay: prepared.relay } : {}),
    // The forged packet's protocol travels too: without it the agent would fall back to its own default.
    ...(probe.spoof ? { spoof: { source: probe.spoof.source, protocol: probe.spoof.protocol } } : {}),
    ...(probe.application === 'postgres' ? { application: 'postgres', ...postgresLogin } : {}),
    ...(probe.application === 'tls' ? { application: 'tls' } : {}),
  };
}
