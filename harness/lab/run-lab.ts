// Runs lab groups on the real kernel: builds the topology, asks the kernel what the cases may need
// (SCTP), loads Istio's rules into the meshed pods, starts the targets and a supervised proxy stand-in
// per meshed pod, runs each case (arranging and undoing its defence, reading the stand-ins' journals
// to tell whether the probe crossed a proxy) or skips it with the reason when the kernel lacks what it
// needs, and tears everything down, even when something fails.
import { portlessRequestPort } from '../probe/agent-request.ts';
import { techniqueProtocol } from '../model/target-port.ts';
import type { Observation } from '../agent/protocol.ts';
import { checkOutcome } from '../model/check.ts';
import type { CheckOutcome } from '../model/verdict.ts';
import { classify } from '../probe/classify.ts';
import type { Classification } from '../probe/classify.ts';
import type { Shell } from '../shell.ts';
import { root } from './identity.ts';
import type { LabCase, LabContext, LabGroup } from './lab-cases.ts';
import { labIpProtocol, ports, probeTimeoutMs } from './lab-cases.ts';
import { detectKernelFeatures, unmetNeed } from './kernel-features.ts';
import type { KernelFeatures } from './kernel-features.ts';
import { probeOne, startServer } from './lab-agent.ts';
import type { LabAgent } from './lab-agent.ts';
import type { Launcher, RunningProcess } from './launcher.ts';
import { connectionsOf } from './proxy-journal.ts';
import type { ProxyConnection, ProxyJournal } from './proxy-journal.ts';
import { startProxyStandIns } from './proxy-stand-ins.ts';
import type { ProxyStandIns } from './proxy-stand-ins.ts';
import { defaultIstioVersion, loadRules, reloadRules } from './rules.ts';
import type { LabIstioVersion, RuleSet } from './rules.ts';
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
  /** The Istio release whose capture rules the meshed pods held. */
  istioVersion: LabIstioVersion;
  labCase: LabCase;
  observation: Observation;
  classification: Classification;
  outcome: CheckOutcome;
  /** A proxy stand-in's journal shows this probe's connection (accepted during the case, from its source to its destination). */
  crossedProxy: boolean;
  /** Those connections, with what each proxy did. */
  proxyConnections: ProxyConnection[];
  /** What the probe's packets were at the destination (a forged datagram is udp, not tcp). */
  protocol: ReturnType<typeof techniqueProtocol>;
  /** ip-protocol: the IP protocol number sent. */
  ipProtocol?: number;
  startedAt: string;
  durationMs: number;
}

/** A case this kernel cannot run (it lacks what the case `needs`), with the one-line reason. */
export interface LabCaseSkip {
  group: LabGroup;
  istioVersion: LabIstioVersion;
  labCase: LabCase;
  reason: string;
}

/** The delay before the supervisor restarts a stopped stand-in (kubelet's first back-off is longer; short keeps the lab quick). */
export const restartDelayMs = 1500;

export interface StartedGroup {
  /** The Istio release whose capture rules the meshed pods hold. */
  istioVersion: LabIstioVersion;
  topology: Topology;
  /** The meshed attacker's stand-in (its restarts show a quitquitquit). */
  standIn: Supervisor;
  proxies: ProxyStandIns;
  agent: LabAgent;
  /** What this kernel provides of what cases may need, asked when the group started. */
  kernel: KernelFeatures;
  stop(): Promise<void>;
}

/** Why this group cannot run a case on this kernel; undefined when it can. */
export function skipReason(started: Pick<StartedGroup, 'kernel'>, labCase: LabCase): string | undefined {
  return unmetNeed(labCase.needs, started.kernel);
}

