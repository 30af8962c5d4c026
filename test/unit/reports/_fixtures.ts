// Shared helpers for the report tests: the crafted fixtures, parsed, and small check builders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Check, Results } from '../../../harness/model/results.ts';
import { parseResults } from '../../../harness/model/results.ts';

export const fixtureDir = fileURLToPath(new URL('../../fixtures/results/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${fixtureDir}${name}`, 'utf8');
}

export function fixture(name: 'base.json' | 'new.json'): Results {
  return parseResults(fixtureText(name), name);
}

export function findCheck(results: Results, testId: string): Check {
  const check = results.checks.find((candidate) => candidate.testId === testId);
  if (!check) throw new Error(`fixture has no ${testId}`);
  return check;
}

/** A copy of `check` on another test id and verdict, for crafted diff pairs. */
export function variantOf(check: Check, changes: Partial<Check>): Check {
  return { ...check, ...changes };
}
