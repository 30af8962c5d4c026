// icmp, sctp and ip-protocol: the protocols Istio's capture never redirects. The sidecar's nat rules
// jump to ISTIO_REDIRECT only for `-p tcp` (harness/lab/rules/istio-1.30.5/sidecar-capture.v4.rules:
// `-A OUTPUT -p tcp -j ISTIO_OUTPUT`, `-A PREROUTING -p tcp -j ISTIO_INBOUND`); ambient's in-pod rules
// redirect `-p tcp` and `-p udp --dport 53` only (ambient-inpod.v4.rules). ICMP, SCTP and any other IP
// protocol leave the pod untouched, so only the node (NetworkPolicy) can stop them. Node.js has none
// of these sockets: net-helper.py sends and reads them.
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import { runNetHelper } from '../net-helper.ts';
import type { HelperResult } from '../net-helper.ts';
import type { ProbeRequest } from '../protocol.ts';
import type { TechniqueResult } from '../technique-result.ts';

/** The echo the destination sent, re-read through the schema, with the path facts every echo carries. */
function withEcho(result: HelperResult): TechniqueResult {
  const { data: _data, closed: _closed, ...rest } = result;
  const echo = rest.evidence?.echo ? parseEcho(JSON.stringify(rest.evidence.echo)) : undefined;
  return echo ? { ...rest, evidence: { ...rest.evidence, ...evidenceFromEcho(echo) } } : rest;
}

/** RFC 3692: protocol numbers 253 and 254 are for experimentation and testing. */
export const defaultIpProtocol = 253;

export async function unproxiedProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const timeoutMs = Math.max(50, Math.floor(deadline.remaining()));
  const base = { id: probe.id, host: probe.host, port: probe.port, timeoutMs };
  switch (probe.technique) {
    case 'icmp':
      return withEcho(await runNetHelper({ ...base, op: 'icmp-echo' }, timeoutMs));
    case 'sctp':
      return withEcho(await runNetHelper({ ...base, op: 'sctp' }, timeoutMs));
    case 'ip-protocol':
      return withEcho(
        await runNetHelper(
          { ...base, op: 'ip-probe', ipProtocol: probe.ipProtocol ?? defaultIpProtocol },
          timeoutMs,
        ),
      );
    default:
      return {
        outcome: 'error',
        step: 'technique',
        message: `${probe.technique} is not an uncaptured-protocol technique`,
      };
  }
}
