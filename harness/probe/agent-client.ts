// How the run talks to the agent where a probe starts (a source pod, or the relay container outside
// the cluster): one exec per source per batch (never one per flow),
// observations streamed back line by line. The real client (harness/probe/agent-exec.ts) builds
// the agent's JSON batch; unit tests use a fake.
import type { ExecResult } from '../cluster/cluster.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';
import type { RawObservation } from './raw-observation.ts';

/** One attempt of one planned probe, with its destination resolved. */
export interface PreparedProbe {
  /** Unique in the batch: `<probe id>#<attempt>`. */
  attemptId: string;
  attempt: number;
  planned: PlannedProbe;
  host: string;
  /** Absent for icmp and ip-protocol, which address a host. */
  port?: number;
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

/**
 * Where the agent runs: a source pod (exec through the API server) or the relay container outside
 * the cluster (`docker exec`). Runs a command with `stdin` and hands each stdout line to `onLine`.
 */
export interface AgentHost {
  /** For messages: `namespace/pod`, or the container outside the cluster. */
  label: string;
  exec(
    command: readonly string[],
    stdin: string,
    onLine: (line: string) => void,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<ExecResult>;
}

export interface AgentClient {
  runBatch(
    host: AgentHost,
    probes: readonly PreparedProbe[],
    options: { signal: AbortSignal; onObservation?: (observation: RawObservation) => void },
  ): Promise<BatchOutcome>;
}
