// results.json: the source of truth of a run (issue 5). The run and the lab write it through
// `serializeResults`; `gauntlet report` and `gauntlet diff` read it through `parseResults`; the
// published JSON Schema (reports/results.schema.json) is generated from the same zod schema.
//
// One file holds one or more runs (one per matrix cell) and a flat list of checks, one per
// probe x variant x stack: flat lists merge and diff by test id without walking a tree.
import { z } from 'zod';
import { DestinationAnswer } from './destination-answer.ts';
import { observationOutcomes } from './observation-outcome.ts';
import { Provenance } from './provenance.ts';
import { GauntletError } from '../errors.ts';
import { destinationProtocols } from './target-port.ts';
import { Prelude, Technique } from './technique.ts';
import { AdmissionLevel, Dataplane, MeshMode } from './traits.ts';
import { CheckOutcome, Confidence, ExpectedVerdict, Layer, Verdict } from './verdict.ts';
import { plural } from '../text/plural.ts';

export const resultsKind = 'gauntlet-results';
export const resultsSchemaVersion = 1;

const Timestamp = z.iso.datetime({ offset: true });
const Duration = z.number().int().min(0);
const Name = z.string().min(1);

/** `nist-800-53r5:sc-7`, `cis-k8s-1.12:5.3.2` (the same rule as scenario.yaml `controls`). */
export const ResultControlId = z
  .string()
  .regex(/^[a-z0-9.-]+:[a-z0-9.()-]+$/, 'must be catalog:id, like nist-800-53r5:sc-7');

/** `<stack>/<scenario>/<variant>/<probe>`: stable across runs, so diffs and waivers match on it. */
export const TestId = z
  .string()
  // A matrix cell's stack id carries its versions: calico-ambient+calico-v3.31.7+istio-1.29.9.
  .regex(
    /^[a-z0-9.+-]+\/[a-z0-9-]+\/[a-z0-9-]+\/[a-z0-9-]+$/,
    'must be <stack>/<scenario>/<variant>/<probe>',
  );

export const runStatuses = ['complete', 'partial', 'broken'] as const;
export const RunStatus = z.enum(runStatuses);
export type RunStatus = z.infer<typeof RunStatus>;

export const Environment = z.object({
  /** The stack id (clusters/stacks/<id>.yaml); the one field every run knows. */
  stack: Name,
  stackTitle: z.string().optional(),
  /** The matrix cell name when the run was one cell of clusters/matrix.yaml. */
  matrixCell: z.string().optional(),
  kubernetes: z.string().optional(),
  kind: z.string().optional(),
  calico: z.object({ version: Name, dataplane: Dataplane.optional() }).optional(),
  istio: z.object({ version: Name }).optional(),
  mesh: MeshMode.optional(),
  /** Pod Security Admission level of the scenario namespaces (variants may override it). */
  admission: AdmissionLevel.optional(),
  gitCommit: z.string().optional(),
  ciUrl: z.string().optional(),
});
export type Environment = z.infer<typeof Environment>;

/** Something the run meant to do and did not: a scenario, a variant, a probe, a step. */
export const Missing = z.object({
  what: Name,
  reason: Name,
});
export type Missing = z.infer<typeof Missing>;

export const Run = z.object({
  id: Name,
  startedAt: Timestamp,
  finishedAt: Timestamp,
  gauntletVersion: Name,
  /** complete: every planned check ran. partial: some did not (see `missing`). broken: the run itself failed. */
  status: RunStatus,
  missing: z.array(Missing).default([]),
  /** Why the run broke, one line. */
  error: z.string().optional(),
  /** Scenarios selected but not applicable to the stack (not failures, not missing). */
  skipped: z.array(z.object({ scenario: Name, reason: Name })).default([]),
  environment: Environment,
  /**
   * Artifacts the run downloaded with nothing to verify them against (no sha256 pinned, no published
   * checksum), allowed only by --allow-unpinned-downloads: the evidence rests on them.
   */
  unverifiedDownloads: z.array(Name).default([]),
  /** Where the evidence came from; absent in files written before it was recorded (see provenanceOf). */
  provenance: Provenance.optional(),
});
export type Run = z.infer<typeof Run>;
export type RunInput = z.input<typeof Run>;

/** What a probe saw, raw (../shared/DESIGN.md "Observation"); kept independent of the agent's wire format. */
export { observationOutcomes };
export const ObservationOutcome = z.enum(observationOutcomes);
export type ObservationOutcome = z.infer<typeof ObservationOutcome>;

