// Which port a probe aims at when the scenario does not say: the destination's port for the
// technique's protocol. One rule used by validation (a probe must resolve to a port) and rendering.
import { builtinTargets, gatewayPorts, relayPorts } from './builtin.ts';
import type { Probe, Workload } from './scenario.ts';
import { isPodWorkload } from './scenario.ts';
import type { Technique } from './technique.ts';

/** The protocol a probe speaks to its destination, as plans and results.json name it. */
export const destinationProtocols = ['tcp', 'http', 'udp', 'sctp', 'icmp', 'ip-protocol'] as const;
export type Protocol = (typeof destinationProtocols)[number];

/**
 * ICMP and a raw IP protocol address a host, not a port: their destinations have no port, and a
 * ClusterIP (kube-proxy's forwarding of a Service's TCP, UDP and SCTP ports) does not take them.
 */
export function hasPorts(protocol: Protocol): boolean {
  return protocol !== 'icmp' && protocol !== 'ip-protocol';
}

/**
 * The protocol family a technique speaks to its destination. A forged source is a UDP datagram or
 * a TCP SYN, as the probe's `spoof.protocol` says (a SYN when it names none).
 */
export function techniqueProtocol(technique: Technique, spoofProtocol?: 'udp' | 'tcp'): Protocol {
  switch (technique) {
    case 'http':
      return 'http';
    case 'udp':
    case 'dns':
      return 'udp';
    case 'tcp':
    case 'udp-tunnel': // the tunnelled exchange is TCP at the far end
    case 'raw-syn':
    case 'packet-syn':
      return 'tcp';
    case 'spoof-source':
      return spoofProtocol === 'udp' ? 'udp' : 'tcp';
    case 'icmp':
    case 'ip-protocol':
    case 'sctp':
      return technique;
  }
}

export function resolvePort(
  probe: Pick<Probe, 'to' | 'technique' | 'application' | 'spoof' | 'http'>,
  workload: Workload,
): number | undefined {
  const protocol = techniqueProtocol(probe.technique, probe.spoof?.protocol);
  if (!hasPorts(protocol)) return undefined;
  if (probe.to.port !== undefined) return probe.to.port;
  if (isPodWorkload(workload)) {
    const serve = workload.serve ?? {};
    // A raw or tunnelled SYN may aim at an HTTP listener too: any TCP-speaking port will answer.
    // An HTTP/2 request goes first to a port declared HTTP/2, an HTTP/1.1 one to a plain HTTP port.
    const httpPorts =
      probe.http?.version === '2'
        ? [...(serve.http2 ?? []), ...(serve.http ?? [])]
        : [...(serve.http ?? []), ...(serve.http2 ?? [])];
    const candidates =
      protocol === 'udp'
        ? serve.udp
        : protocol === 'http'
          ? httpPorts
          : protocol === 'sctp'
            ? serve.sctp
            : [...(serve.tcp ?? []), ...httpPorts];
    return candidates?.[0];
  }
  if ('builtin' in workload) return builtinTargets[workload.builtin].defaultPort;
  // A scenario's gateway: the Service's HTTP port (80 -> 8080) for HTTP, its TCP route (443 -> 8443)
  // otherwise (harness/plan/render-gateway.ts).
  if ('gateway' in workload) return protocol === 'http' ? gatewayPorts.http.port : gatewayPorts.tcp.port;
  if (workload.external === 'postgres') return 5432;
  return protocol === 'udp' ? relayPorts.udp : protocol === 'http' ? relayPorts.http : relayPorts.tcp;
}
