// The one model every report renders: counts, the overall verdict, failures by kind, the
// scenario x stack grid, and the flows that evidence each control. Built once from results (after
// waivers) and rendered by pure writers (json, junit, markdown, html, oscal).
import type { Confidence } from '../harness/model/verdict.ts';
import type { Control, Controls } from '../harness/model/controls.ts';
import { describeControl } from '../harness/model/controls.ts';
import { describeAnswer } from '../harness/model/destination-answer.ts';
import type { Check, Missing, Results, Run } from '../harness/model/results.ts';
import type { CheckOutcome } from '../harness/model/verdict.ts';
import { checkOutcomes } from '../harness/model/verdict.ts';
import { plural } from '../harness/text/plural.ts';
import type { ProvenanceSummary } from './provenance-summary.ts';
import { checkProvenance, evidencesControls, summarizeProvenance } from './provenance-summary.ts';

export type OutcomeCounts = Record<CheckOutcome, number> & { total: number };

export function emptyCounts(): OutcomeCounts {
  return {
    total: 0,
    pass: 0,
    'fail-security': 0,
    'fail-availability': 0,
    inconclusive: 0,
    observed: 0,
    waived: 0,
  };
}

/** Worst first: what a grid cell or a control shows when its flows disagree. */
export const outcomeSeverity: readonly CheckOutcome[] = [
  'fail-security',
  'fail-availability',
  'inconclusive',
  'waived',
  'pass',
  'observed',
];

/** Each outcome's place in `outcomeSeverity` (0: the worst). */
export const severityRank = Object.fromEntries(
  outcomeSeverity.map((outcome, index) => [outcome, index]),
) as Record<CheckOutcome, number>;

export function worstOutcome(a: CheckOutcome | undefined, b: CheckOutcome): CheckOutcome {
  if (a === undefined) return b;
  return severityRank[a] <= severityRank[b] ? a : b;
}

/**
 * The report's headline. broken: a run itself failed. failed: a check failed. inconclusive: the
 * harness could not judge some flows. incomplete: some planned checks are missing. Never `passed`
 * unless every run is complete and every judged flow passed (a broken run must never count green).
 */
export type ReportVerdict = 'passed' | 'failed' | 'inconclusive' | 'incomplete' | 'broken';

export interface CellSummary {
  counts: OutcomeCounts;
  worst: CheckOutcome | undefined;
}

export interface ControlSummary {
  control: Control;
  counts: OutcomeCounts;
  worst: CheckOutcome | undefined;
  checks: Check[];
}

export interface ReportModel {
  generatedAt: string;
  verdict: ReportVerdict;
  /** One line saying why the verdict is what it is. */
  headline: string;
  runs: Run[];
  missing: (Missing & { runId: string; stack: string })[];
  broken: { runId: string; stack: string; error: string }[];
  counts: OutcomeCounts;
  stacks: string[];
  scenarios: { id: string; title: string }[];
  securityFailures: Check[];
  availabilityFailures: Check[];
  inconclusive: Check[];
  waived: Check[];
  /** Failures whose waiver has expired: they count again, and the report says so. */
  expiredWaivers: Check[];
  flaky: Check[];
  /** Keyed by `gridKey(scenario, stack)`. */
  grid: Map<string, CellSummary>;
  controls: ControlSummary[];
  checks: Check[];
  /** Who answered each reached flow (`answerText`), described once for every writer. */
  answers: ReadonlyMap<Check, string>;
  /** Where each run's evidence came from, and what the report holds (reports/provenance-summary.ts). */
  provenance: ProvenanceSummary;
  /** How the expectations behind the judged checks are known (harness/model/verdict.ts Confidence). */
  knownBy: Record<Confidence, number>;
}

/** How an expectation is known, in a few words: the level, and the lab cases that show it. */
export function knownText(check: Check): string | undefined {
  const expectation = check.expectation;
  if (!expectation) return undefined;
  switch (expectation.confidence) {
    case 'documented':
      return 'documented';
    case 'lab':
      return `shown in the lab${expectation.lab?.length ? `: ${expectation.lab.join(', ')}` : ''}`;
    case 'hypothesis':
      return 'hypothesis';
  }
}