/** Free-form evidence: the peer the destination saw, an HTTP status and server, errno, stderr. */
const Detail = z.record(z.string(), z.unknown());

export const Observation = z.object({
  outcome: ObservationOutcome,
  detail: Detail.default({}),
  durationMs: Duration.optional(),
});
export type Observation = z.infer<typeof Observation>;

export const Attempt = z.object({
  attempt: z.number().int().min(1),
  startedAt: Timestamp,
  durationMs: Duration,
  outcome: ObservationOutcome,
  verdict: Verdict,
  layer: Layer.optional(),
  reason: z.string(),
  detail: Detail.optional(),
});
export type Attempt = z.infer<typeof Attempt>;

export const CheckExpectation = z.object({
  verdict: ExpectedVerdict,
  by: Layer.optional(),
  why: z.string().optional(),
  confidence: Confidence.default('documented'),
  /** The upstream doc or source backing the expectation. */
  source: z.string().optional(),
  /** confidence lab: the kernel-lab cases that show it. */
  lab: z.array(z.string()).optional(),
});
export type CheckExpectation = z.infer<typeof CheckExpectation>;

/** Outcomes a waiver can cover (a pass needs no waiver; an observed flow is not judged). */
export const WaivableOutcome = z.enum(['fail-security', 'fail-availability', 'inconclusive']);
export type WaivableOutcome = z.infer<typeof WaivableOutcome>;

export const AppliedWaiver = z.object({
  id: Name,
  /** The waivers.yaml test id pattern that matched. */
  pattern: Name,
  reason: Name,
  approver: Name,
  expires: z.iso.date(),
  /** active: the check is reported `waived`. expired: it is not, and the report says so. */
  status: z.enum(['active', 'expired']),
  /** The outcome the waiver covers (or would have covered, when expired). */
  waivedOutcome: WaivableOutcome,
});
export type AppliedWaiver = z.infer<typeof AppliedWaiver>;

export const Check = z.object({
  testId: TestId,
  runId: Name,
  stack: Name,
  scenario: Name,
  scenarioTitle: z.string().default(''),
  variant: Name,
  probe: Name,
  probeTitle: z.string().optional(),
  technique: Technique,
  preludes: z.array(Prelude).default([]),
  source: z.object({
    workload: Name,
    namespace: z.string().optional(),
    pod: z.string().optional(),
    serviceAccount: z.string().optional(),
    /** The node the source pod ran on. */
    node: z.string().optional(),
    capabilities: z.array(z.string()).default([]),
    runAsUser: z.number().int().min(0).optional(),
    /** In the mesh, opted out of it, or outside it (scenario.yaml `mesh`). */
    mesh: z.string().optional(),
  }),
  destination: z.object({
    workload: Name,
    /** Where the probe was sent: an IP or a DNS name. */
    address: z.string().optional(),
    /** Absent for icmp and ip-protocol, which address a host, not a port. */
    port: z.number().int().min(0).max(65535).optional(),
    protocol: z.enum(destinationProtocols),
    /** ip-protocol: the IP protocol number sent (the destination's `serve.ipProtocol`). */
    ipProtocol: z.number().int().min(1).max(255).optional(),
    /** How the destination was reached: a Service, a pod IP, a builtin target, outside the cluster. */
    via: z.string().optional(),
    /** The node the destination pod ran on (a pod of the scenario): with source.node, same-node or cross-node. */
    node: z.string().optional(),
  }),
  /** Absent when no expectation matched this stack and variant (outcome `observed`). */
  expectation: CheckExpectation.optional(),
  /** The observation that decided the verdict (the last attempt's, or the first that reached). */
  observation: Observation,
  verdict: Verdict,
  layer: Layer.optional(),
  reason: z.string(),
  /**
   * What the destination itself said: every reached check carries it (a gauntlet echo's identity,
   * or the protocol answer of a server that is not ours); absent on blocked and inconclusive ones.
   */
  answer: DestinationAnswer.optional(),
  attempts: z.array(Attempt).default([]),
  /** Attempts disagreed (reached and blocked): shown, never hidden. */
  flaky: z.boolean().default(false),
  outcome: CheckOutcome,
  waiver: AppliedWaiver.optional(),
  controls: z.array(ResultControlId).default([]),
  /** Diagnostics files, relative to the results file's folder. */
  diagnostics: z.array(z.string()).default([]),
  startedAt: Timestamp,
  durationMs: Duration,
});
export type Check = z.infer<typeof Check>;
export type CheckInput = z.input<typeof Check>;

