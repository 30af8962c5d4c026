// Which versions an expectation's `when.istio` / `when.calico` selects. A selector is a prefix
// ("1.29" selects 1.29.4; "v3.31" selects v3.31.7) or one or more comparisons joined by spaces
// (">=1.29.0 <1.29.9" selects the 1.29 releases before a fix), so a fix shipped in a patch release
// is one expectation each side of it, and a diff across the upgrade shows the change.
import { z } from 'zod';

const comparators = ['<=', '>=', '<', '>'] as const;
type Comparator = (typeof comparators)[number];

const number = String.raw`\d+(\.\d+){0,2}`;
const comparison = String.raw`(<=|>=|<|>)`;

/** The text of a selector, with `v` before the numbers (Calico) or without (Istio). */
export function versionSelector(prefix: '' | 'v') {
  const version = `${prefix}${number}`;
  const pattern = new RegExp(`^(${version}|${comparison}${version}( ${comparison}${version})*)$`);
  const example = `${prefix}1.29 or >=${prefix}1.29.0 <${prefix}1.29.9`;
  return z.string().regex(pattern, `must be a version prefix or comparisons like ${example}`);
}

/** The numeric parts of a version ("v3.31.7" -> [3, 31, 7]; "1.30.5-distroless" -> [1, 30, 5]). */
function parts(version: string): number[] | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!match) return undefined;
  return [match[1], match[2], match[3]].map((part) => Number(part ?? 0));
}

/** Orders two versions by their numeric parts ("1.30.3" < "1.30.5" < "1.31"); unreadable ones first. */
export function compareVersions(a: string, b: string): number {
  return compare(parts(a) ?? [], parts(b) ?? []);
}

function compare(left: number[], right: number[]): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function comparisonHolds(comparator: Comparator, order: number): boolean {
  switch (comparator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

/** Whether `version` (a stack's or a discovered cluster's) is one the selector names. */
export function versionSelected(selector: string, version: string | undefined): boolean {
  if (version === undefined) return false;
  const comparator = comparators.find((candidate) => selector.startsWith(candidate));
  if (comparator === undefined) return version === selector || version.startsWith(`${selector}.`);
  const actual = parts(version);
  if (actual === undefined) return false;
  return selector.split(' ').every((term) => {
    const termComparator = comparators.find((candidate) => term.startsWith(candidate));
    const bound = termComparator === undefined ? undefined : parts(term.slice(termComparator.length));
    return (
      termComparator !== undefined &&
      bound !== undefined &&
      comparisonHolds(termComparator, compare(actual, bound))
    );
  });
}
