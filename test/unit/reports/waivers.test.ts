// waivers.yaml: located one-line errors, test id patterns, and expiry against an injected date.
import test from 'ava';
import { GauntletError } from '../../../harness/errors.ts';
import { testIdPatternRegExp } from '../../../harness/model/waivers.ts';
import { parseWaivers } from '../../../harness/catalog/waivers-file.ts';
import { applyWaivers } from '../../../reports/apply-waivers.ts';
import { findCheck, fixture, fixtureText } from './_fixtures.ts';

const hijack = 'calico-bpf-sidecar-cni/quitquitquit-hijack/default/hijack-to-db';
const udp = 'calico-nftables-ambient/udp-escape/default-deny/udp-to-db';

function waiverError(text: string): string {
  const error = (() => {
    try {
      parseWaivers(text, 'waivers.yaml');
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  if (!(error instanceof GauntletError)) throw new Error('expected a GauntletError');
  if (error.code !== 'GAUNTLET_WAIVERS_INVALID') throw new Error(`unexpected code ${error.code}`);
  return error.message;
}

test('the fixture waivers parse', (t) => {
  const waivers = parseWaivers(fixtureText('waivers.yaml'), 'waivers.yaml');
  t.deepEqual(
    waivers.map((waiver) => waiver.id),
    ['SEC-1042', 'NET-877', 'OPS-12'],
  );
});

test('a malformed waiver names file, line, column and path', (t) => {
  const text = [
    'waivers:',
    '  - id: A-1',
    '    test: a/b/c/d',
    '    reason: ok',
    '    approver: me',
    '    expires: 2030-01-01',
    '  - id: A-2',
    '    test: a/b/c/d',
    '    reason: ok',
    '    approver: me',
    '    expires: next tuesday',
  ].join('\n');
  t.regex(waiverError(text), /^waivers\.yaml:11:14: waivers\[1\]\.expires: must be a date YYYY-MM-DD/);
  t.regex(
    waiverError('waivers:\n  - id: A\n    test: a/b/c/d\n    reason: r\n    approver: x\n'),
    /^waivers\.yaml:2:5: waivers\[0\]\.expires: is required/,
  );
  t.regex(
    waiverError(
      'waivers:\n  - id: A\n    test: a/b\n    reason: r\n    approver: x\n    expires: 2030-01-01\n',
    ),
    /^waivers\.yaml:3:11: waivers\[0\]\.test: has 2 segments/,
  );
  t.regex(waiverError('waivers: [\n'), /^waivers\.yaml:\d+:\d+: YAML syntax error/);
  t.regex(
    waiverError(
      'waivers:\n  - id: A\n    test: a/b/c/d\n    reason: r\n    approver: x\n    expires: 2030-01-01\n    outcome: [fail-security]\n',
    ),
    /^waivers\.yaml:7:5: waivers\[0\]\.outcome: unknown key "outcome" \(did you mean "outcomes"\?\)/,
  );
});

test('patterns: * stays within a segment, ** spans segments', (t) => {
  t.true(testIdPatternRegExp('calico-bpf-*/quitquitquit-hijack/*/hijack-to-db').test(hijack));
  t.false(testIdPatternRegExp('calico-bpf-*/quitquitquit-hijack/*').test(hijack));
  t.true(testIdPatternRegExp('calico-nftables-ambient/udp-escape/**').test(udp));
  t.true(testIdPatternRegExp('**/udp-to-db').test(udp));
  t.false(testIdPatternRegExp('*/udp-escape/*/udp').test(udp));
});

test('an active waiver waives; an expired one stops waiving and says so', (t) => {
  const waivers = parseWaivers(fixtureText('waivers.yaml'), 'waivers.yaml');
  const results = fixture('new.json');
  const applied = applyWaivers(results, waivers, new Date('2026-03-16T10:00:00Z'));
  const waived = findCheck(applied.results, hijack);
  t.is(waived.outcome, 'waived');
  t.like(waived.waiver, { id: 'SEC-1042', status: 'active', waivedOutcome: 'fail-security' });
  const expired = findCheck(applied.results, udp);
  t.is(expired.outcome, 'fail-security');
  t.like(expired.waiver, { id: 'NET-877', status: 'expired', expires: '2025-12-31' });
  t.deepEqual(
    applied.expired.map(({ waiver, testIds }) => [waiver.id, testIds]),
    [['NET-877', [udp]]],
  );
  t.deepEqual(
    applied.unused.map((waiver) => waiver.id),
    ['OPS-12'],
  );

  // The last day still waives; the day after does not.
  t.is(
    findCheck(applyWaivers(results, waivers, new Date('2030-06-30T23:59:00Z')).results, hijack).outcome,
    'waived',
  );
  t.is(
    findCheck(applyWaivers(results, waivers, new Date('2030-07-01T00:00:00Z')).results, hijack).outcome,
    'fail-security',
  );
});

test('without a waivers file, recorded waivers are re-checked against the date', (t) => {
  const results = fixture('new.json');
  t.is(
    findCheck(applyWaivers(results, undefined, new Date('2026-03-16T00:00:00Z')).results, hijack).outcome,
    'waived',
  );
  const later = findCheck(applyWaivers(results, undefined, new Date('2031-01-01T00:00:00Z')).results, hijack);
  t.is(later.outcome, 'fail-security');
  t.is(later.waiver?.status, 'expired');
  // A waivers file that no longer lists it removes the waiver.
  t.is(
    findCheck(applyWaivers(results, [], new Date('2026-03-16T00:00:00Z')).results, hijack).outcome,
    'fail-security',
  );
});

test('outcomes restrict a waiver', (t) => {
  const results = fixture('new.json');
  const waivers = parseWaivers(
    `waivers:\n  - id: X\n    test: '**'\n    reason: r\n    approver: a\n    expires: 2030-01-01\n    outcomes: [fail-availability]\n`,
    'w.yaml',
  );
  const applied = applyWaivers(results, waivers, new Date('2026-03-16T00:00:00Z')).results;
  t.deepEqual(
    applied.checks.filter((check) => check.outcome === 'waived').map((check) => check.waiver?.waivedOutcome),
    ['fail-availability'],
  );
});
