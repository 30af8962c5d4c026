// How commands find and load the catalog: `--catalog DIR`, else $GAUNTLET_CATALOG, else the folder
// gauntlet is installed in (which ships the catalog). Loading prints every problem and stops on errors.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Catalog, LoadOptions } from '../catalog/catalog.ts';
import { hasErrors, loadCatalog } from '../catalog/catalog.ts';
import type { Problem } from '../catalog/problem.ts';
import { formatProblem } from '../catalog/problem.ts';
import { GauntletError } from '../errors.ts';
import { labGroups } from '../lab/lab-cases.ts';
import type { CommandIo } from './command.ts';
import { plural } from '../text/plural.ts';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export function catalogRoot(flag: string | undefined, io: Pick<CommandIo, 'env' | 'cwd'>): string {
  return resolve(io.cwd, flag ?? io.env['GAUNTLET_CATALOG'] ?? packageRoot);
}

/** Every kernel-lab case, as expectations name them: `<group>/<case>`. */
export function labCaseIds(): string[] {
  return labGroups.flatMap((group) => group.cases.map((labCase) => `${group.id}/${labCase.id}`));
}

export function printProblems(problems: readonly Problem[], io: Pick<CommandIo, 'stderr'>): void {
  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
}

/** Loads and validates; on any error prints the problems and throws a one-line summary. */
export function requireCatalog(
  flag: string | undefined,
  io: Pick<CommandIo, 'env' | 'cwd' | 'stderr'>,
  options: LoadOptions & { showWarnings?: boolean } = {},
): Catalog {
  const root = catalogRoot(flag, io);
  const { catalog, problems } = loadCatalog(root, {
    displayBase: io.cwd,
    labCaseIds: labCaseIds(),
    ...options,
  });
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (hasErrors(problems) || !catalog) {
    printProblems(errors, io);
    throw new GauntletError(
      'GAUNTLET_INVALID_CATALOG',
      `the catalog in ${root} has ${plural(errors.length, 'error')} (listed above)`,
      'fix them, or run `gauntlet validate` for warnings too',
    );
  }
  if (options.showWarnings) printProblems(problems, io);
  return catalog;
}
