// What the e2e tier demands of a finished `gauntlet run --out DIR`, as a list of problems (empty when
// the run is good). Kept apart from the e2e test so the unit tier checks these rules here, where no
// kind cluster can run: a run whose results the reports cannot read, a partial or broken run, a run
// of another stack, no checks, or inconclusive flows on a healthy cluster.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GauntletError } from '../../harness/errors.ts';
import { parseResults } from '../../harness/model/results.ts';

export function runOutputProblems(dir: string, stack: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'results.json'), 'utf8');
  } catch (error) {
    return [`no results.json in ${dir}: ${(error as Error).message}`];
  }
  let results;
  try {
    // The same parser `gauntlet report` uses: a file the reports cannot read is a failed run.
    results = parseResults(text, 'results.json');
  } catch (error) {
    return [error instanceof GauntletError ? error.oneLine() : (error as Error).message];
  }
  const problems: string[] = [];
  for (const run of results.runs) {
    if (run.environment.stack !== stack)
      problems.push(`run ${run.id} is of stack ${run.environment.stack}, not ${stack}`);
    if (run.status !== 'complete')
      problems.push(
        `run ${run.id} is ${run.status}${run.error ? `: ${run.error}` : ''}${run.missing.length > 0 ? `; missing ${run.missing.map((item) => item.what).join(', ')}` : ''}`,
      );
  }
  if (results.runs.length !== 1) problems.push(`expected one run, found ${results.runs.length}`);
  if (results.checks.length === 0) problems.push('no flow was judged');
  const inconclusive = results.checks.filter((check) => check.outcome === 'inconclusive');
  if (inconclusive.length > 0)
    problems.push(
      `inconclusive on a healthy cluster: ${inconclusive.map((check) => `${check.testId} (${check.reason})`).join('; ')}`,
    );
  return problems;
}
