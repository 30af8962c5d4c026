// results.json: the fixtures parse, bad input fails with one line naming the file and the problem,
// serialisation is stable, merge refuses a matrix cell twice, and the published schema is current.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { GauntletError } from '../../../harness/errors.ts';
import { provenanceOf } from '../../../harness/model/provenance.ts';
import { mergeResults, parseResults, serializeResults } from '../../../harness/model/results.ts';
import { resultsSchemaPath, resultsSchemaText } from '../../../reports/write-results-schema.ts';
import { craftedFixtureFiles } from '../../support/result-fixtures.ts';
import { fixture, fixtureText } from './_fixtures.ts';

function problem(text: string): string {
  try {
    parseResults(text, 'results.json');
  } catch (error) {
    if (error instanceof GauntletError) {
      if (error.code !== 'GAUNTLET_RESULTS_INVALID') throw new Error(`unexpected code ${error.code}`);
      return error.oneLine();
    }
    throw error;
  }
  throw new Error('parsed without error');
}

test('the crafted fixtures parse and hold what the issue asks for', (t) => {
  const base = fixture('base.json');
  const next = fixture('new.json');
  t.is(base.runs.length, 3);
  const outcomes = next.checks.map((check) => check.outcome);
  t.is(outcomes.filter((outcome) => outcome === 'fail-security').length, 1);
  t.is(outcomes.filter((outcome) => outcome === 'fail-availability').length, 1);
  t.is(outcomes.filter((outcome) => outcome === 'waived').length, 1);
});

test('every reached check of the fixtures carries the destination answer but one, as older results have it', (t) => {
  const reached = [...fixture('base.json').checks, ...fixture('new.json').checks].filter(
    (check) => check.verdict === 'reached',
  );
  t.deepEqual(
    reached.filter((check) => !check.answer).map((check) => check.testId),
    ['calico-bpf-sidecar-cni/quitquitquit-hijack/default/hijack-to-db'],
  );
  const answers = reached.flatMap((check) => (check.answer ? [check.answer] : []));
  t.deepEqual([...new Set(answers.map((answer) => answer.kind))].sort(), [
    'dns',
    'echo',
    'http',
    'postgres',
    'syn-ack',
    'tls',
  ]);
  t.true(
    answers.some((answer) => answer.kind === 'echo' && answer.crossedProxy === true),
    'an echo through a proxy',
  );
  t.true(
    answers.some((answer) => answer.kind === 'tls' && answer.subject === 'kube-apiserver'),
    'the API server',
  );
  t.false(
    [...fixture('base.json').checks, ...fixture('new.json').checks].some(
      (check) => check.verdict !== 'reached' && check.answer,
    ),
    'blocked and inconclusive checks carry no answer',
  );
});

test('the fixtures record where their evidence came from: kind clusters (one older run inferred) and the kernel lab', (t) => {
  const kinds = (name: 'base.json' | 'new.json' | 'lab.json') =>
    fixture(name).runs.map((run) => [
      run.environment.stack,
      run.provenance?.kind ?? 'none',
      provenanceOf(run).kind,
    ]);
  t.deepEqual(kinds('base.json'), [
    ['calico-iptables-sidecar', 'kind-cluster', 'kind-cluster'],
    ['calico-bpf-sidecar-cni', 'kind-cluster', 'kind-cluster'],
    ['calico-nftables-ambient', 'none', 'kind-cluster'],
  ]);
  t.true(kinds('new.json').every(([, recorded]) => recorded === 'kind-cluster'));
  t.deepEqual(kinds('lab.json'), [
    ['lab-sidecar', 'kernel-lab', 'kernel-lab'],
    ['lab-ambient', 'kernel-lab', 'kernel-lab'],
  ]);
  const lab = fixture('lab.json');
  t.true(lab.checks.every((check) => lab.runs.some((run) => run.id === check.runId)));
  t.deepEqual(
    fixture('new.json').runs.map((run) => run.unverifiedDownloads.length),
    [0, 2, 0],
  );
});

test('the committed fixtures are what `npm run fixtures` writes', (t) => {
  for (const [name, text] of Object.entries(craftedFixtureFiles()))
    t.is(fixtureText(name), text, `${name} is stale: run npm run fixtures`);
});

