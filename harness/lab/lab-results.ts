// The lab's results.json: one run per mesh mode (stack `lab-sidecar`, `lab-ambient`), one check per
// case, judged like any run (expected vs actual), so the reports render it unchanged.
import { techniqueProtocol } from '../model/target-port.ts';
import type { CheckInput, RunInput } from '../model/results.ts';
import { gauntletVersion } from '../version.ts';
import type { LabCaseResult } from './run-lab.ts';
import { istioVersion } from './rules.ts';

export const labScenario = 'kernel-lab';

export function labStack(mesh: string): string {
  return `lab-${mesh}`;
}

export function labChecks(results: readonly LabCaseResult[], runId: (mesh: string) => string): CheckInput[] {
  return results.map((result) => {
    const { labCase, observation, classification } = result;
    const stack = labStack(result.group.mesh);
    const variant = labCase.defended ? 'defended' : 'undefended';
    const {
      evidence,
      id: _id,
      technique: _technique,
      outcome,
      timings,
      preludes: _preludes,
      ...fields
    } = observation;
    const detail = { ...fields, ...evidence, defence: labCase.defence, preludeReports: observation.preludes };
    const durationMs = Math.round(timings.totalMs);
    return {
      testId: `${stack}/${labScenario}/${variant}/${labCase.id}`,
      runId: runId(result.group.mesh),
      stack,
      scenario: labScenario,
      scenarioTitle: result.group.title,
      variant,
      probe: labCase.id,
      probeTitle: labCase.title,
      technique: labCase.technique,
      preludes: labCase.preludes ?? [],
      source: {
        workload: labCase.from,
        capabilities: labCase.identity?.add?.map((name) => name.toUpperCase()) ?? [],
        runAsUser: labCase.identity?.uid ?? 0,
        mesh: labCase.from === 'attacker' ? 'enrolled' : 'outside',
      },
      destination: {
        workload: labCase.to,
        port: labCase.port,
        protocol: techniqueProtocol(labCase.technique),
        via: 'pod',
      },
      expectation: {
        verdict: labCase.expect,
        ...(labCase.expect === 'blocked' && labCase.layer ? { by: labCase.layer } : {}),
        why: labCase.why,
        confidence: 'documented',
      },
      observation: { outcome, detail, durationMs },
      verdict: classification.verdict,
      ...(classification.layer ? { layer: classification.layer } : {}),
      reason: classification.reason,
      attempts: [
        {
          attempt: 1,
          startedAt: result.startedAt,
          durationMs: result.durationMs,
          outcome,
          verdict: classification.verdict,
          ...(classification.layer ? { layer: classification.layer } : {}),
          reason: classification.reason,
        },
      ],
      outcome: result.outcome,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
    } satisfies CheckInput;
  });
}

export function labRun(
  mesh: 'sidecar' | 'ambient',
  id: string,
  startedAt: Date,
  finishedAt: Date,
  missing: { what: string; reason: string }[],
): RunInput {
  return {
    id,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    gauntletVersion,
    status: missing.length > 0 ? 'partial' : 'complete',
    missing,
    environment: {
      stack: labStack(mesh),
      stackTitle: `lab: this kernel with Istio ${istioVersion} ${mesh} rules`,
      mesh,
      istio: { version: istioVersion },
    },
  };
}