/** The counts of `knownBy` as one sentence. */
export function knownCountsText(knownBy: Record<Confidence, number>): string {
  // Counted per judged check (one expectation judged on six stacks counts six), so the text says checks.
  return `Judged checks by how their expectation is known: ${knownBy.documented} documented upstream, ${knownBy.lab} shown in the kernel lab, ${knownBy.hypothesis} on a hypothesis awaiting a real run.`;
}

export function gridKey(scenario: string, stack: string): string {
  return `${scenario}\u0000${stack}`;
}

export function formatCounts(counts: OutcomeCounts): string {
  const parts = [`${counts.pass} passed`];
  if (counts['fail-security'] > 0) parts.push(plural(counts['fail-security'], 'security regression'));
  if (counts['fail-availability'] > 0)
    parts.push(plural(counts['fail-availability'], 'availability regression'));
  if (counts.inconclusive > 0) parts.push(`${counts.inconclusive} inconclusive`);
  if (counts.waived > 0) parts.push(`${counts.waived} waived`);
  if (counts.observed > 0) parts.push(`${counts.observed} observed`);
  return `${plural(counts.total, 'flow')}: ${parts.join(', ')}`;
}

function verdictOf(
  counts: OutcomeCounts,
  broken: number,
  missing: number,
): { verdict: ReportVerdict; headline: string } {
  if (broken > 0)
    return { verdict: 'broken', headline: `${plural(broken, 'run')} broke; ${formatCounts(counts)}` };
  if (counts['fail-security'] + counts['fail-availability'] > 0)
    return { verdict: 'failed', headline: formatCounts(counts) };
  if (counts.inconclusive > 0) return { verdict: 'inconclusive', headline: formatCounts(counts) };
  if (missing > 0)
    return {
      verdict: 'incomplete',
      headline: `${plural(missing, 'planned item')} missing; ${formatCounts(counts)}`,
    };
  return { verdict: 'passed', headline: formatCounts(counts) };
}

