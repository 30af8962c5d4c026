// Run diffs for upgrades: match flows by test id and say exactly which changed. Newly reached flows
// the scenario does not expect to reach are security regressions; newly blocked flows it does not
// expect to be blocked are availability regressions; a change that brings a flow back to its
// expectation is a fix. Also: a changed deciding layer, flows that became (or stopped being)
// inconclusive, probes that appeared or vanished, and how many stayed the same. Each side's runs say
// where their evidence came from; two sides of different kinds are a clash (reports/diff-provenance.ts)
// that `gauntlet diff` refuses unless told to compare across it, and the diff then says so. Pure.
import type { Check, Results } from '../harness/model/results.ts';
import type { Layer, Verdict } from '../harness/model/verdict.ts';
import { plural } from '../harness/text/plural.ts';
import type { ProvenanceClash } from './diff-provenance.ts';
import { clashSides, provenanceClash } from './diff-provenance.ts';
import type { ProvenanceSummary } from './provenance-summary.ts';
import { checkProvenance, summarizeProvenance } from './provenance-summary.ts';
import { answerText } from './summary-model.ts';

export interface FlowState {
  verdict: Verdict;
  layer?: Layer;
  outcome: Check['outcome'];
  reason: string;
  /** Who answered, on a reached flow (`answerText`). */
  answer?: string;
}

export interface DiffEntry {
  testId: string;
  /** The newer run's expectation (or the base's, for a vanished flow). */
  expected?: string;
  controls: string[];
  base?: FlowState;
  new?: FlowState;
}

export interface RunsDiff {
  base: { runs: string[]; environments: string[] };
  new: { runs: string[]; environments: string[] };
  /** The two sides' evidence differs in kind: they are not the same cells (see diff-provenance.ts). */
  provenanceClash?: ProvenanceClash;
  securityRegressions: DiffEntry[];
  availabilityRegressions: DiffEntry[];
  fixed: DiffEntry[];
  layerChanged: DiffEntry[];
  becameInconclusive: DiffEntry[];
  noLongerInconclusive: DiffEntry[];
  appeared: DiffEntry[];
  vanished: DiffEntry[];
  unchanged: number;
}

function state(check: Check): FlowState {
  const answer = answerText(check);
  return {
    verdict: check.verdict,
    ...(check.layer ? { layer: check.layer } : {}),
    outcome: check.outcome,
    reason: check.reason,
    ...(answer !== undefined ? { answer } : {}),
  };
}

function entry(testId: string, base: Check | undefined, next: Check | undefined): DiffEntry {
  const reference = next ?? base;
  const expectation = reference?.expectation;
  return {
    testId,
    ...(expectation
      ? { expected: `${expectation.verdict}${expectation.by ? ` by ${expectation.by}` : ''}` }
      : {}),
    controls: reference?.controls ?? [],
    ...(base ? { base: state(base) } : {}),
    ...(next ? { new: state(next) } : {}),
  };
}

function environmentLine(results: Results, evidence: ProvenanceSummary): string[] {
  return results.runs.map((run) => {
    const env = run.environment;
    const parts = [
      env.calico
        ? `Calico ${env.calico.version}${env.calico.dataplane ? ` ${env.calico.dataplane}` : ''}`
        : '',
      env.istio
        ? `Istio ${env.istio.version}${env.mesh ? ` ${env.mesh}` : ''}`
        : env.mesh
          ? `mesh ${env.mesh}`
          : '',
      env.kubernetes ? `Kubernetes ${env.kubernetes}` : '',
    ].filter(Boolean);
    const source = evidence.byRun.get(run.id);
    return `${env.stack}: ${parts.join(', ') || 'versions not recorded'}${source ? ` [${source.badge}]` : ''}`;
  });
}

