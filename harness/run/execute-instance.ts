// Runs one scenario variant on a provisioned cluster: namespaces, workloads, readiness, policies,
// probes (one exec per source pod), verdicts, diagnostics for what failed, and always cleanup.
import type { ApplyOutcome, PodInfo, WorkloadReadiness } from '../cluster/cluster.ts';
import { GauntletError } from '../errors.ts';
import { checkOutcome, combineAttempts } from '../model/check.ts';
import { labels } from '../plan/naming.ts';
import type { Instance } from '../plan/plan.ts';
import type { PlannedProbe } from '../plan/plan-probes.ts';
import { isOutsideClient, sourceKey } from '../plan/plan-probes.ts';
import { podAgentHost } from '../probe/agent-exec.ts';
import type { KubeObject } from '../plan/render-workloads.ts';
import type { AgentClient, AgentHost, PreparedProbe } from '../probe/agent-client.ts';
import type { DiagnosticsCollector } from './diagnostics.ts';
import type { ClusterHandle, ExternalTargets } from './environment.ts';
import type { Counts } from './events.ts';
import { emptyCounts } from './events.ts';
import type { FlowAttempt, FlowResult, RawObservation } from './flow.ts';
import type { LeftBehind } from './left-behind.ts';
import type { Progress } from './progress.ts';
import type { Resolved } from './resolve-destination.ts';
import { prepareProbe } from './prepare-probe.ts';

export type { Classify } from '../probe/classify-flow.ts';
import type { Classify } from '../probe/classify-flow.ts';

export interface InstanceOptions {
  readyTimeoutMs: number;
  /** Time for Calico and Istio to program the policies before the first probe. */
  settleMs: number;
  /** Re-runs of attempts whose result was lost (never of a verdict). */
  inconclusiveRetries: number;
  keepNamespaces: boolean;
}

export interface InstanceContext {
  handle: ClusterHandle;
  externals?: ExternalTargets;
  agent: AgentClient;
  classify: Classify;
  progress: Progress;
  diagnostics?: DiagnosticsCollector;
  options: InstanceOptions;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => Date;
  /**
   * The run deletes its whole cluster when it stops (it created it and does not keep it): after an
   * abort, deleting each instance's namespaces first (up to minutes each) only delays that.
   */
  clusterDeletedOnAbort?: boolean;
  leftBehind?: LeftBehind;
}

function rejected(outcomes: readonly ApplyOutcome[]): ApplyOutcome[] {
  return outcomes.filter((outcome) => outcome.rejected);
}

function describeRejections(outcomes: readonly ApplyOutcome[]): string {
  return outcomes
    .map(
      (outcome) =>
        `${outcome.object.kind} ${outcome.object.metadata.name}: ${outcome.rejected?.message ?? ''}`,
    )
    .join('; ');
}

/** A flow the run decided without asking the network (source never admitted, destination unknown). */
function decided(planned: PlannedProbe, observation: RawObservation, context: InstanceContext): FlowAttempt {
  const judged = context.classify(observation, planned);
  return { attempt: 1, startedAt: context.now().toISOString(), durationMs: 0, observation, ...judged };
}

/** How long the probe took, as the agent measured it (timings.totalMs). */
function observedDuration(observation: RawObservation): number {
  const timings = observation['timings'] as { totalMs?: unknown } | undefined;
  return typeof timings?.totalMs === 'number' ? timings.totalMs : 0;
}

function countOf(results: readonly FlowResult[]): Counts {
  const counts = emptyCounts();
  for (const result of results) if (result.outcome !== 'waived') counts[result.outcome] += 1;
  return counts;
}

