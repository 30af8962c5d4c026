// Small text helpers every command's messages use.
import test from 'ava';
import { displayPath } from '../../../harness/text/display-path.ts';
import { plural } from '../../../harness/text/plural.ts';

test('plural: one noun, many nouns, an irregular plural', (t) => {
  t.is(plural(1, 'flow'), '1 flow');
  t.is(plural(0, 'flow'), '0 flows');
  t.is(plural(2, 'security regression'), '2 security regressions');
  t.is(plural(3, 'failure counts', 'failures count'), '3 failures count');
});

test('displayPath: relative under the working directory, absolute elsewhere', (t) => {
  t.is(displayPath('/work/main', '/work/main/results/r1/report.html'), 'results/r1/report.html');
  t.is(displayPath('/work/main', '/tmp/r/report.html'), '/tmp/r/report.html');
  t.is(displayPath('/work/main', '/work/main'), '/work/main');
  t.is(displayPath('/work/main', '/work/main-other/x'), '/work/main-other/x');
});
