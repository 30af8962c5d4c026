import test from 'ava';
import { versionSelected, versionSelector } from '../../../harness/model/version-selector.ts';
import { whenMatches } from '../../../harness/model/expectation.ts';
import { When } from '../../../harness/model/scenario.ts';
import type { StackTraits } from '../../../harness/model/traits.ts';

test('comparisons select the releases on one side of a fix', (t) => {
  const beforeFix = '>=1.29.0 <1.29.9';
  t.true(versionSelected(beforeFix, '1.29.0'));
  t.true(versionSelected(beforeFix, '1.29.8'));
  t.false(versionSelected(beforeFix, '1.29.9'));
  t.false(versionSelected(beforeFix, '1.28.12'));
  t.false(versionSelected(beforeFix, '1.30.5'));
  t.true(versionSelected('>=1.30.7', '1.30.7'));
  t.true(versionSelected('>=1.30.7', '1.31.0'));
  t.false(versionSelected('>=1.30.7', '1.30.6'));
  t.true(versionSelected('<1.30', '1.29.9'));
  t.false(versionSelected('<1.30', '1.30.0'));
  t.true(versionSelected('<=1.30.5', '1.30.5'));
  t.true(versionSelected('>1.30.5', '1.30.6'));
  t.false(versionSelected('>1.30.5', '1.30.5'));
  t.true(versionSelected('<v3.32', 'v3.31.7'), 'Calico versions carry their v');
  t.true(versionSelected('>=1.30.5', '1.30.5-distroless'), 'a suffix after the numbers is ignored');
  t.false(versionSelected('>=1.30.5', undefined));
  t.false(versionSelected('>=1.30.5', 'latest'), 'a version without numbers is selected by nothing');
});

test('the schema takes prefixes and comparisons and refuses anything else with what it expects', (t) => {
  const istio = versionSelector('');
  for (const good of ['1', '1.29', '1.29.9', '<1.29.9', '>=1.29.0 <1.29.9', '<=1.30', '>1'])
    t.true(istio.safeParse(good).success, good);
  for (const bad of ['v1.29', '1.29.x', '=>1.29', '>= 1.29', '<1.29.9 ', '~1.29', '1.29.9.1']) {
    const result = istio.safeParse(bad);
    t.false(result.success, bad);
    t.regex(result.error?.issues[0]?.message ?? '', />=1\.29\.0 <1\.29\.9/);
  }
  t.true(versionSelector('v').safeParse('>=v3.31.0 <v3.32').success);
  t.false(versionSelector('v').safeParse('>=3.31').success, 'Calico versions need their v');
  t.true(When.safeParse({ istio: ['<1.29.9', '>=1.30.0 <1.30.7'] }).success);
});

const traits: StackTraits = {
  stack: 'calico-sidecar',
  mesh: 'sidecar',
  dataplane: 'iptables',
  admission: 'privileged',
  calico: 'v3.32.1',
  istio: '1.30.5',
  kubernetes: 'v1.35.5',
};

test('when.istio comparisons decide which expectation a stack gets', (t) => {
  t.true(whenMatches({ istio: '<1.30.7' }, traits, 'open'));
  t.false(whenMatches({ istio: '>=1.30.7' }, traits, 'open'));
  t.true(whenMatches({ istio: ['>=1.31', '>=1.30.0 <1.30.7'] }, traits, 'open'), 'any listed selector');
  t.false(whenMatches({ calico: '<v3.32' }, traits, 'open'));
  const { calico: _calico, ...withoutCalico } = traits;
  t.false(
    whenMatches({ calico: '<v3.32' }, withoutCalico, 'open'),
    'an unknown Calico version matches nothing',
  );
});
