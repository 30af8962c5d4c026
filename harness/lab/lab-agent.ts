// Runs the bundled agent inside a lab namespace: a probe batch (one process for the whole batch, as
// in a pod) or a long-running server.
import { Batch, parseObservation } from '../agent/protocol.ts';
import type { BatchInput, Observation, ProbeRequestInput } from '../agent/protocol.ts';
import type { Shell } from '../shell.ts';
import { root, setprivPrefix } from './identity.ts';
import type { Identity } from './identity.ts';
import type { Launcher, RunningProcess } from './launcher.ts';

export interface LabAgent {
  shell: Shell;
  launcher: Launcher;
  /** The bundled agent (dist/agent.mjs); it must be readable by every UID the lab uses. */
  agentPath: string;
  nodePath?: string;
}

function agentCommand(
  agent: LabAgent,
  namespace: string,
  identity: Identity,
  mode: string,
  args: readonly string[] = [],
): string[] {
  return [
    'netns',
    'exec',
    namespace,
    ...setprivPrefix(identity),
    agent.nodePath ?? process.execPath,
    agent.agentPath,
    mode,
    ...args,
  ];
}

/** Runs one batch in `namespace` as `identity`; every probe's observation by id. */
export async function probeBatch(
  agent: LabAgent,
  namespace: string,
  probes: readonly ProbeRequestInput[],
  identity: Identity = root,
  concurrency?: number,
): Promise<Map<string, Observation>> {
  const batch: BatchInput = { probes: [...probes], ...(concurrency ? { concurrency } : {}) };
  Batch.parse(batch);
  const slowest = Math.max(...probes.map((probe) => probe.timeoutMs ?? 3000));
  const result = await agent.shell.run('ip', agentCommand(agent, namespace, identity, 'probe'), {
    input: JSON.stringify(batch),
    timeoutMs: slowest * 2 + probes.length * 50 + 30_000,
  });
  const observations = new Map<string, Observation>();
  for (const line of result.stdout.split('\n')) {
    const observation = parseObservation(line);
    if (observation) observations.set(observation.id, observation);
  }
  const missing = probes.filter((probe) => !observations.has(probe.id));
  if (missing.length > 0)
    throw new Error(
      `agent in ${namespace} gave no observation for ${missing.map((probe) => probe.id).join(', ')} (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`,
    );
  return observations;
}

export async function probeOne(
  agent: LabAgent,
  namespace: string,
  probe: ProbeRequestInput,
  identity: Identity = root,
): Promise<Observation> {
  const observations = await probeBatch(agent, namespace, [probe], identity);
  return observations.get(probe.id) as Observation;
}

/** Starts `agent serve ...` in a namespace; resolves once it listens. */
export async function startServer(
  agent: LabAgent,
  namespace: string,
  args: readonly string[],
): Promise<RunningProcess> {
  const server = agent.launcher.start('ip', agentCommand(agent, namespace, root, 'serve', args));
  try {
    await server.firstLine;
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
  return server;
}