export const Results = z.object({
  schemaVersion: z.literal(resultsSchemaVersion),
  kind: z.literal(resultsKind),
  runs: z.array(Run).min(1),
  checks: z.array(Check),
});
export type Results = z.infer<typeof Results>;
export type ResultsInput = z.input<typeof Results>;

/** The published JSON Schema of results.json (reports/results.schema.json is this, written out). */
export function resultsJsonSchema(): Record<string, unknown> {
  return {
    title: 'gauntlet results (results.json)',
    ...z.toJSONSchema(Results, { io: 'input', unrepresentable: 'any' }),
  };
}

/** One issue's path as people write it: `checks[3].attempts[0].verdict`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(top level)' : text;
}

function invalid(file: string, problem: string, fix?: string): GauntletError {
  return new GauntletError('GAUNTLET_RESULTS_INVALID', `${file}: ${problem}`, fix);
}

function jsonProblem(error: unknown, text: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (text.trim() === '') return 'empty file, not gauntlet results';
  // V8 says "Unexpected end of JSON input", or names a position at the very end of the text.
  const position = /at position (\d+)/.exec(message)?.[1];
  if (
    /end of JSON input/i.test(message) ||
    (position !== undefined && Number(position) >= text.trimEnd().length)
  )
    return `truncated JSON (${message}); was the run interrupted while writing it?`;
  return `not valid JSON: ${message}`;
}

/**
 * Parses a results.json. Throws a GauntletError (GAUNTLET_RESULTS_INVALID) with one line naming the
 * file and the problem: truncated JSON, a foreign file, a future schemaVersion, a wrong field.
 */
export function parseResults(text: string, file: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalid(file, jsonProblem(error, text));
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw invalid(file, `not a gauntlet results file (expected an object with kind: ${resultsKind})`);
  const record = data as Record<string, unknown>;
  if (record['kind'] !== resultsKind)
    throw invalid(
      file,
      `not a gauntlet results file (kind is ${record['kind'] === undefined ? 'missing' : JSON.stringify(record['kind'])}, expected "${resultsKind}")`,
    );
  const version = record['schemaVersion'];
  if (typeof version === 'number' && Number.isInteger(version) && version > resultsSchemaVersion)
    throw invalid(
      file,
      `schemaVersion ${version} is newer than this gauntlet reads (${resultsSchemaVersion})`,
      'upgrade gauntlet to read it',
    );
  const parsed = Results.safeParse(data);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const more = rest.length > 0 ? ` (and ${plural(rest.length, 'more problem')})` : '';
    throw invalid(file, `${formatIssuePath(first?.path ?? [])}: ${first?.message ?? 'invalid'}${more}`);
  }
  const results = parsed.data;
  const seen = new Map<string, number>();
  for (const [index, check] of results.checks.entries()) {
    const expected = `${check.stack}/${check.scenario}/${check.variant}/${check.probe}`;
    if (check.testId !== expected)
      throw invalid(
        file,
        `checks[${index}].testId: "${check.testId}" does not match its fields (${expected})`,
      );
    const previous = seen.get(check.testId);
    if (previous !== undefined)
      throw invalid(file, `checks[${index}].testId: "${check.testId}" repeats checks[${previous}]`);
    seen.set(check.testId, index);
  }
  return results;
}

/** A results document for one run (what `gauntlet run` and `gauntlet lab` write). */
export function buildResults(run: RunInput, checks: readonly CheckInput[]): Results {
  return Results.parse({ schemaVersion: resultsSchemaVersion, kind: resultsKind, runs: [run], checks });
}

/** Sorts the keys of free-form records (detail) so the same evidence always serialises the same. */
function sortedRecord(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedRecord);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    out[key] = sortedRecord((value as Record<string, unknown>)[key]);
  return out;
}