/** Builds a group's topology with one release's rules, targets and stand-ins; `stop()` undoes all of it. */
export async function startGroup(
  environment: LabEnvironment,
  group: LabGroup,
  istioVersion: LabIstioVersion = defaultIstioVersion,
): Promise<StartedGroup> {
  const agent: LabAgent = {
    shell: environment.shell,
    launcher: environment.launcher,
    agentPath: environment.agentPath,
  };
  const topology = await createTopology(environment.shell, group.pods);
  const servers: RunningProcess[] = [];
  let proxies: ProxyStandIns | undefined;
  const stop = async () => {
    await proxies?.stop();
    for (const server of servers) server.kill('SIGKILL');
    await topology.teardown();
  };
  try {
    const kernel = await detectKernelFeatures(topology);
    for (const pod of group.meshed)
      await loadRules(environment.shell, topology.pod(pod).namespace, ruleSet(group), istioVersion);
    for (const name of group.targets) {
      const target = topology.pod(name);
      servers.push(
        await startServer(agent, target.namespace, [
          '--name',
          name,
          '--tcp',
          String(ports.tcp),
          '--http',
          String(ports.http),
          '--http',
          String(ports.httpAsTcp),
          '--udp',
          String(ports.udp),
          '--dns',
          String(ports.dns),
          '--dns-answer',
          target.address,
          '--ip-protocol',
          String(labIpProtocol),
          // Where the kernel has no SCTP, serve says so and keeps serving the rest; the SCTP cases
          // are skipped then (skipReason), so nothing probes the missing echo.
          '--sctp',
          String(ports.sctp),
        ]),
      );
    }
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
    proxies = await startProxyStandIns(environment.launcher, topology, group, restartDelayMs);
    const attacker = proxies.get(group.meshed[0] ?? 'attacker');
    return { istioVersion, topology, standIn: attacker.supervisor, proxies, agent, kernel, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function ruleSet(group: LabGroup): RuleSet {
  return group.mesh === 'sidecar' ? 'sidecar' : 'ambient';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every connection the stand-ins accepted since `mark` has ended (so the case's journal is
 * complete and its policy can be undone), bounded by `withinMs`. Two quiet polls in a row, so a line
 * still in the pipe arrives.
 */
async function settleJournal(journal: ProxyJournal, mark: number, withinMs: number): Promise<void> {
  const until = performance.now() + withinMs;
  let quiet = 0;
  while (quiet < 2 && performance.now() < until) {
    await sleep(25);
    quiet = journal.pending(mark) === 0 ? quiet + 1 : 0;
  }
}

export async function runCase(
  started: StartedGroup,
  group: LabGroup,
  labCase: LabCase,
): Promise<LabCaseResult> {
  const { istioVersion, topology, agent, standIn, proxies } = started;
  const unmet = skipReason(started, labCase);
  if (unmet) throw new Error(`case ${labCase.id} cannot run on this kernel: ${unmet}`);
  for (const proxy of proxies.all) await proxy.supervisor.ready(15_000);
  const context: LabContext = {
    topology,
    proxy: (pod) => proxies.get(pod).policy,
    reloadRules: (pod) => reloadRules(agent.shell, topology.pod(pod).namespace, ruleSet(group), istioVersion),
  };
  const undo = labCase.arrange ? await labCase.arrange(context) : undefined;
  const startedAt = new Date();
  const began = performance.now();
  const startsBefore = standIn.starts;
  let noProxyToStop = false;
  try {
    const mark = proxies.journal.mark();
    const extra = labCase.probe ? labCase.probe(topology) : {};
    const observation = await probeOne(
      agent,
      topology.pod(labCase.from).namespace,
      {
        id: labCase.id,
        technique: labCase.technique,
        host: topology.pod(labCase.to).address,
        port: labCase.port ?? portlessRequestPort,
        timeoutMs: labCase.probeTimeoutMs ?? probeTimeoutMs,
        preludes: labCase.preludes ?? [],
        ...extra,
      },
      labCase.identity ?? root,
    );
    // A proxy may still be connecting after the probe gave up (ztunnel does not watch the app).
    const longestConnect = Math.max(...proxies.all.map((proxy) => proxy.policy.current.connectTimeoutMs));
    await settleJournal(proxies.journal, mark, longestConnect + 2000);
    // The stand-ins take TCP only: a portless protocol (icmp, ip-protocol) never crosses them.
    const proxyConnections =
      labCase.port === undefined
        ? []
        : connectionsOf(proxies.journal.since(mark), {
            source: topology.pod(labCase.from).address,
            host: topology.pod(labCase.to).address,
            port: labCase.port,
          });
    // Every lab target runs the gauntlet HTTP echo on these ports (startServer above): there, as in a
    // run (plan-probes.ts destinationEcho), only the echo's identity is the destination's answer.
    const destinationEcho =
      labCase.technique === 'http' &&
      group.targets.includes(labCase.to) &&
      (labCase.port === ports.http || labCase.port === ports.httpAsTcp);
    const classification = classify(observation, {
      technique: labCase.technique,
      ...(destinationEcho ? { destinationEcho: true } : {}),
    });
    noProxyToStop = classification.shape === 'prelude-no-proxy';
    return {
      group,
      istioVersion,
      labCase,
      observation,
      classification,
      outcome: checkOutcome({ verdict: labCase.expect }, classification.verdict),
      crossedProxy: proxyConnections.length > 0,
      proxyConnections,
      protocol: techniqueProtocol(labCase.technique, extra.spoof?.protocol),
      ...(extra.ipProtocol !== undefined ? { ipProtocol: extra.ipProtocol } : {}),
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - began),
    };
  } finally {
    await undo?.();
    // quitquitquit stopped the stand-in: wait for the supervisor's restart before the next case
    // (unless the admin port refused: no proxy there, nothing stopped).
    if (labCase.preludes?.includes('envoy-quitquitquit') && !noProxyToStop)
      await standIn.restarted(startsBefore, 20_000).catch(() => undefined);
  }
}

export interface LabGroupOptions {
  /** Each finished case, as it finishes. */
  onResult?: (result: LabCaseResult) => void;
  /** Each case this kernel cannot run, in case order. */
  onSkip?: (skip: LabCaseSkip) => void;
  signal?: AbortSignal;
  istioVersion?: LabIstioVersion;
}

/**
 * Runs every case of a group in order (cases toggle node rules, so one at a time) on one release's
 * rules, skipping (with the reason) those this kernel cannot run.
 */
export async function runLabGroup(
  environment: LabEnvironment,
  group: LabGroup,
  options: LabGroupOptions = {},
): Promise<{ results: LabCaseResult[]; skipped: LabCaseSkip[] }> {
  const istioVersion = options.istioVersion ?? defaultIstioVersion;
  const started = await startGroup(environment, group, istioVersion);
  const results: LabCaseResult[] = [];
  const skipped: LabCaseSkip[] = [];
  try {
    for (const labCase of group.cases) {
      if (options.signal?.aborted) break;
      const reason = skipReason(started, labCase);
      if (reason !== undefined) {
        const skip = { group, istioVersion, labCase, reason };
        skipped.push(skip);
        options.onSkip?.(skip);
        continue;
      }
      const result = await runCase(started, group, labCase);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    await started.stop();
  }
  return { results, skipped };
}
