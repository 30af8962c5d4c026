// Turns a planned destination into an address the agent can dial, from what the cluster reports.
// Unresolvable destinations are reasons, so the flow is judged inconclusive rather than guessed.
import { builtinTargets } from '../model/builtin.ts';
import type { Cluster, PodInfo, WorkloadReadiness } from '../cluster/cluster.ts';
import type { Destination } from '../plan/plan-probes.ts';
import type { ExternalTargets } from './environment.ts';

/** `port` is absent for icmp and ip-protocol, which address a host (plan-probes.ts). */
export type Resolved = { ok: true; host: string; port?: number } | { ok: false; reason: string };

export interface ResolveContext {
  cluster: Cluster;
  externals: ExternalTargets | undefined;
  readiness: ReadonlyMap<string, WorkloadReadiness>; // key: namespace/deployment
  /** Absent for a client outside the cluster. */
  sourcePod?: PodInfo;
  signal: AbortSignal;
  /** Lookups shared by the probes of an instance (Service addresses, NodePorts, nodes). */
  cache: Map<string, Promise<unknown>>;
}

function cached<T>(context: ResolveContext, key: string, lookup: () => Promise<T>): Promise<T> {
  let value = context.cache.get(key) as Promise<T> | undefined;
  if (!value) {
    value = lookup();
    context.cache.set(key, value);
  }
  return value;
}

async function nodeFor(context: ResolveContext): Promise<{ name: string; address: string } | undefined> {
  const nodes = await cached(context, 'nodes', () => context.cluster.nodeAddresses(context.signal));
  return nodes.find((candidate) => candidate.name === context.sourcePod?.node) ?? nodes[0];
}

export async function resolveDestination(
  destination: Destination,
  context: ResolveContext,
): Promise<Resolved> {
  const { cluster, signal } = context;
  switch (destination.kind) {
    case 'service': {
      const readiness = context.readiness.get(`${destination.namespace}/${destination.workload}`);
      if (readiness && readiness.state === 'denied-at-admission')
        return {
          ok: false,
          reason: `destination ${destination.workload} was denied at admission: ${readiness.message}`,
        };
      const address = await cached(context, `svc/${destination.namespace}/${destination.service}`, () =>
        cluster.serviceAddress(destination.namespace, destination.service, signal),
      );
      return address
        ? { ok: true, host: address, port: destination.port }
        : { ok: false, reason: `service ${destination.namespace}/${destination.service} has no ClusterIP` };
    }
    case 'pod': {
      const readiness = context.readiness.get(`${destination.namespace}/${destination.deployment}`);
      if (!readiness || readiness.state === 'denied-at-admission')
        return { ok: false, reason: `destination pod ${destination.deployment} was not admitted` };
      const { pod } = readiness;
      return pod?.ip
        ? { ok: true, host: pod.ip, ...(destination.port === undefined ? {} : { port: destination.port }) }
        : { ok: false, reason: `destination pod ${destination.deployment} has no IP (${readiness.state})` };
    }
    case 'builtin': {
      const target = builtinTargets[destination.builtin];
      if (target.service && target.namespace) {
        const namespace = target.namespace;
        const service = target.service;
        const address = await cached(context, `svc/${namespace}/${service}`, () =>
          cluster.serviceAddress(namespace, service, signal),
        );
        return address
          ? { ok: true, host: address, port: destination.port }
          : { ok: false, reason: `${destination.builtin}: service ${namespace}/${service} not found` };
      }
      // kubelet and node: the node the source pod runs on, the one its traffic reaches first
      // (any node for a client outside the cluster).
      const node = await nodeFor(context);
      return node
        ? { ok: true, host: node.address, port: destination.port }
        : { ok: false, reason: 'no node address found' };
    }
    case 'node-port': {
      // An outside client reaches a Service through a node and the port's NodePort. A port the
      // Service does not publish is tried on the node itself: from outside that is the only way in.
      const node = await nodeFor(context);
      if (!node) return { ok: false, reason: 'no node address found' };
      const ports = await cached(context, `ports/${destination.namespace}/${destination.service}`, () =>
        cluster.servicePorts(destination.namespace, destination.service, signal),
      );
      // No Service at all is a broken setup, not a closed port: the flow must not pass as blocked.
      if (!ports)
        return {
          ok: false,
          reason: `${destination.workload}: service ${destination.namespace}/${destination.service} not found`,
        };
      const published = ports.find(
        (entry) => entry.port === destination.port && entry.protocol === destination.protocol,
      );
      return { ok: true, host: node.address, port: published?.nodePort ?? destination.port };
    }
    case 'external': {
      const address = context.externals?.addresses[destination.external];
      return address
        ? { ok: true, host: address, port: destination.port }
        : { ok: false, reason: `external target ${destination.external} was not started` };
    }
  }
}
