// summary.md for $GITHUB_STEP_SUMMARY: verdict and counts, security regressions first, then
// availability regressions (with control ids), then the scenario x stack grid and the controls.
// GitHub's runner refuses a step summary over 1 MiB ("$GITHUB_STEP_SUMMARY upload aborted, supports
// content up to a size of 1024k", docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
// #adding-a-markdown-summary), so lists are capped and the whole text is bounded.
import type { ProvenanceKind } from '../harness/model/provenance.ts';
import { provenanceWords } from '../harness/model/provenance.ts';
import type { Check } from '../harness/model/results.ts';
import type { CheckOutcome } from '../harness/model/verdict.ts';
import { checkProvenance, controlsNote, unverifiedWarning } from './provenance-summary.ts';
import type { ReportModel } from './summary-model.ts';
import {
  actualText,
  answerText,
  expectedText,
  knownCountsText,
  knownText,
  flowTitle,
  gridKey,
  outcomeLabels,
} from './summary-model.ts';

/** Rows per list; the HTML report has them all. */
export const markdownListLimit = 50;
/** Far below GitHub's 1 MiB step-summary limit. */
export const markdownMaxBytes = 512 * 1024;

const icons: { [K in CheckOutcome]: string } = {
  pass: '✅',
  'fail-security': '🔴',
  'fail-availability': '🟠',
  inconclusive: '⚪',
  observed: '👁️',
  waived: '🟡',
};

const verdictTitles: Record<ReportModel['verdict'], string> = {
  passed: '✅ PASSED',
  failed: '🔴 FAILED',
  inconclusive: '⚪ INCONCLUSIVE',
  incomplete: '🟡 INCOMPLETE',
  broken: '💥 BROKEN',
};

/** Each provenance kind's mark, next to its word wherever a run or flow says where it came from. */
const provenanceIcons: Record<ProvenanceKind, string> = {
  'kernel-lab': '🧪',
  'kind-cluster': '🐳',
  'user-cluster': '☸️',
};

function provenanceBadge(kind: ProvenanceKind): string {
  return `${provenanceIcons[kind]} ${provenanceWords[kind].badge}`;
}

/** Escapes what would break a table cell or start markup. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Who answered a reached flow (a dash for one that did not reach). */
function answerCell(check: Check): string {
  return cell(answerText(check) ?? '—');
}

/** Where a listed flow's evidence came from. */
function evidenceCell(model: ReportModel, check: Check): string {
  return provenanceBadge(checkProvenance(model.provenance, check).kind);
}