export function diffResults(base: Results, next: Results): RunsDiff {
  const before = new Map(base.checks.map((check) => [check.testId, check]));
  const after = new Map(next.checks.map((check) => [check.testId, check]));
  const baseEvidence = summarizeProvenance(base);
  const newEvidence = summarizeProvenance(next);
  let matchedClash: ProvenanceClash | undefined;
  // The pair of runs last compared: flows come run by run, so most pairs were compared already.
  let comparedBase: string | undefined;
  let comparedNew: string | undefined;
  const diff: RunsDiff = {
    base: { runs: base.runs.map((run) => run.id), environments: environmentLine(base, baseEvidence) },
    new: { runs: next.runs.map((run) => run.id), environments: environmentLine(next, newEvidence) },
    securityRegressions: [],
    availabilityRegressions: [],
    fixed: [],
    layerChanged: [],
    becameInconclusive: [],
    noLongerInconclusive: [],
    appeared: [],
    vanished: [],
    unchanged: 0,
  };
  for (const [testId, now] of after) {
    const was = before.get(testId);
    if (!was) {
      diff.appeared.push(entry(testId, undefined, now));
      continue;
    }
    if (!matchedClash && (was.runId !== comparedBase || now.runId !== comparedNew)) {
      comparedBase = was.runId;
      comparedNew = now.runId;
      const before = checkProvenance(baseEvidence, was);
      const later = checkProvenance(newEvidence, now);
      if (before.kind !== later.kind) matchedClash = { base: before, new: later };
    }
    if (was.verdict === now.verdict && was.layer === now.layer) {
      diff.unchanged += 1;
      continue;
    }
    const item = entry(testId, was, now);
    const expected = now.expectation?.verdict;
    if (was.verdict === now.verdict) diff.layerChanged.push(item);
    else if (now.verdict === 'inconclusive') diff.becameInconclusive.push(item);
    else if (was.verdict === 'inconclusive') diff.noLongerInconclusive.push(item);
    else if (now.verdict === 'reached')
      (expected === 'reached' ? diff.fixed : diff.securityRegressions).push(item);
    else (expected === 'blocked' ? diff.fixed : diff.availabilityRegressions).push(item);
  }
  for (const [testId, was] of before)
    if (!after.has(testId)) diff.vanished.push(entry(testId, was, undefined));
  const clash = provenanceClash(baseEvidence, newEvidence, matchedClash);
  if (clash) diff.provenanceClash = clash;
  for (const list of [
    diff.securityRegressions,
    diff.availabilityRegressions,
    diff.fixed,
    diff.layerChanged,
    diff.becameInconclusive,
    diff.noLongerInconclusive,
    diff.appeared,
    diff.vanished,
  ])
    list.sort((a, b) => a.testId.localeCompare(b.testId));
  return diff;
}

export function diffExitCode(diff: RunsDiff, options: { failOnAvailability?: boolean } = {}): 0 | 1 {
  if (diff.securityRegressions.length > 0) return 1;
  if (options.failOnAvailability && diff.availabilityRegressions.length > 0) return 1;
  return 0;
}

/** A new probe is no regression, but a new probe that fails its expectation must not pass unseen. */
const failingNote: Partial<Record<FlowState['outcome'], string>> = {
  'fail-security': 'FAILS: security',
  'fail-availability': 'FAILS: availability',
  inconclusive: 'inconclusive',
  waived: 'fails, waived',
};

/** `showFailing`: for a flow with no earlier state to compare with (an appeared probe). */
function stateText(flow: FlowState | undefined, showFailing = false): string {
  if (!flow) return 'absent';
  const note = showFailing ? failingNote[flow.outcome] : undefined;
  return `${flow.verdict}${flow.layer ? ` at ${flow.layer}` : ''}${note ? ` [${note}]` : ''}`;
}

/** Why the newer state is what it is; a flow that now reaches says who answered. */
function whyNow(item: DiffEntry): string {
  const reason = item.new?.reason ?? item.base?.reason ?? '';
  const newlyReached = item.new?.verdict === 'reached' && item.base?.verdict !== 'reached';
  return newlyReached && item.new?.answer ? `${reason}; answered by: ${item.new.answer}` : reason;
}

const sections: { key: keyof RunsDiff; title: string }[] = [
  { key: 'securityRegressions', title: 'Security regressions: newly reached, expected blocked' },
  { key: 'availabilityRegressions', title: 'Availability regressions: newly blocked, expected reached' },
  { key: 'layerChanged', title: 'Deciding layer changed' },
  { key: 'becameInconclusive', title: 'Became inconclusive' },
  { key: 'noLongerInconclusive', title: 'No longer inconclusive' },
  { key: 'fixed', title: 'Fixed: back to the expected verdict' },
  { key: 'appeared', title: 'Appeared (new probes)' },
  { key: 'vanished', title: 'Vanished (probes no longer run)' },
];

