// Checks a scenario's own ingress gateways (`{ gateway: { namespace, backend } }`) beyond their
// schema: the gateway can be deployed where the scenario puts it and routes to something that answers.
import { echoServes } from '../model/echo-ports.ts';
import type { GatewayWorkload, Scenario } from '../model/scenario.ts';
import { isGatewayWorkload, isPodWorkload } from '../model/scenario.ts';

type At = (path: (string | number)[], message: string) => void;

export function checkGateways(scenario: Scenario, at: At): void {
  const gateways = Object.entries(scenario.workloads).filter((entry): entry is [string, GatewayWorkload] =>
    isGatewayWorkload(entry[1]),
  );
  if (gateways.length === 0) return;
  // Istio's injector turns the Deployment into a gateway: a stack without Istio has none.
  if (scenario.applies.mesh === undefined || scenario.applies.mesh.includes('none'))
    at(
      ['applies', 'mesh'],
      'a scenario with a gateway workload needs Istio: set applies.mesh to meshed modes only (sidecar, sidecar-cni, ambient)',
    );
  for (const [name, workload] of gateways) {
    const path = ['workloads', name, 'gateway'];
    const { backend: backendName, namespace } = workload.gateway;
    const backend = scenario.workloads[backendName];
    if (!backend || !isPodWorkload(backend))
      at(
        [...path, 'backend'],
        `"${backendName}" must be a pod workload of this scenario (the gateway routes to its Service)`,
      );
    else if (!backend.serve?.http?.length)
      at(
        [...path, 'backend'],
        `"${backendName}" serves no http port: add serve.http, which the gateway's port 80 routes to`,
      );
    // The injector's object webhook only takes pods in namespaces without injection labels, and an
    // ambient namespace would put the gateway behind ztunnel: the gateway's namespace is its own
    // (istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml).
    const meshedNeighbour = Object.entries(scenario.workloads).find(
      ([, other]) => isPodWorkload(other) && other.namespace === namespace && other.mesh !== 'outside',
    );
    if (meshedNeighbour)
      at(
        [...path, 'namespace'],
        `namespace "${namespace}" is meshed (workload ${meshedNeighbour[0]} is ${isPodWorkload(meshedNeighbour[1]) ? meshedNeighbour[1].mesh : ''}): give the gateway a namespace whose pods are all mesh: outside`,
      );
  }
  scenario.probes.forEach((probe, index) => {
    const to = scenario.workloads[probe.to.workload];
    if (!to || !isGatewayWorkload(to) || probe.to.port === undefined) return;
    const backend = scenario.workloads[to.gateway.backend];
    if (
      echoServes(to, 'tcp', probe.to.port) &&
      !(backend && isPodWorkload(backend) && backend.serve?.tcp?.length)
    )
      at(
        ['probes', index, 'to', 'port'],
        `the gateway routes port ${probe.to.port} to its backend's first tcp port, and "${to.gateway.backend}" serves none: add serve.tcp to it`,
      );
  });
}