export async function executeInstance(
  instance: Instance,
  context: InstanceContext,
  signal: AbortSignal,
  cleanupSignal: AbortSignal,
): Promise<FlowResult[]> {
  const { cluster } = context.handle;
  const started = Date.now();
  context.progress.emit({ kind: 'instance-start', name: instance.name, probes: instance.probes.length });
  const selector = `${labels.instance}=${instance.id}`;
  // On a kind cluster that outlives the run, an abandoned instance leaves its namespaces and its
  // Calico global policies (the only objects it makes outside them; kubernetes-cluster.ts deleteByLabel).
  if (!context.clusterDeletedOnAbort)
    context.leftBehind?.add(`instance ${instance.id}`, {
      what: `namespaces and global policies of ${instance.name}`,
      remove: `kubectl --kubeconfig ${context.handle.kubeconfigPath} delete namespaces,globalnetworkpolicies.projectcalico.org -l ${selector}`,
    });
  try {
    const results = await runInstance(instance, context, signal);
    context.progress.emit({
      kind: 'instance-end',
      name: instance.name,
      counts: countOf(results),
      durationMs: Date.now() - started,
    });
    return results;
  } catch (error) {
    const message = error instanceof GauntletError ? error.oneLine() : (error as Error).message;
    context.progress.emit({
      kind: 'instance-end',
      name: instance.name,
      counts: emptyCounts(),
      durationMs: Date.now() - started,
      error: message,
    });
    throw error;
  } finally {
    // A slow or failed cleanup must not replace the instance's real result: it is a warning.
    const clusterGoing = signal.aborted && context.clusterDeletedOnAbort === true;
    if (!context.options.keepNamespaces && !clusterGoing)
      await cluster
        .deleteByLabel(selector, cleanupSignal)
        .then(() => context.leftBehind?.done(`instance ${instance.id}`))
        .catch((error: unknown) => {
          const message = error instanceof GauntletError ? error.oneLine() : (error as Error).message;
          context.progress.emit({
            kind: 'warning',
            message: `cleanup of ${instance.name} failed: ${message}`,
          });
        });
  }
}

async function runInstance(
  instance: Instance,
  context: InstanceContext,
  signal: AbortSignal,
): Promise<FlowResult[]> {
  const { cluster } = context.handle;
  const { objects } = instance;
  const apply = async (list: KubeObject[], what: string, fatal: boolean): Promise<ApplyOutcome[]> => {
    const outcomes = await cluster.apply(list, signal);
    const refused = rejected(outcomes);
    if (fatal && refused.length > 0)
      throw new GauntletError(
        'GAUNTLET_CLUSTER_API',
        `${instance.name}: the API server refused ${what}: ${describeRejections(refused)}`,
      );
    return outcomes;
  };
  await apply([...objects.namespaces, ...objects.serviceAccounts], 'namespaces', true);
  const workloadOutcomes = await apply([...objects.deployments, ...objects.services], 'services', false);
  const refusedDeployments = new Map(
    rejected(workloadOutcomes)
      .filter((outcome) => outcome.object.kind === 'Deployment')
      .map((outcome) => [
        `${outcome.object.metadata.namespace}/${outcome.object.metadata.name}`,
        outcome.rejected?.message ?? '',
      ]),
  );
  const refusedOther = rejected(workloadOutcomes).filter((outcome) => outcome.object.kind !== 'Deployment');
  if (refusedOther.length > 0)
    throw new GauntletError(
      'GAUNTLET_CLUSTER_API',
      `${instance.name}: the API server refused ${describeRejections(refusedOther)}`,
    );

  // Every Deployment the instance applied: the agent pods and a scenario's own gateway.
  const waitFor = objects.deployments
    .map((deployment) => ({
      namespace: deployment.metadata.namespace ?? '',
      deployment: deployment.metadata.name,
    }))
    .filter((pod) => !refusedDeployments.has(`${pod.namespace}/${pod.deployment}`));
  const readinessList = await cluster.waitForDeployments(waitFor, context.options.readyTimeoutMs, signal);
  const readiness = new Map<string, WorkloadReadiness>(
    readinessList.map((entry) => [`${entry.namespace}/${entry.deployment}`, entry]),
  );
  for (const [key, message] of refusedDeployments) {
    const [namespace = '', deployment = ''] = key.split('/');
    readiness.set(key, { namespace, deployment, state: 'denied-at-admission', message });
  }

  await apply(objects.policies, 'the policies', true);
  if (objects.policies.length > 0 && context.options.settleMs > 0)
    await context.sleep(context.options.settleMs, signal);

  const bySource = new Map<string, PlannedProbe[]>();
  for (const planned of instance.probes) {
    const key = sourceKey(planned.source);
    bySource.set(key, [...(bySource.get(key) ?? []), planned]);
  }
  const results: FlowResult[] = [];
  const cache = new Map<string, Promise<unknown>>();
  // Flows the run decides without the network: their source never got to send.
  const decideWithout = (probes: readonly PlannedProbe[], observe: (id: string) => RawObservation) => {
    for (const planned of probes)
      results.push(
        finish(
          planned,
          instance,
          [decided(planned, observe(planned.probe.id), context)],
          undefined,
          undefined,
          context,
        ),
      );
  };
  await Promise.all(
    [...bySource].map(async ([key, probes]) => {
      const source = probes[0]?.source;
      if (source && isOutsideClient(source)) {
        // A client outside the cluster: the agent in the relay container, no pod to wait for.
        const host = context.externals?.agentHost?.(source.external);
        if (host)
          results.push(
            ...(await probeFromSource(instance, { host }, probes, readiness, cache, context, signal)),
          );
        else
          decideWithout(probes, (id) => ({
            id,
            outcome: 'error',
            message: `the client outside the cluster (${source.external}) was not started`,
          }));
        return;
      }
      const state = readiness.get(key);
      if (!state || state.state !== 'ready') {
        decideWithout(probes, (id) =>
          state?.state === 'denied-at-admission'
            ? { id, outcome: 'denied-at-admission', message: state.message }
            : {
                id,
                outcome: 'error',
                message: `source pod not ready: ${state && state.state === 'not-ready' ? state.lastSeen : 'unknown'}`,
              },
        );
        return;
      }
      const host = podAgentHost(context.handle.cluster, state.pod);
      results.push(
        ...(await probeFromSource(
          instance,
          { host, pod: state.pod },
          probes,
          readiness,
          cache,
          context,
          signal,
        )),
      );
    }),
  );
  for (const result of results) {
    const node = destinationNode(result.planned, readiness);
    if (node !== undefined) result.destinationNode = node;
  }
  await attachDiagnostics(instance, results, readiness, context, signal);
  return results.sort((a, b) => instance.probes.indexOf(a.planned) - instance.probes.indexOf(b.planned));
}

