// Runs lab groups on the real kernel: builds the topology, loads Istio's rules into the attacker pod,
// starts the targets and the supervised proxy stand-in, runs each case (arranging and undoing its
// defence), and tears everything down, even when something fails.
import type { Observation } from '../agent/protocol.ts';
import { checkOutcome } from '../model/check.ts';
import type { CheckOutcome } from '../model/verdict.ts';
import { classify } from '../probe/classify.ts';
import type { Classification } from '../probe/classify.ts';
import type { Shell } from '../shell.ts';
import { root } from './identity.ts';
import type { LabCase, LabGroup } from './lab-cases.ts';
import { ports, probeTimeoutMs } from './lab-cases.ts';
import { probeOne, standInCommand, startServer } from './lab-agent.ts';
import type { LabAgent } from './lab-agent.ts';
import type { Launcher, RunningProcess } from './launcher.ts';
import { loadRules } from './rules.ts';
import { supervise } from './supervisor.ts';
import type { Supervisor } from './supervisor.ts';
import { createTopology } from './topology.ts';
import type { Topology } from './topology.ts';

export interface LabEnvironment {
  shell: Shell;
  launcher: Launcher;
  agentPath: string;
}

export interface LabCaseResult {
  group: LabGroup;
  labCase: LabCase;
  observation: Observation;
  classification: Classification;
  outcome: CheckOutcome;
  startedAt: string;
  durationMs: number;
}

/** The delay before the supervisor restarts a stopped stand-in (kubelet's first back-off is longer; short keeps the lab quick). */
export const restartDelayMs = 1500;

export interface StartedGroup {
  topology: Topology;
  standIn: Supervisor;
  agent: LabAgent;
  stop(): Promise<void>;
}

/** Builds a group's topology with rules, targets and stand-in; `stop()` undoes all of it. */
export async function startGroup(environment: LabEnvironment, group: LabGroup): Promise<StartedGroup> {
  const agent: LabAgent = {
    shell: environment.shell,
    launcher: environment.launcher,
    agentPath: environment.agentPath,
  };
  const topology = await createTopology(environment.shell, group.pods);
  const servers: RunningProcess[] = [];
  let standIn: Supervisor | undefined;
  const stop = async () => {
    await standIn?.stop();
    for (const server of servers) server.kill('SIGKILL');
    await topology.teardown();
  };
  try {
    const attacker = topology.pod(group.pods[0] ?? 'attacker');
    await loadRules(environment.shell, attacker.namespace, group.mesh === 'sidecar' ? 'sidecar' : 'ambient');
    const target = topology.pod('target');
    servers.push(
      await startServer(agent, target.namespace, [
        '--name',
        'target',
        '--tcp',
        String(ports.tcp),
        '--http',
        String(ports.http),
        '--udp',
        String(ports.udp),
        '--dns',
        String(ports.dns),
        '--dns-answer',
        target.address,
      ]),
    );
    if (topology.pods['outside'])
      servers.push(
        await startServer(agent, topology.pod('outside').namespace, [
          '--name',
          'outside',
          '--relay',
          String(ports.relay),
          '--tcp',
          String(ports.tcp),
        ]),
      );
    standIn = await supervise(
      environment.launcher,
      ['ip', ...standInCommand(agent, attacker.namespace, group.standInIdentity, `${group.mesh}-stand-in`)],
      { restartDelayMs, maxStarts: 50 },
    );
    return { topology, standIn, agent, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function runCase(
  started: StartedGroup,
  group: LabGroup,
  labCase: LabCase,
): Promise<LabCaseResult> {
  const { topology, agent, standIn } = started;
  await standIn.ready(15_000);
  const undo = labCase.arrange ? await labCase.arrange(topology) : undefined;
  const startedAt = new Date();
  const began = performance.now();
  const startsBefore = standIn.starts;
  try {
    const observation = await probeOne(
      agent,
      topology.pod(labCase.from).namespace,
      {
        id: labCase.id,
        technique: labCase.technique,
        host: topology.pod(labCase.to).address,
        port: labCase.port,
        timeoutMs: probeTimeoutMs,
        preludes: labCase.preludes ?? [],
        ...(labCase.probe ? labCase.probe(topology) : {}),
      },
      labCase.identity ?? root,
    );
    const classification = classify(observation, { technique: labCase.technique });
    return {
      group,
      labCase,
      observation,
      classification,
      outcome: checkOutcome({ verdict: labCase.expect }, classification.verdict),
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - began),
    };
  } finally {
    await undo?.();
    // quitquitquit stopped the stand-in: wait for the supervisor's restart before the next case.
    if (labCase.preludes?.includes('envoy-quitquitquit'))
      await standIn.restarted(startsBefore, 20_000).catch(() => undefined);
  }
}

/** Runs every case of a group in order (cases toggle node rules, so one at a time). */
export async function runLabGroup(
  environment: LabEnvironment,
  group: LabGroup,
  onResult?: (result: LabCaseResult) => void,
  signal?: AbortSignal,
): Promise<LabCaseResult[]> {
  const started = await startGroup(environment, group);
  const results: LabCaseResult[] = [];
  try {
    for (const labCase of group.cases) {
      if (signal?.aborted) break;
      const result = await runCase(started, group, labCase);
      results.push(result);
      onResult?.(result);
    }
  } finally {
    await started.stop();
  }
  return results;
}