/** Whether `sortedRecord` would leave the value as it is: every record's keys already in order. */
function isSortedRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!isSortedRecord(item)) return false;
    return true;
  }
  let previous: string | undefined;
  // for-in enumerates own keys in the order JSON.stringify writes them (plain records have no others).
  for (const key in value) {
    if (previous !== undefined && key < previous) return false;
    previous = key;
    if (!isSortedRecord((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

const checkKeys = Object.keys(Check.shape);
const checkKeyIndex = new Map(checkKeys.map((key, index) => [key, index]));

/** A check with its keys in schema order and its free-form detail records sorted. */
function canonicalCheck(check: Check): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of checkKeys) {
    const value = (check as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  out['observation'] = { ...check.observation, detail: sortedRecord(check.observation.detail) };
  if (check.attempts.some((attempt) => attempt.detail))
    out['attempts'] = check.attempts.map((attempt) =>
      attempt.detail ? { ...attempt, detail: sortedRecord(attempt.detail) } : attempt,
    );
  return out;
}

/**
 * Whether the check already is its canonical form: schema keys only, in schema order, detail records
 * sorted (what parseResults and the writers produce). Then it is written as it is, without a copy.
 */
function isCanonical(check: Check): boolean {
  let last = -1;
  for (const key in check) {
    const index = checkKeyIndex.get(key);
    if (index === undefined || index < last) return false;
    last = index;
  }
  if (!isSortedRecord(check.observation.detail)) return false;
  for (const attempt of check.attempts)
    if (attempt.detail !== undefined && !isSortedRecord(attempt.detail)) return false;
  return true;
}

/**
 * Checks per joined chunk: each check's line dies young, and a chunk (hundreds of kilobytes) lands in
 * V8's large-object space, which no scavenge copies; joining 100,000 lines at once promoted every one.
 */
const checksPerChunk = 256;

/** The checks' lines, `    {...}` each, joined by `,\n` in chunks of `checksPerChunk`. */
function checkChunks(checks: readonly Check[]): string[] {
  const chunks: string[] = [];
  let lines: string[] = [];
  for (const check of checks) {
    lines.push(JSON.stringify(isCanonical(check) ? check : canonicalCheck(check)));
    if (lines.length === checksPerChunk) {
      chunks.push(`    ${lines.join(',\n    ')}`);
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(`    ${lines.join(',\n    ')}`);
  return chunks;
}

/**
 * results.json text: validated (a writer can never produce a file the reader rejects; pass
 * `validate: false` only for results that came out of parseResults), keys in schema order, free-form
 * detail records sorted, runs pretty-printed and one check per line (diff-friendly, and fast for
 * 100,000 checks), newline-terminated.
 */
export function serializeResults(results: ResultsInput, options: { validate?: boolean } = {}): string {
  let data: Results;
  if (options.validate === false) data = results as Results;
  else {
    const parsed = Results.safeParse(results);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new Error(
        `serializeResults: invalid results at ${formatIssuePath(first?.path ?? [])}: ${first?.message ?? 'invalid'}`,
      );
    }
    data = parsed.data;
  }
  const runs = JSON.stringify(data.runs, null, 2).replace(/\n/g, '\n  ');
  const head = [
    '{',
    `  "schemaVersion": ${JSON.stringify(data.schemaVersion)},`,
    `  "kind": ${JSON.stringify(data.kind)},`,
    `  "runs": ${runs},`,
  ].join('\n');
  if (data.checks.length === 0) return `${head}\n  "checks": []\n}\n`;
  // One join of the whole text: the chunks are copied once.
  const parts = [`${head}\n  "checks": [\n`];
  for (const chunk of checkChunks(data.checks)) {
    if (parts.length > 1) parts.push(',\n');
    parts.push(chunk);
  }
  parts.push('\n  ]\n}\n');
  return parts.join('');
}

/** The worst status among runs: broken beats partial beats complete. */
export function worstStatus(statuses: readonly RunStatus[]): RunStatus {
  if (statuses.includes('broken')) return 'broken';
  if (statuses.includes('partial')) return 'partial';
  return 'complete';
}

/**
 * Merges results files (one per matrix cell) into one. Runs are kept side by side; checks are
 * concatenated. The same test id in two inputs (the same cell twice) is an error naming both,
 * since a report cannot say which of them is true.
 */
export function mergeResults(list: readonly Results[], names?: readonly string[]): Results {
  if (list.length === 0) throw new Error('mergeResults: nothing to merge');
  const runs: Run[] = [];
  const runIds = new Set<string>();
  const checks: Check[] = [];
  const owner = new Map<string, number>();
  for (const [index, results] of list.entries()) {
    const name = names?.[index] ?? `results #${index + 1}`;
    for (const run of results.runs) {
      if (runIds.has(run.id)) continue; // the same run merged twice through an earlier report
      runIds.add(run.id);
      runs.push(run);
    }
    for (const check of results.checks) {
      const first = owner.get(check.testId);
      if (first !== undefined) {
        const other = names?.[first] ?? `results #${first + 1}`;
        throw new GauntletError(
          'GAUNTLET_RESULTS_INVALID',
          `${name}: test id ${check.testId} is also in ${other}; each matrix cell may appear once`,
          'pass one results file per stack',
        );
      }
      owner.set(check.testId, index);
      checks.push(check);
    }
  }
  return { schemaVersion: resultsSchemaVersion, kind: resultsKind, runs, checks };
}
