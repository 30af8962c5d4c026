// The real AgentClient: one `kubectl exec`-equivalent per source pod per batch. The batch goes to
// the agent on stdin (`node /opt/gauntlet/agent.mjs probe`), observations come back one JSON line
// each as probes finish (the contract of harness/agent, issue 3).
import type { Cluster, PodInfo } from '../cluster/cluster.ts';
import type { Docker } from '../provision/docker.ts';
import { agentPath } from '../plan/render-workloads.ts';
import type { AgentClient, AgentHost, BatchOutcome, PreparedProbe } from './agent-client.ts';
import type { RawObservation } from './raw-observation.ts';
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

/** The agent container of a source pod, reached through the API server's exec. */
export function podAgentHost(cluster: Cluster, pod: PodInfo): AgentHost {
  return {
    label: `${pod.namespace}/${pod.name}`,
    exec: (command, stdin, onLine, options) =>
      cluster.exec(
        { namespace: pod.namespace, name: pod.name, container: agentContainer },
        command,
        stdin,
        onLine,
        options,
      ),
  };
}

/**
 * The agent in a container outside the cluster (the relay: it is the probe image), through
 * `docker exec --interactive`. The Docker CLI hands back stdout when the command ends; its lines are
 * passed on then. A killed exec (timeout, abort) has lost its exit status.
 */
export function containerAgentHost(
  docker: Pick<Docker, 'exec'>,
  container: string,
  label: string,
): AgentHost {
  return {
    label,
    async exec(command, stdin, onLine, options) {
      // An abort is an abort, as over the API server: the run stops instead of retrying a killed exec.
      options.signal.throwIfAborted();
      const result = await docker.exec(container, command, {
        input: stdin,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
      options.signal.throwIfAborted();
      for (const line of result.stdout.split('\n')) if (line.trim() !== '') onLine(line);
      const killed = result.signal !== undefined || result.exitCode < 0;
      return {
        ...(killed ? {} : { exitCode: result.exitCode }),
        stderr: killed
          ? `${result.stderr}docker exec in ${container} was killed (${result.signal ?? 'no exit code'}) after at most ${options.timeoutMs} ms\n`
          : result.stderr,
      };
    },
  };
}

export function agentExecClient(): AgentClient {
  return {
    async runBatch(host: AgentHost, probes: readonly PreparedProbe[], options): Promise<BatchOutcome> {
      const batch = {
        probes: probes.map(agentProbeRequest),
      };
      const observations = new Map<string, RawObservation>();
      const result = await host.exec(
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
