import test from 'ava';
import { checkOutcome, combineAttempts } from '../../../harness/model/check.ts';

test('expected vs actual gives the check outcome', (t) => {
  t.is(checkOutcome({ verdict: 'blocked' }, 'blocked'), 'pass');
  t.is(checkOutcome({ verdict: 'blocked' }, 'reached'), 'fail-security');
  t.is(checkOutcome({ verdict: 'reached' }, 'blocked'), 'fail-availability');
  t.is(checkOutcome({ verdict: 'reached' }, 'inconclusive'), 'inconclusive');
  t.is(checkOutcome(undefined, 'reached'), 'observed');
});

test('a flow that got through once got through, and disagreement is flaky', (t) => {
  t.deepEqual(combineAttempts(['blocked', 'reached', 'blocked']), { verdict: 'reached', flaky: true });
  t.deepEqual(combineAttempts(['blocked', 'inconclusive']), { verdict: 'blocked', flaky: false });
  t.deepEqual(combineAttempts(['inconclusive']), { verdict: 'inconclusive', flaky: false });
  t.deepEqual(combineAttempts(['reached', 'reached']), { verdict: 'reached', flaky: false });
});
