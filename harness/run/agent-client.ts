// How the run talks to the agent in a source pod: one exec per pod per batch (never one per flow),
// observations streamed back line by line. The real client (harness/probe/agent-exec.ts) builds
// the agent's JSON batch; unit tests use a fake.
import type { Cluster, PodInfo } from '../cluster/cluster.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';
import type { RawObservation } from './flow.ts';

/** One attempt of one planned probe, with its destination resolved. */
export interface PreparedProbe {
  /** Unique in the batch: `<probe id>#<attempt>`. */
  attemptId: string;
  attempt: number;
  planned: PlannedProbe;
  host: string;
  port: number;
  /** For udp-tunnel: the relay's address. */
  relay?: { host: string; port: number };
  /** For dns: the name to resolve. */
  dnsName?: string;
}

export interface BatchOutcome {
  /** By attemptId; attempts with no line are missing (lost), to be retried. */
  observations: Map<string, RawObservation>;
  exitCode?: number;
  stderr: string;
}

export interface AgentClient {
  runBatch(
    cluster: Cluster,
    pod: PodInfo,
    probes: readonly PreparedProbe[],
    options: { signal: AbortSignal; onObservation?: (observation: RawObservation) => void },
  ): Promise<BatchOutcome>;
}