export function buildReportModel(results: Results, controls: Controls, generatedAt: Date): ReportModel {
  const counts = emptyCounts();
  // stack → scenario → cell while counting (no key string per check); keyed by gridKey after.
  const cells = new Map<string, Map<string, CellSummary>>();
  const byControl = new Map<string, ControlSummary>();
  const stacks = new Set<string>();
  const scenarios = new Map<string, string>();
  const answers = new Map<Check, string>();
  const provenance = summarizeProvenance(results);
  const model = {
    securityFailures: [] as Check[],
    availabilityFailures: [] as Check[],
    inconclusive: [] as Check[],
    waived: [] as Check[],
    expiredWaivers: [] as Check[],
    flaky: [] as Check[],
  };
  const knownBy: Record<Confidence, number> = { documented: 0, lab: 0, hypothesis: 0 };
  for (const check of results.checks) {
    counts.total += 1;
    counts[check.outcome] += 1;
    if (check.expectation) knownBy[check.expectation.confidence] += 1;
    stacks.add(check.stack);
    const title = scenarios.get(check.scenario);
    if (title === undefined || title === '') scenarios.set(check.scenario, check.scenarioTitle);
    let byScenario = cells.get(check.stack);
    if (!byScenario) cells.set(check.stack, (byScenario = new Map()));
    let cell = byScenario.get(check.scenario);
    if (!cell) byScenario.set(check.scenario, (cell = { counts: emptyCounts(), worst: undefined }));
    cell.counts.total += 1;
    cell.counts[check.outcome] += 1;
    cell.worst = worstOutcome(cell.worst, check.outcome);
    if (check.outcome === 'fail-security') model.securityFailures.push(check);
    else if (check.outcome === 'fail-availability') model.availabilityFailures.push(check);
    else if (check.outcome === 'inconclusive') model.inconclusive.push(check);
    else if (check.outcome === 'waived') model.waived.push(check);
    if (check.waiver?.status === 'expired') model.expiredWaivers.push(check);
    if (check.flaky) model.flaky.push(check);
    const answer = answerText(check);
    if (answer !== undefined) answers.set(check, answer);
    // Only evidence about a system counts for its controls (the kernel lab's flows do not).
    if (check.controls.length === 0 || !evidencesControls[checkProvenance(provenance, check).kind]) continue;
    for (const id of check.controls) {
      let summary = byControl.get(id);
      if (!summary)
        byControl.set(
          id,
          (summary = {
            control: describeControl(controls, id),
            counts: emptyCounts(),
            worst: undefined,
            checks: [],
          }),
        );
      summary.counts.total += 1;
      summary.counts[check.outcome] += 1;
      summary.worst = worstOutcome(summary.worst, check.outcome);
      summary.checks.push(check);
    }
  }
  const missing = results.runs.flatMap((run) =>
    run.missing.map((item) => ({ ...item, runId: run.id, stack: run.environment.stack })),
  );
  const broken = results.runs
    .filter((run) => run.status === 'broken')
    .map((run) => ({
      runId: run.id,
      stack: run.environment.stack,
      error: run.error ?? 'the run broke (no error recorded)',
    }));
  for (const run of results.runs) stacks.add(run.environment.stack);
  const grid = new Map<string, CellSummary>();
  for (const [stack, byScenario] of cells)
    for (const [scenario, cell] of byScenario) grid.set(gridKey(scenario, stack), cell);
  const { verdict, headline } = verdictOf(
    counts,
    broken.length,
    missing.length +
      results.runs.filter((run) => run.status === 'partial' && run.missing.length === 0).length,
  );
  return {
    generatedAt: generatedAt.toISOString(),
    verdict,
    headline,
    knownBy,
    runs: results.runs,
    missing,
    broken,
    counts,
    stacks: [...stacks].sort(),
    scenarios: [...scenarios].map(([id, title]) => ({ id, title })).sort((a, b) => a.id.localeCompare(b.id)),
    ...model,
    grid,
    controls: [...byControl.values()].sort((a, b) => a.control.id.localeCompare(b.control.id)),
    checks: results.checks,
    answers,
    provenance,
  };
}

// ---- how a flow reads, shared by every writer ----

export function destinationText(check: Check): string {
  const { destination } = check;
  const port = destination.port !== undefined ? `:${destination.port}` : '';
  return `${destination.workload}${port}`;
}

/** `tcp`, `icmp`, `ip-protocol 253`: which protocol went to the destination (results.json `destination`). */
export function protocolText(check: Check): string {
  const { protocol, ipProtocol } = check.destination;
  return ipProtocol === undefined ? protocol : `${protocol} ${ipProtocol}`;
}

/** `probe: source → destination` */
export function flowTitle(check: Check): string {
  return `${check.probe}: ${check.source.workload} → ${destinationText(check)}`;
}

export function expectedText(check: Check): string {
  const { expectation } = check;
  if (!expectation) return 'no expectation';
  return `${expectation.verdict}${expectation.by ? ` by ${expectation.by}` : ''}`;
}

export function actualText(check: Check): string {
  const layer = check.layer ? ` at ${check.layer}` : '';
  return `${check.verdict}${layer} (${check.observation.outcome})`;
}

/** One line for a failure: expected vs actual, and why. */
export function failureLine(check: Check): string {
  const flaky = check.flaky ? ' [flaky: attempts disagreed]' : '';
  // A flow that got through names who answered: for a security regression that is the evidence.
  const answer = answerText(check);
  return `expected ${expectedText(check)}, got ${actualText(check)}: ${check.reason}${answer ? `; answered by: ${answer}` : ''}${flaky}`;
}

export const outcomeLabels: { [K in CheckOutcome]: string } = {
  pass: 'pass',
  'fail-security': 'security regression',
  'fail-availability': 'availability regression',
  inconclusive: 'inconclusive',
  observed: 'observed',
  waived: 'waived',
};

