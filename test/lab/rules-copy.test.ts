// The product reads its own copies of Istio's rules; they must equal the reference data.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { readRules, ruleFiles } from '../../harness/lab/rules.ts';
import type { RuleSet } from '../../harness/lab/rules.ts';

for (const [set, file] of Object.entries(ruleFiles)) {
  test(`${file} is a byte-for-byte copy of ../shared/data/istio-1.30.3/${file}`, (t) => {
    const reference = readFileSync(
      new URL(`../../../shared/data/istio-1.30.3/${file}`, import.meta.url),
      'utf8',
    );
    t.is(readRules(set as RuleSet), reference);
  });
}
