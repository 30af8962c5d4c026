// The CLI as a user meets it: help, one-line errors with did-you-mean, validate's output and exit codes.
import test from 'ava';
import { runGauntlet } from '../../support/cli.ts';
import { copyCatalog, fixtureCatalog } from '../../support/fixture-catalog.ts';

test('--help lists every command', async (t) => {
  const result = await runGauntlet(['--help']);
  t.is(result.exitCode, 0);
  for (const command of ['validate', 'list', 'plan'])
    t.regex(result.stdout, new RegExp(`^  ${command} `, 'm'));
});

test('an unknown command suggests the closest and exits 2 without a stack trace', async (t) => {
  const result = await runGauntlet(['valdate']);
  t.is(result.exitCode, 2);
  t.is(
    result.stderr,
    'error: gauntlet: unknown command "valdate" (did you mean "validate"?) (run `gauntlet --help` for the list)\n',
  );
});

test('an unknown flag suggests the closest', async (t) => {
  const result = await runGauntlet(['validate', '--catlog', fixtureCatalog]);
  t.is(result.exitCode, 2);
  t.regex(result.stderr, /^error: gauntlet validate: unknown flag --catlog \(did you mean "--catalog"\?\)/);
});

test('validate on a valid catalog exits 0 and says what it checked', async (t) => {
  const result = await runGauntlet(['validate', '--catalog', fixtureCatalog]);
  t.is(result.exitCode, 0);
  t.is(result.stdout, 'valid: 0 errors, 0 warnings (1 scenarios, 3 stacks, 6 matrix cells)\n');
});

test('validate prints one line per problem and exits 1', async (t) => {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/scenario.yaml', (text) =>
    text.replace('technique: dns', 'technique: dnss'),
  );
  copy.edit('clusters/stacks/calico-nomesh.yaml', (text) =>
    text.replace('admission: restricted', 'admission: strict'),
  );
  const result = await runGauntlet(['validate', '--catalog', copy.root], { cwd: copy.root });
  t.is(result.exitCode, 1);
  t.deepEqual(result.stdout.trim().split('\n'), [
    'clusters/stacks/calico-nomesh.yaml:6:12: admission: the string "strict" is not allowed: one of privileged, baseline, restricted',
    'scenarios/udp-escape/scenario.yaml:25:16: probes[1].technique: the string "dnss" is not allowed (did you mean "dns"?)',
    'invalid: 2 errors, 0 warnings (0 scenarios, 2 stacks, 5 matrix cells)',
  ]);
});

test('validate PATH reports only that path', async (t) => {
  const copy = copyCatalog(t);
  copy.edit('clusters/stacks/calico-nomesh.yaml', (text) =>
    text.replace('admission: restricted', 'admission: strict'),
  );
  const result = await runGauntlet(['validate', '--catalog', copy.root, 'scenarios/udp-escape'], {
    cwd: copy.root,
  });
  t.is(result.exitCode, 0);
  t.regex(result.stdout, /^valid: 0 errors/);
  const missing = await runGauntlet(['validate', '--catalog', copy.root, 'scenarios/nope'], {
    cwd: copy.root,
  });
  t.is(missing.exitCode, 2);
  t.is(missing.stderr, 'error: gauntlet validate: scenarios/nope does not exist\n');
});

test('other commands validate first and stop with the problems', async (t) => {
  const copy = copyCatalog(t);
  copy.edit('scenarios/udp-escape/scenario.yaml', (text) =>
    text.replace('technique: dns', 'technique: dnss'),
  );
  const result = await runGauntlet(['list', '--catalog', copy.root], { cwd: copy.root });
  t.is(result.exitCode, 2);
  t.deepEqual(result.stderr.trim().split('\n'), [
    'scenarios/udp-escape/scenario.yaml:25:16: probes[1].technique: the string "dnss" is not allowed (did you mean "dns"?)',
    `error: the catalog in ${copy.root} has 1 error (listed above) (fix them, or run \`gauntlet validate\` for warnings too)`,
  ]);
});

test('list shows scenarios, stacks and matrix cells', async (t) => {
  const result = await runGauntlet(['list', '--catalog', fixtureCatalog]);
  t.is(result.exitCode, 0);
  t.regex(result.stdout, /^udp-escape\s+open,locked\s+2\s+2\/3\s+UDP leaves a meshed pod/m);
  t.regex(result.stdout, /^calico-nomesh\s+v1\.36\.1\s+v3\.32\.1\s+nftables\s+none\s+-\s+restricted$/m);
  t.regex(result.stdout, /nightly matrix \(6 cells\):\n {2}calico-ambient\n/);
  t.regex(result.stdout, /calico-ambient\+calico-v3\.31\.7\+istio-1\.29\.4/);
});

test('list --evidence prints every expectation with how it is known, then the counts', async (t) => {
  const result = await runGauntlet(['list', '--evidence', '--catalog', fixtureCatalog]);
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /^SCENARIO\s+PROBE\s+WHEN\s+EXPECT\s+KNOWN\s+BASIS$/m);
  t.regex(
    result.stdout,
    /^udp-escape\s+udp-out\s+variant=open\s+reached\s+documented\s+scenario sources: https:\/\/istio\.io\//m,
  );
  t.regex(result.stdout, /\n3 expectations: 3 documented, 0 shown in the lab, 0 hypotheses\n$/);
});
