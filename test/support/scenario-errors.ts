// One scenario, written to a throwaway folder and loaded as the catalog loads it: its errors.
// For catalog tests that state a whole scenario.yaml in the test.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../harness/catalog/load-scenario.ts';
import type { Problem } from '../../harness/catalog/problem.ts';

/** The error problems of `scenario.yaml` with `text`, in a folder `id` (removed when the test ends). */
export function scenarioErrors(t: { teardown(fn: () => void): void }, id: string, text: string): Problem[] {
  const root = mkdtempSync(join(tmpdir(), `gauntlet-${id}-`));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'scenario.yaml'), text);
  return loadScenario(dir, root).problems.filter((problem) => problem.severity === 'error');
}

/** `path: message`, as most catalog tests compare errors. */
export const pathAndMessage = (problem: Problem): string => `${problem.path}: ${problem.message}`;
