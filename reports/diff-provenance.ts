// Whether two results may be diffed flow by flow (issue 12). A diff says a flow changed between two
// runs of the same cell; a kernel-lab run and a cluster run are never the same cell (the lab tests
// gauntlet's techniques on one machine), nor are a throwaway kind cluster and a cluster the user named
// (two different systems). `gauntlet diff` refuses such a pair unless told --across-provenance. Pure.
import type { ProvenanceKind } from '../harness/model/provenance.ts';
import type { ProvenanceSummary, RunProvenance } from './provenance-summary.ts';

/** What each kind's flows are about, for the line that refuses to compare two of them. */
const evidenceAbout: Record<ProvenanceKind, string> = {
  'kernel-lab': 'gauntlet’s techniques on one machine',
  'kind-cluster': 'a throwaway kind cluster gauntlet created',
  'user-cluster': 'a cluster the user named',
};

export interface ProvenanceClash {
  base: RunProvenance;
  new: RunProvenance;
}

/**
 * The first pair of runs whose evidence differs in kind: a test id both sides hold from runs of
 * different kinds (`matched`), or else a kind one side holds and the other does not. Undefined when
 * both sides hold the same kinds and every matched flow compares like with like.
 */
export function provenanceClash(
  base: ProvenanceSummary,
  next: ProvenanceSummary,
  matched: ProvenanceClash | undefined,
): ProvenanceClash | undefined {
  if (matched) return matched;
  const kindsOf = (summary: ProvenanceSummary) => new Set(summary.kinds.map((count) => count.kind));
  const before = kindsOf(base);
  const after = kindsOf(next);
  const onlyBefore = [...base.byRun.values()].find((run) => !after.has(run.kind));
  const onlyAfter = [...next.byRun.values()].find((run) => !before.has(run.kind));
  if (!onlyBefore && !onlyAfter) return undefined;
  const first = (summary: ProvenanceSummary) => [...summary.byRun.values()][0];
  const baseRun = onlyBefore ?? first(base);
  const newRun = onlyAfter ?? first(next);
  return baseRun && newRun ? { base: baseRun, new: newRun } : undefined;
}

/** Both sides and their kinds, in one line: `BASE is kernel-lab evidence (…), NEW kind-cluster evidence (…)`. */
export function clashSides(clash: ProvenanceClash, baseName: string, newName: string): string {
  return `${baseName} is ${clash.base.kind} evidence (${clash.base.description}), ${newName} ${clash.new.kind} evidence (${clash.new.description})`;
}

/** Why the two cannot be one cell. */
export function clashReason(clash: ProvenanceClash): string {
  return `evidence about ${evidenceAbout[clash.base.kind]} is not evidence about ${evidenceAbout[clash.new.kind]}, so no flow of one is the same cell as a flow of the other`;
}