test('a truncated file says truncated and names the file', (t) => {
  const text = fixtureText('new.json');
  t.regex(problem(text.slice(0, 4000)), /^results\.json: truncated JSON \(/);
  t.regex(problem(''), /^results\.json: empty file/);
});

test('a foreign file is not gauntlet results', (t) => {
  t.regex(
    problem('{"apiVersion": "v1", "kind": "Pod"}'),
    /^results\.json: not a gauntlet results file \(kind is "Pod"/,
  );
  t.regex(problem('[1, 2]'), /^results\.json: not a gauntlet results file/);
  t.regex(problem('{"a": 1} x'), /^results\.json: not valid JSON: /);
});

test('a future schemaVersion asks for a newer gauntlet', (t) => {
  const data = JSON.parse(fixtureText('new.json')) as Record<string, unknown>;
  data['schemaVersion'] = 2;
  t.is(
    problem(JSON.stringify(data)),
    'results.json: schemaVersion 2 is newer than this gauntlet reads (1) (upgrade gauntlet to read it)',
  );
});

test('a field of the wrong type is named by its path', (t) => {
  const data = JSON.parse(fixtureText('new.json')) as { checks: Record<string, unknown>[] };
  (data.checks[3] as { attempts: Record<string, unknown>[] }).attempts[0]!['verdict'] = 'maybe';
  t.regex(problem(JSON.stringify(data)), /^results\.json: checks\[3\]\.attempts\[0\]\.verdict: /);
  const renamed = JSON.parse(fixtureText('new.json')) as { checks: Record<string, unknown>[] };
  renamed.checks[1]!['probe'] = 'other-probe';
  t.regex(
    problem(JSON.stringify(renamed)),
    /^results\.json: checks\[1\]\.testId: ".*" does not match its fields/,
  );
  const twice = JSON.parse(fixtureText('new.json')) as { checks: unknown[] };
  twice.checks.push(twice.checks[0]);
  t.regex(problem(JSON.stringify(twice)), /checks\[29\]\.testId: ".*" repeats checks\[0\]/);
});

test('serialisation is stable: parse and serialise again gives the same text', (t) => {
  const text = fixtureText('new.json');
  t.is(serializeResults(parseResults(text, 'new.json')), text);
  t.is(serializeResults(parseResults(text, 'new.json'), { validate: false }), text);
  t.throws(() => serializeResults({ schemaVersion: 1, kind: 'gauntlet-results', runs: [], checks: [] }), {
    message: /serializeResults: invalid results at runs/,
  });
});

test('a check in any key order, with unsorted detail, serialises as its canonical line', (t) => {
  const text = fixtureText('new.json');
  const parsed = parseResults(text, 'new.json');
  /** The same record with its keys in reverse order, all the way down (a free-form detail record). */
  const reversed = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reversed);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reversed(item)]),
    );
  };
  // The check's own keys and its detail records reversed (the writer orders those two, nothing else).
  const shuffled = parsed.checks.map((check, index) => {
    const copy: Record<string, unknown> = Object.fromEntries(Object.entries(check).reverse());
    copy['observation'] = { ...check.observation, detail: reversed(check.observation.detail) };
    copy['attempts'] = check.attempts.map((attempt) =>
      attempt.detail ? { ...attempt, detail: reversed(attempt.detail) } : attempt,
    );
    // A field the schema does not know is not written; detail is sorted as JavaScript orders keys.
    if (index === 0) copy['note'] = 'not in the schema';
    if (index === 1)
      copy['observation'] = { ...check.observation, detail: { b: 1, '10': 2, '9': [{ z: 1, a: 2 }] } };
    return copy;
  });
  const written = serializeResults(
    { ...parsed, checks: shuffled as typeof parsed.checks },
    { validate: false },
  );
  const lines = written.split('\n');
  const original = text.split('\n');
  t.is(lines.length, original.length);
  const differing = lines.flatMap((line, index) => (line === original[index] ? [] : [index]));
  // Only the check whose detail was replaced differs, and it is written sorted.
  t.is(differing.length, 1);
  t.regex(lines[differing[0]!]!, /"detail":\{"9":\[\{"a":2,"z":1\}\],"10":2,"b":1\}/);
  t.false(written.includes('not in the schema'));
});

test('merge keeps every run and refuses the same matrix cell twice', (t) => {
  const base = fixture('base.json');
  const split = mergeResults([
    {
      ...base,
      runs: base.runs.slice(0, 1),
      checks: base.checks.filter((check) => check.runId === base.runs[0]?.id),
    },
    {
      ...base,
      runs: base.runs.slice(1),
      checks: base.checks.filter((check) => check.runId !== base.runs[0]?.id),
    },
  ]);
  t.is(split.runs.length, 3);
  t.is(split.checks.length, base.checks.length);
  const error = t.throws(() => mergeResults([base, fixture('new.json')], ['base.json', 'new.json']));
  t.regex(error.message, /^new\.json: test id .* is also in base\.json/);
});

test('reports/results.schema.json is current and accepts the fixtures', (t) => {
  t.is(
    readFileSync(resultsSchemaPath, 'utf8'),
    resultsSchemaText(),
    'run: node --import tsx reports/write-results-schema.ts',
  );
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(resultsSchemaText()) as object);
  t.true(validate(JSON.parse(fixtureText('new.json'))), JSON.stringify(validate.errors));
  t.false(validate({ schemaVersion: 1, kind: 'gauntlet-results', runs: [], checks: [] }));
});
