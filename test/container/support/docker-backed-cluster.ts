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
  /** The address that answers for Service `namespace/name` (a rendered workload, or a stand-in). */
  serviceAddress(namespace: string, name: string): string;
  /** The one "node": a container of the test's. */
  nodeAddress: string;
  /** Every stdout line an exec hands back, before the run's client reads it. */
  onLine?: (pod: string, line: string) => void;
}

export function dockerBackedCluster(docker: Pick<Docker, 'exec'>, lookups: RehearsalLookups): Cluster {
  const unused = (what: string) => () => Promise.reject(new Error(`${what} is not used by the rehearsal`));
  return {
    apply: unused('apply'),
    waitForDeployments: unused('waitForDeployments'),
    deleteByLabel: unused('deleteByLabel'),
    podLogs: unused('podLogs'),
    events: unused('events'),
    serverVersion: unused('serverVersion'),
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
      const label = `${pod.namespace}/${pod.name}`;
      const host = containerAgentHost(docker, pod.name, label);
      return host.exec(
        command,
        stdin,
        (line) => {
          lookups.onLine?.(label, line);
          onLine(line);
        },
        options,
      );
    },
  };
}