/** Where a batch runs: the agent host, and the source pod when the probes start in one. */
interface BatchSource {
  host: AgentHost;
  pod?: PodInfo;
}

async function probeFromSource(
  instance: Instance,
  source: BatchSource,
  probes: readonly PlannedProbe[],
  readiness: ReadonlyMap<string, WorkloadReadiness>,
  cache: Map<string, Promise<unknown>>,
  context: InstanceContext,
  signal: AbortSignal,
): Promise<FlowResult[]> {
  const { pod } = source;
  const results: FlowResult[] = [];
  const prepared: PreparedProbe[] = [];
  const resolvedOf = new Map<PlannedProbe, Resolved>();
  const resolveContext = {
    cluster: context.handle.cluster,
    externals: context.externals,
    readiness,
    ...(pod ? { sourcePod: pod } : {}),
    signal,
    cache,
  };
  for (const planned of probes) {
    const made = await prepareProbe(planned, resolveContext);
    if (!made.ok) {
      const attempt = decided(
        planned,
        { id: planned.probe.id, outcome: 'error', message: made.reason },
        context,
      );
      results.push(finish(planned, instance, [attempt], pod, undefined, context));
      continue;
    }
    resolvedOf.set(planned, made.resolved);
    prepared.push(...made.attempts);
  }

  // One exec for the whole batch; only attempts whose result was lost are re-run.
  const observations = new Map<string, RawObservation>();
  const startedAt = new Map<string, string>();
  let pending = prepared;
  let lastProblem = '';
  for (let round = 0; round <= context.options.inconclusiveRetries && pending.length > 0; round++) {
    const roundStart = context.now().toISOString();
    for (const probe of pending) startedAt.set(probe.attemptId, roundStart);
    try {
      const outcome = await context.agent.runBatch(source.host, pending, { signal });
      for (const [id, observation] of outcome.observations) observations.set(id, observation);
      lastProblem =
        outcome.exitCode === undefined
          ? `the exec lost its exit status${outcome.stderr ? `: ${outcome.stderr.trim().split('\n').pop()}` : ''}`
          : outcome.exitCode !== 0
            ? `the agent exited ${outcome.exitCode}: ${outcome.stderr.trim().split('\n').pop() ?? ''}`
            : 'the agent exited 0 without reporting it';
    } catch (error) {
      if (signal.aborted) throw error;
      lastProblem = `exec failed: ${(error as Error).message}`;
    }
    pending = pending.filter((probe) => !observations.has(probe.attemptId));
  }

  const attemptsOf = new Map<PlannedProbe, FlowAttempt[]>();
  for (const probe of prepared) {
    const observation = observations.get(probe.attemptId) ?? {
      id: probe.attemptId,
      outcome: 'error',
      message: `no observation came back${lastProblem ? ` (${lastProblem})` : ''}`,
      harness: true,
    };
    const judged = context.classify(observation, probe.planned);
    const durationMs = observedDuration(observation);
    const attempts = attemptsOf.get(probe.planned) ?? [];
    attempts.push({
      attempt: probe.attempt,
      startedAt: startedAt.get(probe.attemptId) ?? '',
      durationMs,
      observation,
      ...judged,
    });
    attemptsOf.set(probe.planned, attempts);
  }
  for (const [planned, attempts] of attemptsOf) {
    const resolved = resolvedOf.get(planned);
    results.push(
      finish(
        planned,
        instance,
        attempts,
        pod,
        resolved?.ok
          ? { host: resolved.host, ...(resolved.port === undefined ? {} : { port: resolved.port }) }
          : undefined,
        context,
      ),
    );
  }
  return results;
}

