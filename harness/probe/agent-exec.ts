// The real AgentClient: one `kubectl exec`-equivalent per source pod per batch. The batch goes to
// the agent on stdin (`node /opt/gauntlet/agent.mjs probe`), observations come back one JSON line
// each as probes finish (the contract of harness/agent, issue 3).
import type { Cluster, PodInfo } from '../cluster/cluster.ts';
import { agentPath } from '../plan/render-workloads.ts';
import type { AgentClient, BatchOutcome, PreparedProbe } from '../run/agent-client.ts';
import type { RawObservation } from '../run/flow.ts';
import { agentProbeRequest } from './agent-request.ts';
import { parseObservation } from '../agent/protocol.ts';

/** The container the agent runs in (render-workloads.ts names it). */
export const agentContainer = 'agent';

/** Time on top of the slowest probe for preludes (a proxy restart, iptables) and the exec itself. */
const batchSlackMs = 30_000;

export function batchTimeoutMs(probes: readonly PreparedProbe[]): number {
  const slowest = Math.max(0, ...probes.map((probe) => probe.planned.probe.timeoutMs));
  return slowest * 2 + batchSlackMs;
}

/** One stdout line as an observation, checked against the agent's own schema; anything else is ignored. */
export function parseObservationLine(line: string): RawObservation | undefined {
  const observation = parseObservation(line);
  return observation ? (observation as unknown as RawObservation) : undefined;
}

export function agentExecClient(): AgentClient {
  return {
    async runBatch(
      cluster: Cluster,
      pod: PodInfo,
      probes: readonly PreparedProbe[],
      options,
    ): Promise<BatchOutcome> {
      const batch = {
        probes: probes.map(agentProbeRequest),
      };
      const observations = new Map<string, RawObservation>();
      const result = await cluster.exec(
        { namespace: pod.namespace, name: pod.name, container: agentContainer },
        ['node', agentPath, 'probe'],
        JSON.stringify(batch),
        (line) => {
          const observation = parseObservationLine(line);
          if (!observation) return;
          observations.set(observation.id, observation);
          options.onObservation?.(observation);
        },
        { timeoutMs: batchTimeoutMs(probes), signal: options.signal },
      );
      return {
        observations,
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        stderr: result.stderr,
      };
    },
  };
}
