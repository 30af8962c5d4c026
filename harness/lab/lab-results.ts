// The lab's results.json: one run per mesh mode (stack `lab-sidecar`, `lab-ambient`) on one Istio
// release's rules (recorded in the run's environment and provenance), one check per case, judged like
// any run (expected vs actual), so the reports render it unchanged. A case this kernel cannot run is
// no check: the run's `skipped` says which and why, as a cluster run records the probes its cluster
// cannot run (harness/cluster/fit-plan.ts).
import type { CheckInput, RunInput } from '../model/results.ts';
import { hasPorts } from '../model/target-port.ts';
import { plural } from '../text/plural.ts';
import { gauntletVersion } from '../version.ts';
import type { ProxyConnection } from './proxy-journal.ts';
import type { LabCaseResult, LabCaseSkip } from './run-lab.ts';
import { ruleFiles } from './rules.ts';
import type { LabIstioVersion } from './rules.ts';

export const labScenario = 'kernel-lab';

export function labStack(mesh: string): string {
  return `lab-${mesh}`;
}

function variantOf(labCase: { defended: boolean }): 'defended' | 'undefended' {
  return labCase.defended ? 'defended' : 'undefended';
}

/** The rule file a group's meshed pods load. */
function groupRuleFile(mesh: 'sidecar' | 'ambient'): string {
  return mesh === 'sidecar' ? ruleFiles.sidecar : ruleFiles.ambient;
}

/** One proxy's part in a case: which stand-in, which way, and what it did (open: it never reported an end). */
function proxyDetail(connection: ProxyConnection) {
  return {
    standIn: connection.standIn,
    direction: connection.direction,
    result: connection.outcome?.result ?? 'open',
    ...(connection.outcome
      ? {
          protocol: connection.outcome.protocol,
          bytesFromDownstream: connection.outcome.bytes.fromDownstream,
          bytesToDownstream: connection.outcome.bytes.toDownstream,
          ms: connection.outcome.ms,
        }
      : {}),
    ...(connection.outcome?.status !== undefined ? { status: connection.outcome.status } : {}),
  };
}

export function labChecks(results: readonly LabCaseResult[], runId: (mesh: string) => string): CheckInput[] {
  return results.map((result) => {
    const { labCase, observation, classification } = result;
    const stack = labStack(result.group.mesh);
    const variant = variantOf(labCase);
    const {
      evidence,
      id: _id,
      technique: _technique,
      outcome,
      timings,
      preludes: _preludes,
      ...fields
    } = observation;
    const { crossedProxy: echoCrossedProxy, ...echoEvidence } = evidence;
    const detail = {
      ...fields,
      ...echoEvidence,
      // What the destination's echo said (127.0.0.6, x-envoy-*) next to what the stand-ins' journals say.
      ...(echoCrossedProxy !== undefined ? { echoCrossedProxy } : {}),
      crossedProxy: result.crossedProxy,
      proxy: result.proxyConnections.map(proxyDetail),
      defence: labCase.defence,
      preludeReports: observation.preludes,
    };
    const durationMs = Math.round(timings.totalMs);
    return {
      testId: `${stack}/${labScenario}/${variant}/${labCase.id}`,
      runId: runId(result.group.mesh),
      stack,
      scenario: labScenario,
      // e.g. "Istio sidecar capture (istio-1.30.5 sidecar-capture.v4.rules)": which release's rules.
      scenarioTitle: `${result.group.title} (istio-${result.istioVersion} ${groupRuleFile(result.group.mesh)})`,
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
        // icmp and ip-protocol address a host: no port, as a cluster run records them (write-results.ts).
        ...(hasPorts(result.protocol) && labCase.port !== undefined ? { port: labCase.port } : {}),
        protocol: result.protocol,
        ...(result.ipProtocol !== undefined ? { ipProtocol: result.ipProtocol } : {}),
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
      ...(classification.answer ? { answer: classification.answer } : {}),
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

/**
 * A run's `skipped` entries for the cases this kernel could not run, worded as fit-plan.ts words the
 * probes a cluster cannot run: one entry per variant and reason, naming the cases.
 */
export function labSkipped(skips: readonly LabCaseSkip[]): { scenario: string; reason: string }[] {
  const byVariantAndReason = new Map<string, { variant: string; reason: string; ids: string[] }>();
  for (const skip of skips) {
    const variant = variantOf(skip.labCase);
    const key = `${variant}\n${skip.reason}`;
    const entry = byVariantAndReason.get(key) ?? { variant, reason: skip.reason, ids: [] };
    entry.ids.push(skip.labCase.id);
    byVariantAndReason.set(key, entry);
  }
  return [...byVariantAndReason.values()].map(({ variant, reason, ids }) => ({
    scenario: labScenario,
    reason: `variant ${variant}: ${plural(ids.length, 'probe')} (${ids.join(', ')}) skipped: ${reason}`,
  }));
}

export function labRun(
  mesh: 'sidecar' | 'ambient',
  id: string,
  startedAt: Date,
  finishedAt: Date,
  missing: { what: string; reason: string }[],
  /** `uname -r` of this machine: the lab's evidence is about this kernel. */
  kernel: string,
  /** The Istio release whose capture rules the lab loaded. */
  istioVersion: LabIstioVersion,
  /** The cases this kernel could not run (they are no checks; the run is complete without them). */
  skips: readonly LabCaseSkip[] = [],
): RunInput {
  return {
    id,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    gauntletVersion,
    status: missing.length > 0 ? 'partial' : 'complete',
    missing,
    skipped: labSkipped(skips),
    environment: {
      stack: labStack(mesh),
      stackTitle: `lab: this kernel with Istio ${istioVersion} ${mesh} rules`,
      mesh,
      istio: { version: istioVersion },
    },
    // Evidence about gauntlet's techniques on this kernel, not about any cluster.
    provenance: {
      kind: 'kernel-lab',
      kernel,
      istio: istioVersion,
      ruleFiles:
        mesh === 'sidecar' ? [ruleFiles.sidecar] : [ruleFiles.ambient, ruleFiles['ambient-hostprobe']],
    },
  };
}
