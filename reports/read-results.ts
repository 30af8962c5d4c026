// Reads results files for `report` and `diff`: a missing or unreadable file, or one parseResults
// rejects, is a one-line GauntletError naming the file (the CLI turns it into exit 2).
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { GauntletError } from '../harness/errors.ts';
import type { Results } from '../harness/model/results.ts';
import { parseResults } from '../harness/model/results.ts';

export function readResultsFile(path: string, cwd: string): { name: string; results: Results } {
  const absolute = resolve(cwd, path);
  const name = relative(cwd, absolute) || path;
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GauntletError(
      code === 'ENOENT' ? 'GAUNTLET_NOT_FOUND' : 'GAUNTLET_RESULTS_INVALID',
      `${name}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a results.json' : (error as Error).message}`,
    );
  }
  return { name, results: parseResults(text, name) };
}
