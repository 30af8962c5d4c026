// Shared helpers for the report tests: the crafted fixtures, parsed, and small check builders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Provenance } from '../../../harness/model/provenance.ts';
import type { Check, Results } from '../../../harness/model/results.ts';
import { mergeResults, parseResults } from '../../../harness/model/results.ts';

export const fixtureDir = fileURLToPath(new URL('../../fixtures/results/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(`${fixtureDir}${name}`, 'utf8');
}

export function fixture(name: 'base.json' | 'new.json' | 'lab.json'): Results {
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

/** The cells of one Markdown table row, by the table's column titles. */
export function markdownRow(markdown: string, header: string, rowStart: string): Record<string, string> {
  const lines = markdown.split('\n');
  const cells = (line: string) =>
    line
      .slice(2, -2)
      .split(/(?<!\\) \| /)
      .map((text) => text.trim());
  const titles = cells(lines.find((line) => line.startsWith(header)) ?? '');
  const row = lines.find((line) => line.startsWith(rowStart));
  if (!row || titles.length === 0) throw new Error(`no row ${rowStart} under ${header}`);
  return Object.fromEntries(cells(row).map((text, index) => [titles[index], text]));
}

/** new.json and lab.json in one report: kind-cluster and kernel-lab evidence side by side. */
export function mixedResults(): Results {
  return mergeResults([fixture('new.json'), fixture('lab.json')], ['new.json', 'lab.json']);
}

/** `results` as if every run (or the runs `only` names) had been made with `provenance`. */
export function withProvenance(results: Results, provenance: Provenance, only?: readonly string[]): Results {
  return {
    ...results,
    runs: results.runs.map((run) => (!only || only.includes(run.id) ? { ...run, provenance } : run)),
  };
}

/** A cluster the user named (gauntlet run --context, say). */
export const userCluster: Provenance = {
  kind: 'user-cluster',
  context: 'staging',
  apiServer: 'https://10.20.0.1:6443',
  kubernetes: 'v1.36.1',
};