export function formatDetailValue(value: unknown): string {
  if (typeof value === 'string') return value;
  // As JSON, without the serialiser's cost for the common plain values.
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return String(value);
  return JSON.stringify(value);
}

/** `key=value key=value`: an observation's detail or an answer's fields, on one line. */
export function fieldsText(fields: Record<string, unknown>): string {
  let text = '';
  for (const key of Object.keys(fields))
    text += `${text === '' ? '' : ' '}${key}=${formatDetailValue(fields[key])}`;
  return text;
}

/** What a reached flow from before answers were kept (results of older versions) shows instead. */
export const noAnswerText = 'no destination answer recorded';

/**
 * Who answered, in one line (`describeAnswer`): every reached flow has it, or says it has none.
 * Undefined for a flow that did not reach its destination.
 */
export function answerText(check: Check): string | undefined {
  if (check.answer) {
    const line = describeAnswer(check.answer);
    return line.includes('\n') || line.includes('\r') ? line.replace(/\s*[\r\n]+\s*/g, ' ') : line;
  }
  return check.verdict === 'reached' ? noAnswerText : undefined;
}

/** Where a probe started, as results.json records it (source.mesh). */
const sourcePlaces: Record<string, string> = {
  enrolled: 'in the mesh',
  'opted-out': 'opted out of the mesh',
  outside: 'outside the mesh',
  'outside-cluster': 'outside the cluster',
};

/** The evidence of one flow as plain lines: observation, attempts, waiver, diagnostics. */
export function evidenceLines(check: Check): string[] {
  const lines = [
    `test id: ${check.testId}`,
    `technique: ${check.technique}${check.preludes.length > 0 ? ` after ${check.preludes.join(', ')}` : ''}`,
    `source: ${check.source.workload}${check.source.mesh && sourcePlaces[check.source.mesh] ? ` (${sourcePlaces[check.source.mesh]})` : ''}${check.source.namespace ? ` in ${check.source.namespace}` : ''}${check.source.pod ? ` (pod ${check.source.pod})` : ''}${check.source.serviceAccount ? `, service account ${check.source.serviceAccount}` : ''}${check.source.runAsUser !== undefined ? `, uid ${check.source.runAsUser}` : ''}${check.source.capabilities.length > 0 ? `, capabilities ${check.source.capabilities.join(',')}` : ''}`,
    `destination: ${destinationText(check)}/${protocolText(check)}${check.destination.address ? ` at ${check.destination.address}` : ''}${check.destination.via ? ` via ${check.destination.via}` : ''}`,
    `expected: ${expectedText(check)}${check.expectation?.why ? ` (${check.expectation.why})` : ''}${check.expectation?.confidence === 'hypothesis' ? ' [hypothesis]' : ''}`,
    `observed: ${check.observation.outcome}${check.observation.durationMs !== undefined ? ` in ${check.observation.durationMs} ms` : ''}`,
  ];
  for (const [key, value] of Object.entries(check.observation.detail))
    lines.push(`  ${key}: ${formatDetailValue(value)}`);
  lines.push(`verdict: ${check.verdict}${check.layer ? ` at ${check.layer}` : ''}: ${check.reason}`);
  const answer = answerText(check);
  if (answer !== undefined) lines.push(`answered by: ${answer}`);
  for (const attempt of check.attempts)
    lines.push(
      `attempt ${attempt.attempt} at ${attempt.startedAt} (${attempt.durationMs} ms): ${attempt.outcome} -> ${attempt.verdict}${attempt.layer ? ` at ${attempt.layer}` : ''}: ${attempt.reason}`,
    );
  if (check.flaky) lines.push('flaky: the attempts disagreed');
  if (check.waiver)
    lines.push(
      `waiver ${check.waiver.id} (${check.waiver.status}, expires ${check.waiver.expires}, approved by ${check.waiver.approver}): ${check.waiver.reason}`,
    );
  for (const file of check.diagnostics) lines.push(`diagnostics: ${file}`);
  return lines;
}

export { checkOutcomes };