function failureTable(model: ReportModel, title: string, checks: readonly Check[], lines: string[]): void {
  if (checks.length === 0) return;
  lines.push(`## ${title} (${checks.length})`, '');
  lines.push(
    '| Flow | Stack | Evidence from | Expected | Got | Answered by | Why expected | Controls |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const check of checks.slice(0, markdownListLimit))
    lines.push(
      `| ${cell(`${check.scenario}/${check.variant}: ${flowTitle(check)}`)} | ${cell(check.stack)} | ${evidenceCell(model, check)} | ${cell(expectedText(check))}${knownText(check) ? ` (${cell(knownText(check) ?? '')})` : ''} | ${cell(actualText(check))}: ${cell(check.reason)}${check.flaky ? ' (flaky)' : ''}${check.waiver?.status === 'expired' ? ` — waiver ${cell(check.waiver.id)} expired ${check.waiver.expires}` : ''} | ${answerCell(check)} | ${cell(check.expectation?.why ?? '')} | ${check.controls.map(code).join(' ')} |`,
    );
  if (checks.length > markdownListLimit)
    lines.push('', `…and ${checks.length - markdownListLimit} more in report.html.`);
  lines.push('');
}

/** A grid column's head: the stack and the kinds its evidence came from. */
function stackHead(model: ReportModel, stack: string): string {
  const kinds = model.provenance.stackKinds.get(stack) ?? [];
  return `${cell(stack)}${kinds.length > 0 ? ` (${kinds.map(provenanceBadge).join(', ')})` : ''}`;
}

function gridCell(model: ReportModel, scenario: string, stack: string): string {
  const summary = model.grid.get(gridKey(scenario, stack));
  if (!summary || !summary.worst) return '—';
  const { counts, worst } = summary;
  if (worst === 'pass' || worst === 'observed') {
    const observed = counts.observed > 0 ? ` +${counts.observed} observed` : '';
    return counts.pass > 0
      ? `${icons.pass} ${counts.pass}/${counts.pass} pass${observed}`
      : `${icons.observed} ${counts.observed} observed`;
  }
  return `${icons[worst]} ${counts[worst]} ${outcomeLabels[worst]}`;
}

export function renderMarkdown(model: ReportModel): string {
  const lines: string[] = [];
  lines.push(`# gauntlet: ${verdictTitles[model.verdict]}`, '');
  lines.push(`**${model.headline}**`, '');
  lines.push(
    `${model.provenance.kinds.map((count) => provenanceIcons[count.kind]).join(' ')} ${cell(model.provenance.sentence)}`,
    '',
    knownCountsText(model.knownBy),
    '',
  );
  lines.push('| Stack | Evidence from | Kubernetes | Calico | Istio | Mesh | Pod Security | Run | Status |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const run of model.runs) {
    const env = run.environment;
    const runLink = env.ciUrl ? `[${cell(run.id)}](${env.ciUrl})` : cell(run.id);
    const evidence = model.provenance.byRun.get(run.id);
    lines.push(
      `| ${cell(env.stack)} | ${evidence ? `${provenanceBadge(evidence.kind)}: ${cell(evidence.description)}` : ''} | ${cell(env.kubernetes ?? '')} | ${cell(env.calico ? `${env.calico.version}${env.calico.dataplane ? ` (${env.calico.dataplane})` : ''}` : '')} | ${cell(env.istio?.version ?? '')} | ${cell(env.mesh ?? '')} | ${cell(env.admission ?? '')} | ${runLink} | ${run.status}${run.error ? `: ${cell(run.error)}` : ''} |`,
    );
  }
  lines.push('');
  const unverified = model.runs.flatMap((run) => unverifiedWarning(run) ?? []);
  if (unverified.length > 0) {
    for (const warning of unverified) lines.push(`> ⚠️ **Unverified downloads:** ${cell(warning)}`, '>');
    lines.pop();
    lines.push('');
  }
  if (model.broken.length > 0 || model.missing.length > 0) {
    lines.push('## Not a complete picture', '');
    for (const item of model.broken)
      lines.push(`- 💥 run ${code(item.runId)} on ${code(item.stack)} broke: ${cell(item.error)}`);
    for (const item of model.missing.slice(0, markdownListLimit))
      lines.push(`- missing on ${code(item.stack)}: ${cell(item.what)} (${cell(item.reason)})`);
    if (model.missing.length > markdownListLimit)
      lines.push(`- …and ${model.missing.length - markdownListLimit} more missing items`);
    lines.push('');
  }
  failureTable(model, '🔴 Security regressions: expected blocked, reached', model.securityFailures, lines);
  failureTable(
    model,
    '🟠 Availability regressions: expected reached, blocked',
    model.availabilityFailures,
    lines,
  );
  failureTable(model, '⚪ Inconclusive: the harness could not judge', model.inconclusive, lines);
  if (model.expiredWaivers.length > 0) {
    lines.push(`## ⌛ Expired waivers (${model.expiredWaivers.length}): these failures count again`, '');
    for (const check of model.expiredWaivers.slice(0, markdownListLimit))
      lines.push(
        `- ${code(check.testId)}: waiver ${code(check.waiver?.id ?? '?')} expired ${check.waiver?.expires ?? '?'} (${cell(check.waiver?.reason ?? '')})`,
      );
    lines.push('');
  }
  if (model.waived.length > 0) {
    lines.push(`## 🟡 Waived (${model.waived.length})`, '');
    lines.push(
      '| Test id | Evidence from | Waived outcome | Waiver | Approver | Expires | Reason | Answered by |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const check of model.waived.slice(0, markdownListLimit))
      lines.push(
        `| ${code(check.testId)} | ${evidenceCell(model, check)} | ${check.waiver ? outcomeLabels[check.waiver.waivedOutcome] : ''} | ${cell(check.waiver?.id ?? '')} | ${cell(check.waiver?.approver ?? '')} | ${check.waiver?.expires ?? ''} | ${cell(check.waiver?.reason ?? '')} | ${answerCell(check)} |`,
      );
    if (model.waived.length > markdownListLimit)
      lines.push('', `…and ${model.waived.length - markdownListLimit} more in report.html.`);
    lines.push('');
  }
  if (model.flaky.length > 0) {
    lines.push(`## Flaky flows (${model.flaky.length}): attempts disagreed`, '');
    for (const check of model.flaky.slice(0, markdownListLimit))
      lines.push(`- ${code(check.testId)}: ${check.attempts.map((attempt) => attempt.verdict).join(', ')}`);
    lines.push('');
  }
  lines.push('## Scenario × stack', '');
  lines.push(`| Scenario | ${model.stacks.map((stack) => stackHead(model, stack)).join(' | ')} |`);
  lines.push(`|---|${model.stacks.map(() => '---').join('|')}|`);
  for (const scenario of model.scenarios)
    lines.push(
      `| ${cell(scenario.id)} | ${model.stacks.map((stack) => gridCell(model, scenario.id, stack)).join(' | ')} |`,
    );
  lines.push(
    '',
    `Legend: ${Object.entries(icons)
      .map(([outcome, icon]) => `${icon} ${outcomeLabels[outcome as CheckOutcome]}`)
      .join(' · ')}`,
    '',
  );
  const leftOut = controlsNote(model.provenance);
  if (model.controls.length > 0 || leftOut) {
    lines.push('## Controls evidenced by traffic', '');
    if (leftOut) lines.push(cell(leftOut), '');
    if (model.controls.length > 0) {
      lines.push('| Control | Title | Flows | Passed | Failed | Result |', '|---|---|---|---|---|---|');
      for (const summary of model.controls) {
        const failed = summary.counts['fail-security'] + summary.counts['fail-availability'];
        const result = summary.worst ? `${icons[summary.worst]} ${outcomeLabels[summary.worst]}` : '';
        lines.push(
          `| ${code(summary.control.id)} | ${cell(summary.control.title)} | ${summary.counts.total} | ${summary.counts.pass} | ${failed} | ${result} |`,
        );
      }
      lines.push('');
    }
  }
  lines.push(
    `<sub>gauntlet report generated ${model.generatedAt}; full evidence in report.html and results.json.</sub>`,
    '',
  );
  return bounded(lines.join('\n'));
}

/** Keeps the summary under `markdownMaxBytes`, cutting at a line and saying so. */
function bounded(text: string): string {
  if (Buffer.byteLength(text) <= markdownMaxBytes) return text;
  let cut = text.slice(0, markdownMaxBytes - 200);
  cut = cut.slice(0, cut.lastIndexOf('\n'));
  while (Buffer.byteLength(cut) > markdownMaxBytes - 200) cut = cut.slice(0, cut.lastIndexOf('\n'));
  return `${cut}\n\n…summary cut to stay under GitHub's step summary limit; see report.html.\n`;
}
