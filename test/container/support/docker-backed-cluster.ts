// The `Cluster` of the pod rehearsal: pods are containers the test started, and `exec` is
// `docker exec --interactive` into the container named as the pod, through the same Docker exec path
// the run uses for its relay (harness/probe/agent-exec.ts, containerAgentHost). The lookups the run
// makes to resolve destinations (a Service's address, the nodes, a Service's ports) answer with
// containers the test started, so no probe ever leaves for an address the test does not own.
// Everything else a run asks of a cluster is not part of the rehearsal and throws.
import type { Cluster } from '../../../harness/cluster/cluster.ts';
import { agentContainer, containerAgentHost } from '../../../harness/probe/agent-exec.ts';
import type { Docker } from '../../../harness/provision/docker.ts';

export interface RehearsalLookups {
  /**
   * The address that answers for Service `namespace/name`: a rendered workload's container, a
   * stand-in for a builtin Service, or undefined (the run's resolveDestination then reports it).
   */
  serviceAddress(namespace: string, name: string): string | undefined;
  /** The one "node": a container of the test's. */
  nodeAddress: string;
}

type Used = Pick<Cluster, 'exec' | 'serviceAddress' | 'servicePorts' | 'nodeAddresses'>;

/**
 * Every other method of Cluster, present or added later, rejects: a Proxy rather than a list, so a
 * method the run starts to need shows up as "not used by the rehearsal", never as a silent stub.
 */
function onlyThese(used: Used): Cluster {
  return new Proxy(used, {
    get(target, property) {
      if (property in target) return target[property as keyof Used];
      // Not a thenable, not an iterator: only named methods are stood for.
      if (typeof property === 'symbol' || property === 'then') return undefined;
      return () => Promise.reject(new Error(`Cluster.${property} is not used by the rehearsal`));
    },
  }) as Cluster;
}

export function dockerBackedCluster(docker: Pick<Docker, 'exec'>, lookups: RehearsalLookups): Cluster {
  return onlyThese({
    serviceAddress: (namespace, name) => Promise.resolve(lookups.serviceAddress(namespace, name)),
    // A Service that publishes no NodePort: an outside client then tries the port on the node itself.
    servicePorts: () => Promise.resolve([]),
    nodeAddresses: () => Promise.resolve([{ name: 'rehearsal-node', address: lookups.nodeAddress }]),
    exec(pod, command, stdin, onLine, options) {
      // The run execs into the container render-workloads.ts names `agent`: anything else is a bug.
      if (pod.container !== agentContainer)
        return Promise.reject(
          new Error(`exec into container "${pod.container}" of ${pod.name}: pods run "agent"`),
        );
      return containerAgentHost(docker, pod.name, `${pod.namespace}/${pod.name}`).exec(
        command,
        stdin,
        onLine,
        options,
      );
    },
  });
}
