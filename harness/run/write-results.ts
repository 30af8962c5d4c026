// Turns a run's outcome into results.json (the schema of harness/model/results.ts), writes it
// beside the diagnostics, and decides the exit code. A broken or interrupted run never counts as
// green, whatever its flows said (../shared/DESIGN.md "Lessons").
import type { Provenance } from '../model/provenance.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckInput, Missing, Results, RunStatus } from '../model/results.ts';
import { buildResults, serializeResults } from '../model/results.ts';
import type { SecurityContext } from '../model/scenario.ts';
import { isPodWorkload } from '../model/scenario.ts';
import { containerSecurityContext } from '../plan/render-workloads.ts';
import { isOutsideClient } from '../plan/plan-probes.ts';
import { gauntletVersion } from '../version.ts';
import type { Plan } from '../plan/plan.ts';
import type { Counts } from './events.ts';
import { emptyCounts } from './events.ts';
import type { FlowResult } from './flow.ts';
import type { RunOutcome } from './run-stack.ts';

function ciUrl(env: NodeJS.ProcessEnv): string | undefined {
  // GitHub Actions' default variables (docs.github.com/en/actions/reference/variables-reference).
  const server = env['GITHUB_SERVER_URL'];
  const repository = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  if (server && repository && runId) return `${server}/${repository}/actions/runs/${runId}`;
  return env['CI_JOB_URL'] ?? env['BUILD_URL'];
}

function portOf(port: number | undefined): { port?: number } {
  return port === undefined ? {} : { port };
}

export function flowToCheck(flow: FlowResult, plan: Plan, runId: string): CheckInput {
  const { planned } = flow;
  const scenario = plan.instances.find((instance) => instance.name === flow.instanceName)?.scenario.scenario;
  const sourceWorkload = scenario?.workloads[planned.probe.from];
  const pod = sourceWorkload && isPodWorkload(sourceWorkload) ? sourceWorkload : undefined;
  const security = pod ? (containerSecurityContext(pod.securityContext) as SecurityContext) : undefined;
  const deciding =
    flow.attempts.find((attempt) => attempt.verdict === flow.verdict) ??
    flow.attempts[flow.attempts.length - 1];
  const { id: _id, outcome, ...detail } = deciding?.observation ?? { id: '', outcome: 'error' };
  const durationMs = deciding?.durationMs;
  const [stack = '', scenarioId = '', variant = '', probe = ''] = planned.testId.split('/');
  return {
    testId: planned.testId,
    runId,
    stack,
    scenario: scenarioId,
    scenarioTitle: scenario?.title ?? '',
    variant,
    probe,
    ...(planned.probe.title ? { probeTitle: planned.probe.title } : {}),
    technique: planned.probe.technique,
    preludes: planned.probe.preludes,
    source: isOutsideClient(planned.source)
      ? // The relay container on the kind network: outside the cluster, so no namespace, pod or mesh.
        { workload: planned.probe.from, mesh: 'outside-cluster' }
      : {
          workload: planned.probe.from,
          namespace: planned.source.namespace,
          ...(flow.sourcePod
            ? {
                pod: flow.sourcePod.name,
                serviceAccount: flow.sourcePod.serviceAccount,
                ...(flow.sourcePod.node ? { node: flow.sourcePod.node } : {}),
              }
            : {}),
          // What the pod really ran with: the scenario's securityContext, or the renderer's default.
          ...(security ? { capabilities: security.capabilities?.add ?? [] } : {}),
          ...(security?.runAsUser !== undefined ? { runAsUser: security.runAsUser } : {}),
          mesh: planned.source.optOut ? 'opted-out' : (pod?.mesh ?? 'enrolled'),
        },
    destination: {
      workload: planned.destination.workload,
      ...(flow.destination ? { address: flow.destination.host } : {}),
      // icmp and ip-protocol address a host: no port (plan-probes.ts).
      ...portOf(flow.destination?.port ?? planned.destination.port),
      protocol: planned.protocol,
      ...(planned.ipProtocol !== undefined ? { ipProtocol: planned.ipProtocol } : {}),
      via: planned.destination.kind,
      ...(flow.destinationNode ? { node: flow.destinationNode } : {}),
    },
    ...(planned.expectation
      ? {
          expectation: {
            verdict: planned.expectation.verdict,
            ...(planned.expectation.by ? { by: planned.expectation.by } : {}),
            ...(planned.expectation.why ? { why: planned.expectation.why } : {}),
            confidence: planned.expectation.confidence,
            ...(planned.expectation.source ? { source: planned.expectation.source } : {}),
            ...(planned.expectation.lab ? { lab: planned.expectation.lab } : {}),
          },
        }
      : {}),
    observation: {
      outcome: outcome as CheckInput['observation']['outcome'],
      detail,
      ...(typeof durationMs === 'number' ? { durationMs: Math.round(durationMs) } : {}),
    },
    verdict: flow.verdict,
    ...(flow.layer ? { layer: flow.layer } : {}),
    reason: flow.reason,
    ...(flow.answer ? { answer: flow.answer } : {}),
    attempts: flow.attempts.map((attempt) => {
      const { id: _attemptId, outcome: attemptOutcome, ...attemptDetail } = attempt.observation;
      return {
        attempt: attempt.attempt,
        startedAt: attempt.startedAt,
        durationMs: Math.round(attempt.durationMs),
        outcome: attemptOutcome as CheckInput['observation']['outcome'],
        verdict: attempt.verdict,
        ...(attempt.layer ? { layer: attempt.layer } : {}),
        reason: attempt.reason,
        detail: attemptDetail,
      };
    }),
    flaky: flow.flaky,
    outcome: flow.outcome,
    controls: scenario?.controls ?? [],
    diagnostics: flow.diagnostics,
    startedAt: flow.attempts[0]?.startedAt ?? new Date().toISOString(),
    durationMs: Math.round(flow.attempts.reduce((total, attempt) => total + attempt.durationMs, 0)),
  };
}

