// How each expectation of the catalog is known, one row each: what `gauntlet list --evidence` prints
// and what the bundled catalog's completeness test reads. Pure.
import type { Confidence } from '../model/verdict.ts';
import type { Expectation, Scenario } from '../model/scenario.ts';

export interface EvidenceRow {
  scenario: string;
  probe: string;
  /** The expectation's `when`, compactly (`mesh=ambient variant=locked`), or `always`. */
  when: string;
  expect: string;
  confidence: Confidence;
  /** Its own source, the scenario's sources, the lab cases, or nothing (a hypothesis). */
  basis: string;
}

function whenText(expectation: Expectation): string {
  const entries = Object.entries(expectation.when ?? {}).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return 'always';
  return entries
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join(' ');
}

function basisText(expectation: Expectation, scenario: Scenario): string {
  if (expectation.confidence === 'lab') return `lab: ${(expectation.lab ?? []).join(', ')}`;
  if (expectation.source) return expectation.source;
  if (expectation.confidence === 'documented' && scenario.sources.length > 0)
    return `scenario sources: ${scenario.sources[0] ?? ''}${scenario.sources.length > 1 ? ` (+${scenario.sources.length - 1})` : ''}`;
  return '-';
}

export function evidenceRows(scenarios: readonly Scenario[]): EvidenceRow[] {
  return scenarios.flatMap((scenario) =>
    scenario.probes.flatMap((probe) =>
      probe.expect.map((expectation) => ({
        scenario: scenario.id,
        probe: probe.id,
        when: whenText(expectation),
        expect: `${expectation.verdict}${expectation.by ? ` by ${expectation.by}` : ''}`,
        confidence: expectation.confidence,
        basis: basisText(expectation, scenario),
      })),
    ),
  );
}

/** How many expectations are known each way. */
export function evidenceCounts(rows: readonly EvidenceRow[]): Record<Confidence, number> {
  const counts: Record<Confidence, number> = { documented: 0, lab: 0, hypothesis: 0 };
  for (const row of rows) counts[row.confidence] += 1;
  return counts;
}
