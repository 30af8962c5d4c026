// Resolves `--stack ID` against the stack files and the expanded matrix (ids like
// `calico-ambient+calico-v3.31.7+istio-1.29.4`), and `--scenario` ids against the catalog.
import type { Catalog } from '../catalog/catalog.ts';
import { GauntletError } from '../errors.ts';
import type { Stack } from '../model/stack.ts';
import { didYouMean } from '../text/suggest.ts';

export function allStacks(catalog: Catalog): Map<string, Stack> {
  const stacks = new Map(catalog.stacks);
  for (const stack of catalog.matrixStacks) stacks.set(stack.id, stack);
  return stacks;
}

export function chooseStack(catalog: Catalog, command: string, id: string | undefined): Stack {
  const stacks = allStacks(catalog);
  if (id === undefined)
    throw new GauntletError(
      'GAUNTLET_USAGE',
      `gauntlet ${command}: --stack is required`,
      `one of: ${[...catalog.stacks.keys()].join(', ')}`,
    );
  const stack = stacks.get(id);
  if (!stack)
    throw new GauntletError(
      'GAUNTLET_NOT_FOUND',
      `gauntlet ${command}: unknown stack "${id}"${didYouMean(id, stacks.keys())}`,
      'run `gauntlet list` to see stacks and matrix cells',
    );
  return stack;
}

export function chooseScenarios(
  catalog: Catalog,
  command: string,
  ids: readonly string[] | undefined,
): string[] | undefined {
  if (!ids || ids.length === 0) return undefined;
  const flat = ids.flatMap((id) => id.split(',')).filter((id) => id !== '');
  for (const id of flat) {
    if (!catalog.scenarios.has(id))
      throw new GauntletError(
        'GAUNTLET_NOT_FOUND',
        `gauntlet ${command}: unknown scenario "${id}"${didYouMean(id, catalog.scenarios.keys())}`,
        'run `gauntlet list` to see scenarios',
      );
  }
  return [...new Set(flat)];
}
