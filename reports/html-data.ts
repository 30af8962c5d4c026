// The compact data block report.html embeds: every flow, small enough that 100,000 flows stay
// under 5 MB. Strings are interned once; a flow's fixed parts (scenario, probe, source,
// destination, controls) are stored once per probe definition; each check is a row of integers.
// The page's script decodes it (reports/html-script.ts); the layout is described there too.
import type { Check } from '../harness/model/results.ts';
import type { CheckOutcome, Layer, Verdict } from '../harness/model/verdict.ts';
import { checkOutcomes, layers, verdicts } from '../harness/model/verdict.ts';
import type { ReportModel } from './summary-model.ts';
import {
  destinationText,
  evidenceLines,
  expectedText,
  fieldsText,
  outcomeSeverity,
} from './summary-model.ts';

/** Integers per flow definition: scenario, variant, probe, technique, source, destination, controls. */
export const flowWidth = 7;
/**
 * Integers per check: flow, stack, outcome, verdict*8+layer, expectation, reason, observation,
 * durationMs, extra, answer (string 0, the empty string, when the flow did not reach).
 */
export const rowWidth = 10;

export interface HtmlData {
  strings: string[];
  outcomes: readonly CheckOutcome[];
  verdicts: readonly Verdict[];
  layers: readonly Layer[];
  stacks: number[];
  flows: number[];
  rows: number[];
  /** Full evidence lines for flows worth a closer look (not a plain pass), by index. */
  extras: number[];
}

class Interner {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  id(text: string): number {
    let found = this.index.get(text);
    if (found === undefined) {
      found = this.strings.length;
      this.strings.push(text);
      this.index.set(text, found);
    }
    return found;
  }
}

function sourceText(check: Check): string {
  const { source } = check;
  const extras = [
    source.runAsUser !== undefined ? `uid ${source.runAsUser}` : '',
    source.capabilities.length > 0 ? `+${source.capabilities.join(',')}` : '',
  ].filter(Boolean);
  return `${source.workload}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
}

function observationText(check: Check): string {
  const detail = fieldsText(check.observation.detail);
  return `${check.observation.outcome}${detail ? `: ${detail}` : ''}`;
}

/** Who answered (`ReportModel.answers`), then the answer's kind and fields, split by \u0001. */
function answerData(check: Check, text: string): string {
  return check.answer ? `${text}\u0001${fieldsText(check.answer)}` : text;
}

function needsExtra(check: Check): boolean {
  return (
    check.outcome !== 'pass' ||
    check.flaky ||
    check.attempts.length > 1 ||
    check.diagnostics.length > 0 ||
    check.waiver !== undefined
  );
}

export function buildHtmlData(model: ReportModel): HtmlData {
  const strings = new Interner();
  strings.id(''); // 0: no answer, no expectation
  const flowIndex = new Map<string, number>();
  const flows: number[] = [];
  const rows: number[] = [];
  const extras: number[] = [];
  const stackIndex = new Map(model.stacks.map((stack, index) => [stack, index]));
  const outcomeIndex = new Map(checkOutcomes.map((outcome, index) => [outcome, index]));
  const verdictIndex = new Map(verdicts.map((verdict, index) => [verdict, index]));
  const layerIndex = new Map(layers.map((layer, index) => [layer, index + 1]));
  // Regressions first: the list opens on what needs attention.
  const rank = new Map(outcomeSeverity.map((outcome, index) => [outcome, index]));
  const ordered = [...model.checks].sort((a, b) => (rank.get(a.outcome) ?? 0) - (rank.get(b.outcome) ?? 0));
  for (const check of ordered) {
    const source = sourceText(check);
    const destination = `${destinationText(check)}/${check.destination.protocol}`;
    const controls = check.controls.join(' ');
    const flowKey = `${check.scenario}/${check.variant}/${check.probe}\u0000${check.technique}\u0000${source}\u0000${destination}\u0000${controls}`;
    let flow = flowIndex.get(flowKey);
    if (flow === undefined) {
      flow = flowIndex.size;
      flowIndex.set(flowKey, flow);
      flows.push(
        strings.id(check.scenario),
        strings.id(check.variant),
        strings.id(check.probe),
        strings.id(
          check.preludes.length > 0
            ? `${check.technique} after ${check.preludes.join(', ')}`
            : check.technique,
        ),
        strings.id(source),
        strings.id(destination),
        strings.id(controls),
      );
    }
    const expectation = check.expectation
      ? `${expectedText(check)}\u0001${check.expectation.why ?? ''}\u0001${check.expectation.confidence}`
      : '';
    const answer = model.answers.get(check);
    let extra = -1;
    if (needsExtra(check)) {
      extra = extras.length;
      extras.push(strings.id(evidenceLines(check).join('\n')));
    }
    rows.push(
      flow,
      stackIndex.get(check.stack) ?? 0,
      outcomeIndex.get(check.outcome) ?? 0,
      (verdictIndex.get(check.verdict) ?? 0) * 8 + (check.layer ? (layerIndex.get(check.layer) ?? 0) : 0),
      strings.id(expectation),
      strings.id(check.reason),
      strings.id(observationText(check)),
      check.durationMs,
      extra,
      answer === undefined ? 0 : strings.id(answerData(check, answer)),
    );
  }
  return {
    strings: strings.strings,
    outcomes: checkOutcomes,
    verdicts,
    layers,
    stacks: model.stacks.map((stack) => strings.id(stack)),
    flows,
    rows,
    extras,
  };
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
