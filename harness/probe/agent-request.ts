// A prepared probe (planned, destination resolved) as the agent's batch entry (harness/agent/protocol.ts).
import type { ProbeRequestInput } from '../agent/protocol.ts';
import { inPodPreludes } from '../model/technique.ts';
import type { PreparedProbe } from './agent-client.ts';

/** The database and role the "database outside the mesh" accepts (harness/provision/external-targets.ts). */
export const postgresLogin = { user: 'postgres', database: 'postgres' } as const;

/**
 * The port of a request whose protocol has none (icmp, ip-protocol): the agent's request always
 * carries one (harness/agent/protocol.ts), and net-helper.py's icmp_echo and ip_probe address the
 * host only. The lab sends the same (harness/lab/lab-cases.ts noPort); results record no port.
 */
export const portlessRequestPort = 1;

export function agentProbeRequest(prepared: PreparedProbe): ProbeRequestInput {
  const { probe } = prepared.planned;
  return {
    id: prepared.attemptId,
    technique: probe.technique,
    host: prepared.host,
    port: prepared.port ?? portlessRequestPort,
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
            version: probe.http?.version ?? '1.1',
          },
        }
      : {}),
    ...(prepared.dnsName ? { dnsName: prepared.dnsName } : {}),
    // The number the destination serves; without it the agent sends its default (253).
    ...(prepared.planned.ipProtocol !== undefined ? { ipProtocol: prepared.planned.ipProtocol } : {}),
    ...(prepared.relay ? { relay: prepared.relay } : {}),
    // The forged packet's protocol travels too: without it the agent would fall back to its own default.
    ...(probe.spoof ? { spoof: { source: probe.spoof.source, protocol: probe.spoof.protocol } } : {}),
    ...(probe.application === 'postgres' ? { application: 'postgres', ...postgresLogin } : {}),
    ...(probe.application === 'tls' ? { application: 'tls' } : {}),
  };
}
