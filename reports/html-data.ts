// The compact data block report.html embeds: every flow, small enough that 100,000 flows stay
// under 5 MB. Strings are interned once; a flow's fixed parts (scenario, probe, source,
// destination, controls) are stored once per probe definition; each check is a row of integers.
// The page's script decodes it (reports/html-script.ts); the layout is described there too.
import type { ProvenanceKind } from '../harness/model/provenance.ts';
import { provenanceWords } from '../harness/model/provenance.ts';
import type { Check } from '../harness/model/results.ts';
import type { CheckOutcome, Layer, Verdict } from '../harness/model/verdict.ts';
import { checkOutcomes, layers, verdicts } from '../harness/model/verdict.ts';
import { checkProvenance, provenanceKinds } from './provenance-summary.ts';
import type { ReportModel } from './summary-model.ts';
import {
  destinationText,
  protocolText,
  evidenceLines,
  expectedText,
  fieldsText,
  outcomeSeverity,
  severityRank,
} from './summary-model.ts';

/** Integers per flow definition: scenario, variant, probe, technique, source, destination, controls. */
export const flowWidth = 7;
/**
 * Integers per check: flow, source, outcome, verdict*8+layer, expectation, reason, observation,
 * durationMs, extra, answer (string 0, the empty string, when the flow did not reach).
 */
export const rowWidth = 10;
/** Integers per source (one run's flows on one stack): stack, provenance kind, the run's provenance. */
export const sourceWidth = 3;

export interface HtmlData {
  strings: string[];
  outcomes: readonly CheckOutcome[];
  verdicts: readonly Verdict[];
  layers: readonly Layer[];
  /** Every provenance kind and its badge (`provenanceWords`). */
  kinds: readonly ProvenanceKind[];
  badges: string[];
  stacks: number[];
  sources: number[];
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

/** `attacker (uid 0, +NET_RAW)`: who sent the flow (no array per check: 100,000 of them). */
function sourceText(check: Check): string {
  const { source } = check;
  const uid = source.runAsUser !== undefined ? `uid ${source.runAsUser}` : '';
  const capabilities = source.capabilities.length > 0 ? `+${source.capabilities.join(',')}` : '';
  const extras = uid && capabilities ? `${uid}, ${capabilities}` : uid || capabilities;
  return extras ? `${source.workload} (${extras})` : source.workload;
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

/** One flow definition's distinguishing texts and its index in `flows`. */
interface FlowDefinition {
  technique: string;
  source: string;
  destination: string;
  controls: string;
  index: number;
}

/** The map under `key`, made when missing. */
function nested<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

/** Regressions first (the list opens on what needs attention), otherwise in their order. */
function bySeverity(checks: readonly Check[]): Check[] {
  const buckets: Check[][] = outcomeSeverity.map(() => []);
  for (const check of checks) buckets[severityRank[check.outcome]]?.push(check);
  return ([] as Check[]).concat(...buckets);
}

export function buildHtmlData(model: ReportModel): HtmlData {
  const strings = new Interner();
  strings.id(''); // 0: no answer, no expectation
  // scenario → variant → probe → the flow definitions seen with those names: looked up by the raw
  // names, not one long key string per check (hashing 100,000 of those was most of this function).
  const flowIndex = new Map<string, Map<string, Map<string, FlowDefinition[]>>>();
  let flowCount = 0;
  const flows: number[] = [];
  const rows: number[] = [];
  const extras: number[] = [];
  const stackIndex = new Map(model.stacks.map((stack, index) => [stack, index]));
  const kindIndex = new Map(provenanceKinds.map((kind, index) => [kind, index]));
  const sources: number[] = [];
  const sourceIndex = new Map<string, Map<string, number>>();
  let last: { runId: string; stack: string; index: number } | undefined;
  const sourceOf = (check: Check): number => {
    // Checks come run by run: most are the previous check's source.
    if (last?.runId === check.runId && last.stack === check.stack) return last.index;
    let byStack = sourceIndex.get(check.runId);
    if (!byStack) sourceIndex.set(check.runId, (byStack = new Map()));
    let found = byStack.get(check.stack);
    if (found === undefined) {
      found = sources.length / sourceWidth;
      byStack.set(check.stack, found);
      const evidence = checkProvenance(model.provenance, check);
      sources.push(
        stackIndex.get(check.stack) ?? 0,
        kindIndex.get(evidence.kind) ?? 0,
        strings.id(evidence.description),
      );
    }
    last = { runId: check.runId, stack: check.stack, index: found };
    return found;
  };
  const outcomeIndex = new Map(checkOutcomes.map((outcome, index) => [outcome, index]));
  const verdictIndex = new Map(verdicts.map((verdict, index) => [verdict, index]));
  const layerIndex = new Map(layers.map((layer, index) => [layer, index + 1]));
  for (const check of bySeverity(model.checks)) {
    const source = sourceText(check);
    const destination = `${destinationText(check)}/${protocolText(check)}`;
    const controls = check.controls.join(' ');
    const definitions = nested(nested(flowIndex, check.scenario), check.variant);
    let candidates = definitions.get(check.probe);
    if (!candidates) definitions.set(check.probe, (candidates = []));
    let flow = candidates.find(
      (candidate) =>
        candidate.technique === check.technique &&
        candidate.source === source &&
        candidate.destination === destination &&
        candidate.controls === controls,
    )?.index;
    if (flow === undefined) {
      flow = flowCount++;
      candidates.push({ technique: check.technique, source, destination, controls, index: flow });
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
      sourceOf(check),
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
    kinds: provenanceKinds,
    badges: provenanceKinds.map((kind) => provenanceWords[kind].badge),
    stacks: model.stacks.map((stack) => strings.id(stack)),
    sources,
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
