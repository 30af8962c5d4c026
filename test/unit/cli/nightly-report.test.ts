// The nightly workflow's report job (scripts/ci/nightly-report.sh) run as GitHub runs it (`bash -e`),
// on the crafted fixtures split into one results file per matrix cell: the step summary is written
// even when checks fail, the diff against the previous night follows, and the exit code says which.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Results } from '../../../harness/model/results.ts';
import { parseResults, serializeResults } from '../../../harness/model/results.ts';
import { craftedFixtureFiles } from '../../support/result-fixtures.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(repo, 'scripts/ci/nightly-report.sh');
const files = craftedFixtureFiles();
const release = (name: 'base.json' | 'new.json'): Results => parseResults(files[name], name);

/** A workspace as the report job sees it: results/<cell>/results.json per stack, maybe previous/. */
function workspace(cells: Results | undefined, previous?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-nightly-'));
  for (const run of cells?.runs ?? []) {
    const cell = join(dir, 'results', `results-${run.environment.stack}`);
    mkdirSync(cell, { recursive: true });
    const checks = (cells?.checks ?? []).filter((check) => check.runId === run.id);
    writeFileSync(join(cell, 'results.json'), serializeResults({ ...cells!, runs: [run], checks }));
  }
  if (previous !== undefined) {
    mkdirSync(join(dir, 'previous'));
    writeFileSync(join(dir, 'previous', 'results.json'), previous);
  }
  return dir;
}

function reportJob(dir: string): { status: number | null; summary: string; output: string } {
  const summaryFile = join(dir, 'step-summary.md');
  const result = spawnSync('bash', ['-e', script], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      GAUNTLET: `${process.execPath} ${join(repo, 'bin/gauntlet.mjs')}`,
      GITHUB_STEP_SUMMARY: summaryFile,
    },
  });
  return {
    status: result.status,
    summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    output: `${result.stdout}${result.stderr}`,
  };
}

test('a failing night: the summary is written, then the diff, and the job fails', (t) => {
  const dir = workspace(release('new.json'), files['base.json']);
  const job = reportJob(dir);
  t.is(job.status, 1, job.output);
  t.regex(job.summary, /^# gauntlet: 🔴 FAILED/);
  t.regex(job.summary, /## Changes since the previous night\n\n# gauntlet diff: 🔴 security regressions/);
  t.true(existsSync(join(dir, 'report', 'report.html')));
  // The three cells were merged into one report.
  t.is(
    parseResults(readFileSync(join(dir, 'report', 'results.json'), 'utf8'), 'results.json').runs.length,
    3,
  );
});

test('a passing first night: the summary says there is nothing to compare with, and the job passes', (t) => {
  const job = reportJob(workspace(release('base.json')));
  t.is(job.status, 0, job.output);
  t.regex(job.summary, /^# gauntlet: ✅ PASSED/);
  t.regex(job.summary, /_No previous night's report to compare with\._\n$/);
});

test('unreadable results or none at all fail the job with one line', (t) => {
  const broken = workspace(undefined);
  mkdirSync(join(broken, 'results', 'results-x'), { recursive: true });
  writeFileSync(join(broken, 'results', 'results-x', 'results.json'), '{"kind": "gauntlet-results", ');
  const unreadable = reportJob(broken);
  t.is(unreadable.status, 2, unreadable.output);
  t.regex(unreadable.summary, /^gauntlet report could not read the results \(exit 2\)\n$/);
  const none = reportJob(workspace(undefined));
  t.is(none.status, 1);
  t.is(none.summary, 'no cell produced results.json\n');
});
