// Everything a run does to the world outside the API server, behind one interface: create or reuse
// the kind cluster, install Calico and Istio, load the probe image, start the targets outside the
// cluster, collect node diagnostics. The CLI composes the real one (harness/run/real-environment.ts)
// from the provisioning adapters; unit tests use a fake that records what was asked of it. A run on
// a cluster the user named (`gauntlet run --context`) has its own (userClusterEnvironment beside the
// kind one): it attaches, installs nothing, checks the probe image is pullable instead of loading it,
// uses the targets `gauntlet outside start` runs, and reads nodes through pods only when asked.
import type { Cluster } from '../cluster/cluster.ts';
import type { ExternalName } from '../model/builtin.ts';
import type { Plan } from '../plan/plan.ts';
import type { AgentHost } from '../probe/agent-client.ts';

export interface ClusterHandle {
  name: string;
  kubeconfigPath: string;
  /** Docker container names of the kind nodes (for `docker exec` diagnostics). */
  nodeContainers: string[];
  cluster: Cluster;
  /** True when the run made the cluster (and so may delete it). */
  created: boolean;
}

export interface ExternalTargets {
  /** Address of each started target on the kind network. */
  addresses: Partial<Record<ExternalName, string>>;
  /** Where the agent runs for probes that start outside the cluster (the relay, which is the probe image). */
  agentHost?(name: ExternalName): AgentHost | undefined;
  stop(signal: AbortSignal): Promise<void>;
}

export interface VersionsSeen {
  kind?: string;
  /** The kind node image the cluster runs (ref@digest, as pinned in clusters/versions.yaml). */
  nodeImage?: string;
  calico?: string;
  istio?: string;
}

export interface RunEnvironment {
  /** Creates the cluster of the plan, or attaches to `reuse` (an existing kind cluster's name). */
  createCluster(plan: Plan, options: { reuse?: string }, signal: AbortSignal): Promise<ClusterHandle>;
  /** Deletes the run's cluster by name; must succeed (quietly) when creation was interrupted or never got far. */
  deleteCluster(name: string, signal: AbortSignal): Promise<void>;
  installCalico(handle: ClusterHandle, plan: Plan, signal: AbortSignal): Promise<void>;
  installIstio(handle: ClusterHandle, plan: Plan, signal: AbortSignal): Promise<void>;
  loadProbeImage(handle: ClusterHandle, plan: Plan, signal: AbortSignal): Promise<void>;
  startExternals(
    handle: ClusterHandle,
    names: readonly ExternalName[],
    signal: AbortSignal,
  ): Promise<ExternalTargets>;
  /** Writes the nodes' data-plane state (iptables/nft rules and counters) under `dir`; returns files written. */
  collectNodeDiagnostics(handle: ClusterHandle, dir: string, signal: AbortSignal): Promise<string[]>;
  /** Writes a pod's proxy configuration (Envoy config dump, ztunnel state) under `dir`. */
  collectProxyDiagnostics(
    handle: ClusterHandle,
    pod: { namespace: string; name: string },
    dir: string,
    signal: AbortSignal,
  ): Promise<string[]>;
  versions(handle: ClusterHandle, signal: AbortSignal): Promise<VersionsSeen>;
}
