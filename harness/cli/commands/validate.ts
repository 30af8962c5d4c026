// `gauntlet validate [PATH...]`: checks scenarios, stacks, matrix and versions, printing one line per
// problem as file:line:col: path: message. Exit 1 on any error.
import { relative, resolve } from 'node:path';
import { loadCatalog } from '../../catalog/catalog.ts';
import { formatProblem } from '../../catalog/problem.ts';
import { GauntletError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { catalogRoot, labCaseIds } from '../catalog-access.ts';
import { parseFlags } from '../flags.ts';
import { existsSync } from 'node:fs';
import { plural } from '../../text/plural.ts';

const usage = `Usage: gauntlet validate [PATH...] [--catalog DIR] [--quiet]

Checks scenario folders, stack files, clusters/matrix.yaml and clusters/versions.yaml (default: the
whole catalog) and prints one line per problem: file:line:col: path.to.field: message.
PATH may be a scenario folder, a scenario.yaml, a stack file or a folder holding them.
Exits 1 when any error is found; warnings alone exit 0.

  --catalog DIR   the catalog root (holding clusters/ and scenarios/); default: gauntlet's own
  --quiet         print errors only`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check scenarios, stacks, matrix and versions; one line per problem',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      'validate',
      argv,
      { catalog: { type: 'string' }, quiet: { type: 'boolean' } },
      { positionals: true },
    );
    const root = catalogRoot(values.catalog, io);
    const paths = positionals.map((path) => resolve(io.cwd, path));
    for (const [index, path] of paths.entries()) {
      if (!existsSync(path))
        throw new GauntletError(
          'GAUNTLET_NOT_FOUND',
          `gauntlet validate: ${positionals[index]} does not exist`,
        );
    }
    const outside = paths.filter((path) => relative(root, path).startsWith('..'));
    const { catalog, problems } = loadCatalog(root, {
      extraScenarioDirs: outside,
      displayBase: io.cwd,
      labCaseIds: labCaseIds(),
    });
    const selected = problems.filter((problem) => {
      if (values.quiet && problem.severity === 'warning') return false;
      if (paths.length === 0) return true;
      const file = resolve(io.cwd, problem.file);
      return paths.some((path) => file === path || file.startsWith(`${path}/`));
    });
    for (const problem of selected) io.stdout.write(`${formatProblem(problem)}\n`);
    const errors = selected.filter((problem) => problem.severity === 'error').length;
    const warnings = selected.length - errors;
    const counts = catalog
      ? `${catalog.scenarios.size} scenarios, ${catalog.stacks.size} stacks, ${catalog.matrixStacks.length} matrix cells`
      : 'catalog not loaded';
    io.stdout.write(
      `${errors === 0 ? 'valid' : 'invalid'}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')} (${counts})\n`,
    );
    return errors === 0 ? 0 : 1;
  },
};
