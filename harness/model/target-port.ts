// Which port a probe aims at when the scenario does not say: the destination's port for the
// technique's protocol. One rule used by validation (a probe must resolve to a port) and rendering.
import { builtinTargets, relayPorts } from './builtin.ts';
import type { Probe, Workload } from './scenario.ts';
import { isPodWorkload } from './scenario.ts';
import type { Technique } from './technique.ts';

type Protocol = 'tcp' | 'http' | 'udp';

/** The protocol family a technique speaks to its destination. */
export function techniqueProtocol(technique: Technique): Protocol {
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
    case 'spoof-source':
      return 'tcp';
  }
}

export function resolvePort(
  probe: Pick<Probe, 'to' | 'technique' | 'application'>,
  workload: Workload,
): number | undefined {
  if (probe.to.port !== undefined) return probe.to.port;
  const protocol = techniqueProtocol(probe.technique);
  if (isPodWorkload(workload)) {
    const serve = workload.serve ?? {};
    // A raw or tunnelled SYN may aim at an HTTP listener too: any TCP-speaking port will answer.
    const candidates =
      protocol === 'udp'
        ? serve.udp
        : protocol === 'http'
          ? serve.http
          : [...(serve.tcp ?? []), ...(serve.http ?? [])];
    return candidates?.[0];
  }
  if ('builtin' in workload) return builtinTargets[workload.builtin].defaultPort;
  if (workload.external === 'postgres') return 5432;
  return protocol === 'udp' ? relayPorts.udp : protocol === 'http' ? relayPorts.http : relayPorts.tcp;
}