function entries(diff: RunsDiff, key: keyof RunsDiff): DiffEntry[] {
  const value = diff[key];
  return Array.isArray(value) ? (value as DiffEntry[]) : [];
}

export function diffCounts(diff: RunsDiff): string {
  return [
    plural(diff.securityRegressions.length, 'security regression'),
    plural(diff.availabilityRegressions.length, 'availability regression'),
    plural(diff.layerChanged.length, 'layer change'),
    `${diff.becameInconclusive.length} newly inconclusive`,
    `${diff.fixed.length} fixed`,
    `${diff.appeared.length} appeared`,
    `${diff.vanished.length} vanished`,
    `${diff.unchanged} unchanged`,
  ].join(', ');
}

/** What a diff across provenance says first (it was asked for with --across-provenance). */
function acrossWarning(diff: RunsDiff): string | undefined {
  return diff.provenanceClash
    ? `warning: compared across provenance (--across-provenance): ${clashSides(diff.provenanceClash, 'base', 'new')}; a changed flow may be the other kind of evidence, not a change`
    : undefined;
}

export function renderDiffText(diff: RunsDiff): string {
  const warning = acrossWarning(diff);
  const lines = [
    ...(warning ? [warning, ''] : []),
    `base: ${diff.base.runs.join(', ')}`,
    ...diff.base.environments.map((line) => `  ${line}`),
    `new:  ${diff.new.runs.join(', ')}`,
    ...diff.new.environments.map((line) => `  ${line}`),
    '',
  ];
  for (const { key, title } of sections) {
    const list = entries(diff, key);
    if (list.length === 0) continue;
    lines.push(`${title} (${list.length}):`);
    for (const item of list)
      lines.push(
        `  ${item.testId}: ${stateText(item.base)} -> ${stateText(item.new, !item.base)}${item.expected ? ` (expected ${item.expected})` : ''}${item.new?.reason ? `: ${whyNow(item)}` : ''}${item.controls.length > 0 ? ` [${item.controls.join(' ')}]` : ''}`,
      );
    lines.push('');
  }
  lines.push(diffCounts(diff));
  return `${lines.join('\n')}\n`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderDiffMarkdown(diff: RunsDiff): string {
  const verdict =
    diff.securityRegressions.length > 0
      ? '🔴 security regressions'
      : diff.availabilityRegressions.length > 0
        ? '🟠 availability regressions'
        : '✅ no regressions';
  const warning = acrossWarning(diff);
  const lines = [
    `# gauntlet diff: ${verdict}`,
    '',
    ...(warning ? [`> ⚠️ ${mdCell(warning)}`, ''] : []),
    `**${diffCounts(diff)}**`,
    '',
    '| | Runs | Stacks |',
    '|---|---|---|',
    `| base | ${mdCell(diff.base.runs.join(', '))} | ${mdCell(diff.base.environments.join('; '))} |`,
    `| new | ${mdCell(diff.new.runs.join(', '))} | ${mdCell(diff.new.environments.join('; '))} |`,
    '',
  ];
  for (const { key, title } of sections) {
    const list = entries(diff, key);
    if (list.length === 0) continue;
    lines.push(
      `## ${title} (${list.length})`,
      '',
      '| Test id | Before | After | Expected | Why now | Controls |',
      '|---|---|---|---|---|---|',
    );
    for (const item of list.slice(0, 200))
      lines.push(
        `| \`${item.testId}\` | ${stateText(item.base)} | ${stateText(item.new, !item.base)} | ${item.expected ?? ''} | ${mdCell(whyNow(item))} | ${item.controls.map((control) => `\`${control}\``).join(' ')} |`,
      );
    if (list.length > 200) lines.push('', `…and ${list.length - 200} more (use --format json).`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export function renderDiffJson(diff: RunsDiff): string {
  return `${JSON.stringify({ kind: 'gauntlet-diff', schemaVersion: 1, ...diff }, null, 2)}\n`;
}
