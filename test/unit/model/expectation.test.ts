import test from 'ava';
import { matchExpectation, whenMatches } from '../../../harness/model/expectation.ts';
import { versionSelected } from '../../../harness/model/version-selector.ts';
import { Expectation } from '../../../harness/model/scenario.ts';
import type { StackTraits } from '../../../harness/model/traits.ts';

const ambient: StackTraits = {
  stack: 'calico-ambient',
  mesh: 'ambient',
  dataplane: 'iptables',
  admission: 'baseline',
  calico: 'v3.32.1',
  istio: '1.30.3',
  kubernetes: 'v1.36.1',
};
const sidecar: StackTraits = { ...ambient, stack: 'calico-sidecar', mesh: 'sidecar' };
const noMesh: StackTraits = { ...ambient, stack: 'calico-nomesh', mesh: 'none', istio: undefined as never };

const expectations = [
  { when: { variant: 'locked' }, verdict: 'blocked', by: 'network-policy' },
  { when: { mesh: ['sidecar', 'sidecar-cni'] }, verdict: 'blocked', by: 'mesh-l4' },
  { when: { istio: '1.29' }, verdict: 'blocked' },
  { verdict: 'reached', why: 'nothing stops it' },
].map((expectation) => Expectation.parse(expectation));

test('expectations match in order and the first match decides', (t) => {
  t.is(matchExpectation(expectations, sidecar, 'locked')?.index, 0);
  t.is(matchExpectation(expectations, sidecar, 'open')?.index, 1);
  t.is(matchExpectation(expectations, ambient, 'open')?.index, 3);
});

test('no matching expectation means observed (undefined)', (t) => {
  t.is(matchExpectation(expectations.slice(0, 2), ambient, 'open'), undefined);
});

test('every key of when must match', (t) => {
  const when = { variant: 'open', mesh: 'ambient' as const };
  t.true(whenMatches(when, ambient, 'open'));
  t.false(whenMatches(when, sidecar, 'open'));
  t.false(whenMatches(when, ambient, 'locked'));
});

test('version prefixes match at component boundaries only', (t) => {
  t.true(versionSelected('1.29', '1.29.4'));
  t.true(versionSelected('1.29.4', '1.29.4'));
  t.false(versionSelected('1.2', '1.29.4'));
  t.false(versionSelected('1.29', undefined));
  t.true(whenMatches({ calico: 'v3.32' }, ambient, 'open'));
  t.false(whenMatches({ calico: ['v3.31'] }, ambient, 'open'));
  t.false(whenMatches({ istio: '1.30' }, noMesh, 'open'), 'a stack without Istio matches no istio prefix');
});

test('`by` is only accepted with verdict blocked', (t) => {
  const result = Expectation.safeParse({ verdict: 'reached', by: 'mesh-l7' });
  t.false(result.success);
  t.deepEqual(result.error?.issues[0]?.path, ['by']);
});
