// The probes of one instance, each with its source pod, a destination the run resolves to an
// address, and the expectation that applies on this stack and variant.
import { builtinTargets, relayPorts } from '../model/builtin.ts';
import { echoServes } from '../model/echo-ports.ts';
import { matchExpectation } from '../model/expectation.ts';
import type { Expectation, Probe, Scenario, Workload } from '../model/scenario.ts';
import { isGatewayWorkload, isPodWorkload } from '../model/scenario.ts';
import { hasPorts, resolvePort, techniqueProtocol } from '../model/target-port.ts';
import type { Protocol } from '../model/target-port.ts';
import type { StackTraits } from '../model/traits.ts';
import type { PodToStart } from './render-workloads.ts';
import { optOutSuffix } from './render-workloads.ts';

/**
 * A client outside the cluster: the relay container on the kind Docker network, which carries the
 * agent (it is the probe image). It reaches the cluster the way any outside client does, through
 * the nodes' addresses and the NodePorts of Services.
 */
export interface OutsideClient {
  outside: true;
  workload: string;
  external: 'relay';
}

/** Where a probe starts: a pod the run starts, or a client outside the cluster. */
export type ProbeSource = PodToStart | OutsideClient;

export function isOutsideClient(source: ProbeSource): source is OutsideClient {
  return 'outside' in source;
}

/** One key per place the agent runs: one exec per key and batch. */
export function sourceKey(source: ProbeSource): string {
  return isOutsideClient(source) ? `outside/${source.workload}` : `${source.namespace}/${source.deployment}`;
}

/**
 * A destination as the plan knows it; the run turns it into an address. A pod's has no port for
 * icmp and ip-protocol (they address a host).
 */
export type Destination =
  | { kind: 'service'; workload: string; namespace: string; service: string; port: number }
  /** A Service's port as an outside client reaches it: a node's address and the port's NodePort. */
  | {
      kind: 'node-port';
      workload: string;
      namespace: string;
      service: string;
      port: number;
      protocol: 'TCP' | 'UDP';
    }
  | { kind: 'pod'; workload: string; namespace: string; deployment: string; port?: number }
  | { kind: 'builtin'; workload: string; builtin: keyof typeof builtinTargets; port: number }
  | { kind: 'external'; workload: string; external: 'relay' | 'postgres'; port: number };

export interface PlannedProbe {
  /** Stable across runs: `<stack>/<scenario>/<variant>/<probe>`. */
  testId: string;
  probe: Probe;
  source: ProbeSource;
  destination: Destination;
  protocol: Protocol;
  /** ip-protocol: the IP protocol number to send, the one the destination serves (`serve.ipProtocol`). */
  ipProtocol?: number;
  /** The relay for udp-tunnel probes. */
  relay?: { workload: string; port: number };
  /** http: a gauntlet echo answers this port, so only its identity is the destination's answer. */
  destinationEcho?: true;
  expectation?: Expectation;
  expectationIndex?: number;
}

export function testId(stack: string, scenario: string, variant: string, probe: string): string {
  return `${stack}/${scenario}/${variant}/${probe}`;
}

export function describeDestination(destination: Destination): string {
  switch (destination.kind) {
    case 'service':
      return `${destination.workload} (service ${destination.namespace}/${destination.service}:${destination.port})`;
    case 'node-port':
      return `${destination.workload} (node port of service ${destination.namespace}/${destination.service}:${destination.port})`;
    case 'pod':
      return `${destination.workload} (pod of ${destination.namespace}/${destination.deployment}${destination.port === undefined ? '' : `:${destination.port}`})`;
    case 'builtin':
      return `${destination.builtin}:${destination.port}`;
    case 'external':
      return `${destination.external} outside the cluster:${destination.port}`;
  }
}

