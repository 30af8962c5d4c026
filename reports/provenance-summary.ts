// Where a report's evidence came from (issue 12), worked out once for every writer: each run's
// provenance (as recorded, or inferred for files written before it was, harness/model/provenance.ts),
// how many runs and flows each kind holds, the one sentence a report's header says about them, and
// the downloads a run used with nothing to verify them. The kernel lab, a throwaway kind cluster and
// a cluster the user named must never read as one another.
import type { Provenance, ProvenanceKind } from '../harness/model/provenance.ts';
import { describeProvenance, provenanceOf, provenanceWords } from '../harness/model/provenance.ts';
import type { Check, Results, Run } from '../harness/model/results.ts';
import { plural } from '../harness/text/plural.ts';

/** Every kind, in the order reports list them (provenanceWords is exhaustive over the union). */
export const provenanceKinds = Object.keys(provenanceWords) as ProvenanceKind[];

/**
 * Whether a kind's flows are evidence about a system's controls. The kernel lab tests gauntlet's own
 * techniques in network namespaces on one machine: it evidences no control of any system.
 */
export const evidencesControls: Record<ProvenanceKind, boolean> = {
  'kernel-lab': false,
  'kind-cluster': true,
  'user-cluster': true,
};

export interface RunProvenance {
  provenance: Provenance;
  kind: ProvenanceKind;
  /** The short word for the kind (`provenanceWords`), for badges and columns. */
  badge: string;
  /** `describeProvenance`, and for an older file that it was inferred. */
  description: string;
}

export interface KindCount {
  kind: ProvenanceKind;
  runs: number;
  flows: number;
}

export interface ProvenanceSummary {
  /** By run id; a check whose run id names no run gets its own entry, inferred from its stack. */
  byRun: ReadonlyMap<string, RunProvenance>;
  /** The kinds present, in `provenanceKinds` order. */
  kinds: KindCount[];
  /** The kinds each stack's runs and flows came from. */
  stackKinds: ReadonlyMap<string, ProvenanceKind[]>;
  /** What the whole report holds, in one or two sentences (a header says it). */
  sentence: string;
}

const inferredNote = 'inferred from the stack: the file predates recorded provenance';

function entryOf(provenance: Provenance, inferred: boolean): RunProvenance {
  return {
    provenance,
    kind: provenance.kind,
    badge: provenanceWords[provenance.kind].badge,
    description: `${describeProvenance(provenance)}${inferred ? ` (${inferredNote})` : ''}`,
  };
}

/** A check whose run id names no run: inferred from its stack, as for an older file. */
function inferredFromStack(stack: string): RunProvenance {
  return entryOf(provenanceOf({ environment: { stack } }), true);
}

export function runProvenance(run: Run): RunProvenance {
  return entryOf(provenanceOf(run), run.provenance === undefined);
}

/** The sentence a report's header says: one kind, or the mix with its counts. */
export function provenanceSentence(kinds: readonly KindCount[]): string {
  const [only] = kinds;
  if (!only) return 'These results record no run, so nothing here says where any evidence came from.';
  if (kinds.length === 1)
    return `Every flow below was ${provenanceWords[only.kind].sentence}; each is judged against its scenario’s expectation.`;
  const parts = kinds.map(
    (count) =>
      `${plural(count.flows, 'flow')} (${plural(count.runs, 'run')}) ${provenanceWords[count.kind].sentence}`,
  );
  return `This report mixes evidence from ${kinds.length} kinds: ${parts.join('; ')}. Each run and flow below names its kind.`;
}

export function summarizeProvenance(results: Pick<Results, 'runs' | 'checks'>): ProvenanceSummary {
  const byRun = new Map<string, RunProvenance>();
  const runs = new Map<ProvenanceKind, number>();
  const flows = new Map<ProvenanceKind, number>();
  const stackKinds = new Map<string, Set<ProvenanceKind>>();
  const note = (stack: string, kind: ProvenanceKind) => {
    const set = stackKinds.get(stack);
    if (set) set.add(kind);
    else stackKinds.set(stack, new Set([kind]));
  };
  for (const run of results.runs) {
    const source = runProvenance(run);
    byRun.set(run.id, source);
    runs.set(source.kind, (runs.get(source.kind) ?? 0) + 1);
    note(run.environment.stack, source.kind);
  }
  let previous: Check | undefined;
  for (const check of results.checks) {
    // Checks come in runs: skip the lookups while the run and stack stay the same.
    if (previous?.runId === check.runId && previous.stack === check.stack) {
      const kind = byRun.get(check.runId)!.kind;
      flows.set(kind, (flows.get(kind) ?? 0) + 1);
      continue;
    }
    previous = check;
    let source = byRun.get(check.runId);
    if (!source) {
      source = inferredFromStack(check.stack);
      byRun.set(check.runId, source);
      runs.set(source.kind, (runs.get(source.kind) ?? 0) + 1);
    }
    flows.set(source.kind, (flows.get(source.kind) ?? 0) + 1);
    note(check.stack, source.kind);
  }
  const kinds = provenanceKinds
    .filter((kind) => runs.has(kind))
    .map((kind) => ({ kind, runs: runs.get(kind) ?? 0, flows: flows.get(kind) ?? 0 }));
  return {
    byRun,
    kinds,
    stackKinds: new Map(
      [...stackKinds].map(([stack, set]) => [stack, provenanceKinds.filter((kind) => set.has(kind))]),
    ),
    sentence: provenanceSentence(kinds),
  };
}

/** Where one check's evidence came from: its run's. */
export function checkProvenance(summary: ProvenanceSummary, check: Check): RunProvenance {
  return summary.byRun.get(check.runId) ?? inferredFromStack(check.stack);
}

/**
 * The warning a run carries when it used downloads nothing verified (allowed only by
 * --allow-unpinned-downloads): its evidence rests on them. Undefined for a run that used none.
 */
export function unverifiedWarning(run: Run): string | undefined {
  const list = run.unverifiedDownloads;
  if (list.length === 0) return undefined;
  return `run ${run.id} on ${run.environment.stack} used ${plural(list.length, 'download')} nothing verified (allowed by --allow-unpinned-downloads): ${list.join(', ')}; its evidence rests on ${list.length === 1 ? 'it' : 'them'}`;
}

/** What a controls table says of the flows it leaves out (the kernel lab's), or undefined. */
export function controlsNote(summary: ProvenanceSummary): string | undefined {
  const left = summary.kinds.filter((count) => !evidencesControls[count.kind] && count.flows > 0);
  if (left.length === 0) return undefined;
  return `${left.map((count) => `${plural(count.flows, 'flow')} from the ${provenanceWords[count.kind].badge}`).join(' and ')} evidence no control of any system and are not counted here.`;
}
