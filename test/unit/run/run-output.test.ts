// The e2e tier's demands on a finished run (test/support/run-output.ts), checked here on crafted
// results, since the e2e tier itself needs a kind cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ResultsInput } from '../../../harness/model/results.ts';
import { serializeResults } from '../../../harness/model/results.ts';
import { craftedResults } from '../../support/result-fixtures.ts';
import { runOutputProblems } from '../../support/run-output.ts';

const stack = 'calico-iptables-sidecar';

/** One stack's run out of the crafted base results, changed by `edit`. */
function runDir(edit: (results: ResultsInput) => void = () => undefined, text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-run-output-'));
  const base = craftedResults('base');
  const results: ResultsInput = {
    ...base,
    runs: base.runs.filter((run) => run.environment.stack === stack),
    checks: base.checks.filter((check) => check.stack === stack),
  };
  edit(results);
  writeFileSync(join(dir, 'results.json'), text ?? serializeResults(results));
  return dir;
}

test('a complete run of the stack with judged flows has no problems', (t) => {
  t.deepEqual(runOutputProblems(runDir(), stack), []);
});

test('what fails the e2e tier', (t) => {
  t.regex(
    runOutputProblems(mkdtempSync(join(tmpdir(), 'gauntlet-empty-')), stack)[0] ?? '',
    /^no results\.json in /,
  );
  t.regex(
    runOutputProblems(runDir(undefined, '{"kind":"gauntlet-results"'), stack)[0] ?? '',
    /truncated JSON/,
  );
  t.deepEqual(runOutputProblems(runDir(), 'calico-ambient'), [
    `run ${craftedResults('base').runs[0]?.id} is of stack ${stack}, not calico-ambient`,
  ]);
  const partial = runDir((results) => {
    const run = results.runs[0]!;
    run.status = 'partial';
    run.missing = [{ what: 'scenario udp-escape', reason: 'never ready' }];
  });
  t.regex(runOutputProblems(partial, stack)[0] ?? '', /is partial; missing scenario udp-escape$/);
  t.deepEqual(
    runOutputProblems(
      runDir((results) => (results.checks = [])),
      stack,
    ),
    ['no flow was judged'],
  );
  const inconclusive = runDir((results) => {
    const check = results.checks[0]!;
    check.outcome = 'inconclusive';
    check.verdict = 'inconclusive';
    check.reason = 'exec lost';
  });
  t.regex(
    runOutputProblems(inconclusive, stack)[0] ?? '',
    /^inconclusive on a healthy cluster: .*\(exec lost\)$/,
  );
});