export function runStatus(outcome: RunOutcome): RunStatus {
  if (outcome.error !== undefined || outcome.aborted) return 'broken';
  return outcome.brokenInstances.length > 0 ? 'partial' : 'complete';
}

export function countFlows(flows: readonly FlowResult[]): Counts {
  const counts = emptyCounts();
  for (const flow of flows) if (flow.outcome !== 'waived') counts[flow.outcome] += 1;
  return counts;
}

/** 0 every judged check passed; 1 a check failed; 2 the run broke, was interrupted or left flows unjudged. */
export function runExitCode(outcome: RunOutcome, counts: Counts): 0 | 1 | 2 {
  if (runStatus(outcome) !== 'complete') return 2;
  if (counts['fail-security'] > 0 || counts['fail-availability'] > 0) return 1;
  if (counts.inconclusive > 0) return 2;
  return 0;
}

export function writeRunResults(
  plan: Plan,
  outcome: RunOutcome,
  dir: string,
  options: {
    env: NodeJS.ProcessEnv;
    unverifiedDownloads?: readonly string[];
    /** Where the evidence came from, when not a kind cluster gauntlet created (a cluster the user named). */
    provenance?: Provenance;
    /** The cluster has no Calico (a user's cluster): the environment then names none. */
    noCalico?: boolean;
  },
): { file: string; counts: Counts; results: Results } {
  const { stack } = plan;
  const missing: Missing[] = [];
  for (const broken of outcome.brokenInstances)
    missing.push({ what: `scenario variant ${broken.name}`, reason: broken.error });
  const judged = new Set(outcome.flows.map((flow) => flow.instanceName));
  if (outcome.error !== undefined || outcome.aborted)
    for (const instance of plan.instances)
      if (
        !judged.has(instance.name) &&
        !outcome.brokenInstances.some((broken) => broken.name === instance.name)
      )
        missing.push({
          what: `scenario variant ${instance.name}`,
          reason: outcome.aborted ? 'the run was interrupted' : 'the run broke before it',
        });
  const results = buildResults(
    {
      id: plan.runId,
      startedAt: outcome.startedAt.toISOString(),
      finishedAt: outcome.finishedAt.toISOString(),
      gauntletVersion,
      status: runStatus(outcome),
      missing,
      ...(outcome.error !== undefined
        ? { error: outcome.error }
        : outcome.aborted
          ? { error: 'interrupted' }
          : {}),
      skipped: plan.skipped,
      environment: {
        stack: stack.id,
        stackTitle: stack.title,
        ...(stack.id.includes('+') ? { matrixCell: stack.id } : {}),
        ...(outcome.versions.kubernetes
          ? { kubernetes: outcome.versions.kubernetes }
          : { kubernetes: stack.kubernetes }),
        ...(outcome.versions.kind ? { kind: outcome.versions.kind } : {}),
        ...(options.noCalico
          ? {}
          : {
              calico: {
                version: outcome.versions.calico ?? stack.cni.version,
                dataplane: stack.cni.dataplane,
              },
            }),
        ...(stack.mesh.istio ? { istio: { version: outcome.versions.istio ?? stack.mesh.istio } } : {}),
        mesh: stack.mesh.mode,
        admission: stack.admission,
        ...(options.env['GITHUB_SHA'] ? { gitCommit: options.env['GITHUB_SHA'] } : {}),
        ...(ciUrl(options.env) ? { ciUrl: ciUrl(options.env) } : {}),
      },
      unverifiedDownloads: [...(options.unverifiedDownloads ?? [])],
      provenance: options.provenance ?? {
        kind: 'kind-cluster',
        stack: stack.id,
        cluster: plan.clusterName,
        ...(outcome.versions.nodeImage ? { nodeImage: outcome.versions.nodeImage } : {}),
        kubernetes: outcome.versions.kubernetes ?? stack.kubernetes,
        calico: outcome.versions.calico ?? stack.cni.version,
        ...(stack.mesh.istio ? { istio: outcome.versions.istio ?? stack.mesh.istio } : {}),
      },
    },
    outcome.flows.map((flow) => flowToCheck(flow, plan, plan.runId)),
  );
  const file = join(dir, 'results.json');
  writeFileSync(file, serializeResults(results));
  return { file, counts: countFlows(outcome.flows), results };
}
