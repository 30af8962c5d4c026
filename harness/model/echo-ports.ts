// Where a gauntlet echo answers: the ports a scenario's pod serves, the relay's fixed ports, and the
// routes of a scenario's gateway to its backend's echo. An echo's answer carries its identity, so
// on these ports nothing else counts as the destination's answer (../shared/DESIGN.md "Truth rules").
import { gatewayPorts, relayPorts } from './builtin.ts';
import type { Workload } from './scenario.ts';
import { isGatewayWorkload, isPodWorkload } from './scenario.ts';

export type EchoProtocol = 'tcp' | 'udp' | 'http';

export function echoServes(workload: Workload, protocol: EchoProtocol, port: number): boolean {
  if (isPodWorkload(workload)) {
    const serve = workload.serve ?? {};
    const ports =
      protocol === 'udp'
        ? serve.udp
        : protocol === 'http'
          ? [...(serve.http ?? []), ...(serve.http2 ?? [])]
          : serve.tcp;
    return ports?.includes(port) ?? false;
  }
  if ('external' in workload && workload.external === 'relay')
    return (
      port === (protocol === 'udp' ? relayPorts.udp : protocol === 'http' ? relayPorts.http : relayPorts.tcp)
    );
  // A scenario's gateway routes its Service port and Envoy's listener to the backend's echo
  // (harness/plan/render-gateway.ts; the catalog requires a backend serving that protocol).
  if (isGatewayWorkload(workload)) {
    const route = protocol === 'http' ? gatewayPorts.http : protocol === 'tcp' ? gatewayPorts.tcp : undefined;
    return route !== undefined && (port === route.port || port === route.targetPort);
  }
  return false;
}