function finish(
  planned: PlannedProbe,
  instance: Instance,
  attempts: FlowAttempt[],
  sourcePod: PodInfo | undefined,
  destination: FlowResult['destination'],
  context: InstanceContext,
): FlowResult {
  const { verdict, flaky } = combineAttempts(attempts.map((attempt) => attempt.verdict));
  const deciding = attempts.find((attempt) => attempt.verdict === verdict) ?? attempts[0];
  const outcome = checkOutcome(planned.expectation, verdict);
  const result: FlowResult = {
    planned,
    instanceName: instance.name,
    ...(sourcePod ? { sourcePod } : {}),
    ...(destination ? { destination } : {}),
    attempts,
    verdict,
    ...(deciding?.layer ? { layer: deciding.layer } : {}),
    ...(deciding?.answer ? { answer: deciding.answer } : {}),
    reason: `${deciding?.reason ?? ''}${flaky ? ` (flaky: ${attempts.map((attempt) => attempt.verdict).join(', ')})` : ''}`,
    flaky,
    outcome,
    diagnostics: [],
  };
  context.progress.emit({
    kind: 'check',
    testId: planned.testId,
    outcome,
    verdict,
    ...(result.layer ? { layer: result.layer } : {}),
    ...(planned.expectation
      ? {
          expected: `${planned.expectation.verdict}${planned.expectation.by ? ` by ${planned.expectation.by}` : ''}`,
        }
      : {}),
    reason: result.reason,
  });
  return result;
}

/**
 * The node the destination's pod ran on, for a destination that is a pod of the scenario (through its
 * Service or its IP): same-node and cross-node flows take different paths (ztunnel's node-local fast
 * path; the node where Calico enforces). Builtin and outside targets have none.
 */
function destinationNode(
  planned: PlannedProbe,
  readiness: ReadonlyMap<string, WorkloadReadiness>,
): string | undefined {
  const destination = planned.destination;
  if (destination.kind !== 'service' && destination.kind !== 'pod') return undefined;
  const state = readiness.get(`${destination.namespace}/${destination.workload}`);
  return state?.state === 'ready' ? state.pod.node : undefined;
}

async function attachDiagnostics(
  instance: Instance,
  results: FlowResult[],
  readiness: ReadonlyMap<string, WorkloadReadiness>,
  context: InstanceContext,
  signal: AbortSignal,
): Promise<void> {
  if (!context.diagnostics) return;
  const failing = results.filter((result) => result.outcome !== 'pass' && result.outcome !== 'observed');
  for (const result of failing) {
    const pods: PodInfo[] = [];
    const workloadStates: { namespace: string; deployment: string; state: string }[] = [];
    if (result.sourcePod) pods.push(result.sourcePod);
    else if (!isOutsideClient(result.planned.source)) {
      // Decided without a probe: the source never became ready or was refused; say why.
      const { namespace, deployment } = result.planned.source;
      const state = readiness.get(sourceKey(result.planned.source));
      if (state?.state === 'not-ready') {
        if (state.pod) pods.push(state.pod);
        workloadStates.push({ namespace, deployment, state: `not ready: ${state.lastSeen}` });
      } else if (state?.state === 'denied-at-admission')
        workloadStates.push({ namespace, deployment, state: `denied at admission: ${state.message}` });
    }
    const destination = result.planned.destination;
    if (destination.kind === 'service' || destination.kind === 'pod') {
      const state = readiness.get(`${destination.namespace}/${destination.workload}`);
      const pod =
        state && (state.state === 'ready' ? state.pod : state.state === 'not-ready' ? state.pod : undefined);
      if (pod) pods.push(pod);
    }
    result.diagnostics = await context.diagnostics.collect(
      { instance: instance.name, namespaces: [...instance.namespaces.values()], pods, workloadStates },
      signal,
    );
  }
}