/**
 * The protocol a probe speaks, and its destination without a port where the protocol has none
 * (icmp, ip-protocol: the catalog aims them at pods only). An ip-protocol probe sends the number the
 * target serves (`serve.ipProtocol`, checked by the catalog): the agent would otherwise send its own
 * default (harness/agent/techniques/unproxied.ts).
 */
function destinationAndProtocol(
  probe: Probe,
  target: Workload,
  destination: Destination,
): Pick<PlannedProbe, 'destination' | 'protocol' | 'ipProtocol'> {
  const protocol = techniqueProtocol(probe.technique, probe.spoof?.protocol);
  if (hasPorts(protocol) || destination.kind !== 'pod') return { destination, protocol };
  const { port: _port, ...portless } = destination;
  const ipProtocol = isPodWorkload(target) ? target.serve?.ipProtocol : undefined;
  return {
    destination: portless,
    protocol,
    ...(probe.technique === 'ip-protocol' && ipProtocol !== undefined ? { ipProtocol } : {}),
  };
}

export function planProbes(
  scenario: Scenario,
  variant: string,
  traits: StackTraits,
  pods: readonly PodToStart[],
  namespaces: ReadonlyMap<string, string>,
): PlannedProbe[] {
  return scenario.probes.map((probe) => {
    const twin = probe.preludes.includes('inject-opt-out');
    const from = scenario.workloads[probe.from];
    const source: ProbeSource | undefined =
      from && 'external' in from && from.external === 'relay'
        ? { outside: true, workload: probe.from, external: 'relay' }
        : pods.find(
            (pod) =>
              pod.workload === probe.from &&
              pod.deployment === (twin ? `${probe.from}${optOutSuffix}` : probe.from),
          );
    const target = scenario.workloads[probe.to.workload];
    if (!source || !target) throw new Error(`probe ${probe.id}: unvalidated scenario reached the planner`);
    const port = resolvePort(probe, target) ?? 0;
    let destination: Destination;
    const builtin = 'builtin' in target ? builtinTargets[target.builtin] : undefined;
    if (isOutsideClient(source) && builtin?.service && builtin.namespace) {
      // From outside, a Service is reached through its NodePort (checked by the catalog: only
      // Services that publish one, such as the ingress gateway's, are outside targets).
      destination = {
        kind: 'node-port',
        workload: probe.to.workload,
        namespace: builtin.namespace,
        service: builtin.service,
        port,
        protocol: techniqueProtocol(probe.technique, probe.spoof?.protocol) === 'udp' ? 'UDP' : 'TCP',
      };
    } else if (isPodWorkload(target) || isGatewayWorkload(target)) {
      // A scenario's gateway is a Deployment and a Service of the workload's name, like a pod workload.
      const logical = isPodWorkload(target) ? target.namespace : target.gateway.namespace;
      const namespace = namespaces.get(logical) ?? logical;
      destination =
        probe.to.via === 'pod'
          ? { kind: 'pod', workload: probe.to.workload, namespace, deployment: probe.to.workload, port }
          : { kind: 'service', workload: probe.to.workload, namespace, service: probe.to.workload, port };
    } else if ('builtin' in target) {
      destination = { kind: 'builtin', workload: probe.to.workload, builtin: target.builtin, port };
    } else {
      destination = { kind: 'external', workload: probe.to.workload, external: target.external, port };
    }
    const matched = matchExpectation(probe.expect, traits, variant);
    const relayWorkload = probe.tunnel?.relay;
    return {
      testId: testId(traits.stack, scenario.id, variant, probe.id),
      probe,
      source,
      ...destinationAndProtocol(probe, target, destination),
      ...(relayWorkload
        ? { relay: { workload: relayWorkload, port: probe.tunnel?.port ?? relayPorts.tunnel } }
        : {}),
      ...(probe.technique === 'http' && echoServes(target, 'http', port) ? { destinationEcho: true } : {}),
      ...(matched ? { expectation: matched.expectation, expectationIndex: matched.index } : {}),
    };
  });
}
