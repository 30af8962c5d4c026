// `gauntlet report` and `gauntlet diff` as a user runs them on the fixtures: the files they write,
// their exit codes, and one-line errors for bad input (exit 2).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runGauntlet } from '../../support/cli.ts';
import { fixtureDir, fixtureText } from './_fixtures.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gauntlet-report-'));
}

test('report writes every format and exits 1 on failures', async (t) => {
  const out = tempDir();
  const result = await runGauntlet(['report', 'new.json', '--out', out, '--waivers', 'waivers.yaml'], {
    cwd: fixtureDir,
  });
  t.is(result.exitCode, 1, result.stderr);
  t.regex(
    result.stdout,
    /^FAILED: 29 flows: 23 passed, 1 security regression, 1 availability regression, 1 waived, 3 observed\n/,
  );
  t.regex(result.stderr, /warning: waiver NET-877 expired 2025-12-31; 1 failure counts? again/);
  for (const file of [
    'results.json',
    'junit.xml',
    'summary.md',
    'report.html',
    'oscal-assessment-results.json',
  ])
    t.true(readFileSync(join(out, file), 'utf8').length > 100, file);
  t.regex(readFileSync(join(out, 'report.html'), 'utf8'), /^<!doctype html>/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  t.notRegex(html, /src="https?:|<link|@import|url\(https?:/, 'no external assets');
});

test('report on base.json passes', async (t) => {
  const out = tempDir();
  const result = await runGauntlet(['report', 'base.json', '--out', out], { cwd: fixtureDir });
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /^PASSED: /);
});

test('report over a partial run says what is missing and is not green', async (t) => {
  const dir = tempDir();
  const data = JSON.parse(fixtureText('base.json')) as { runs: Record<string, unknown>[] };
  data.runs[0]!['status'] = 'partial';
  data.runs[0]!['missing'] = [
    { what: 'scenario udp-escape variant default-deny', reason: 'namespace never became ready' },
  ];
  writeFileSync(join(dir, 'partial.json'), JSON.stringify(data));
  const result = await runGauntlet(['report', 'partial.json', '--out', join(dir, 'out')], { cwd: dir });
  t.is(result.exitCode, 1);
  t.regex(
    result.stderr,
    /warning: missing on calico-iptables-sidecar: scenario udp-escape variant default-deny \(namespace never became ready\)/,
  );
  t.regex(readFileSync(join(dir, 'out', 'summary.md'), 'utf8'), /INCOMPLETE[\s\S]*## Not a complete picture/);
});

test('bad input: one line naming the file, exit 2', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'cut.json'), fixtureText('new.json').slice(0, 2000));
  writeFileSync(join(dir, 'pod.json'), '{"kind":"Pod"}');
  writeFileSync(
    join(dir, 'future.json'),
    fixtureText('new.json').replace('"schemaVersion": 1', '"schemaVersion": 3'),
  );
  writeFileSync(
    join(dir, 'bad-waivers.yaml'),
    'waivers:\n  - id: X\n    test: a/b/c/d\n    reason: r\n    approver: a\n    expires: soon\n',
  );
  const cases: [string[], RegExp][] = [
    [['report', 'cut.json', '--out', 'o'], /^error: cut\.json: truncated JSON/],
    [['report', 'pod.json', '--out', 'o'], /^error: pod\.json: not a gauntlet results file/],
    [
      ['report', 'future.json', '--out', 'o'],
      /^error: future\.json: schemaVersion 3 is newer than this gauntlet reads \(1\)/,
    ],
    [['report', 'missing.json', '--out', 'o'], /^error: missing\.json: no such file/],
    [
      ['report', join(fixtureDir, 'new.json'), '--out', 'o', '--waivers', 'bad-waivers.yaml'],
      /^error: bad-waivers\.yaml:6:14: waivers\[0\]\.expires: must be a date/,
    ],
    [['diff', 'cut.json', join(fixtureDir, 'new.json')], /^error: cut\.json: truncated JSON/],
    [['diff', join(fixtureDir, 'new.json')], /^error: gauntlet diff: expected BASE and NEW/],
    [
      ['diff', join(fixtureDir, 'base.json'), join(fixtureDir, 'new.json'), '--format', 'yml'],
      /^error: gauntlet diff: --format must be text, markdown or json/,
    ],
  ];
  for (const [argv, pattern] of cases) {
    const result = await runGauntlet(argv, { cwd: dir });
    t.is(result.exitCode, 2, argv.join(' '));
    t.regex(result.stderr, pattern);
    t.is(result.stderr.trimEnd().split('\n').length, 1, 'one line');
  }
});

test('diff exits 1 on a security regression and 0 when nothing regressed', async (t) => {
  const regressed = await runGauntlet(['diff', 'base.json', 'new.json', '--format', 'markdown'], {
    cwd: fixtureDir,
  });
  t.is(regressed.exitCode, 1);
  t.regex(regressed.stdout, /^# gauntlet diff: 🔴 security regressions/);
  const same = await runGauntlet(['diff', 'base.json', 'base.json'], { cwd: fixtureDir });
  t.is(same.exitCode, 0);
  t.regex(same.stdout, /0 security regressions, 0 availability regressions, .* 28 unchanged\n$/);
});

test('report says where its evidence came from and warns of downloads nothing verified', async (t) => {
  const out = tempDir();
  const result = await runGauntlet(['report', 'new.json', 'lab.json', '--out', out], { cwd: fixtureDir });
  t.is(result.exitCode, 1, result.stderr);
  t.is(
    result.stdout.split('\n')[1],
    'This report mixes evidence from 2 kinds: 6 flows (2 runs) attempted in gauntlet’s kernel lab: network namespaces on one machine with Istio’s real capture rules and stand-in proxies, not on a cluster; 29 flows (3 runs) attempted on a throwaway kind cluster gauntlet created with the stack’s Calico and Istio. Each run and flow below names its kind.',
  );
  t.regex(
    result.stderr,
    /^warning: run n1m5x3v on calico-bpf-sidecar-cni used 2 downloads nothing verified \(allowed by --allow-unpinned-downloads\): Calico v3\.32\.1 manifest tigera-operator, Calico v3\.32\.1 manifest custom-resources-bpf; its evidence rests on them$/m,
  );
  const lab = await runGauntlet(['report', 'lab.json', '--out', tempDir()], { cwd: fixtureDir });
  t.regex(lab.stdout, /\nEvery flow below was attempted in gauntlet’s kernel lab: /);
  t.false(lab.stderr.includes('nothing verified'));
});

test('diff refuses the lab against a cluster, or a kind cluster against a user cluster, unless --across-provenance', async (t) => {
  const dir = tempDir();
  const data = JSON.parse(fixtureText('new.json')) as { runs: Record<string, unknown>[] };
  for (const run of data.runs)
    run['provenance'] = { kind: 'user-cluster', context: 'staging', apiServer: 'https://10.20.0.1:6443' };
  writeFileSync(join(dir, 'staging.json'), JSON.stringify(data));
  const refusals: [string[], RegExp][] = [
    [
      [join(fixtureDir, 'lab.json'), join(fixtureDir, 'new.json')],
      /^error: gauntlet diff: .*lab\.json is kernel-lab evidence \(kernel lab on Linux 6\.1\.0-31-amd64 with Istio 1\.30\.3 capture rules\), .*new\.json kind-cluster evidence \(kind cluster for stack calico-iptables-sidecar \(kindest\/node:v1\.36\.1\)\): evidence about gauntlet’s techniques on one machine is not evidence about a throwaway kind cluster gauntlet created, so no flow of one is the same cell as a flow of the other \(diff two results of one kind, or pass --across-provenance to compare them anyway\)\n$/,
    ],
    [
      [join(fixtureDir, 'new.json'), 'staging.json'],
      /^error: gauntlet diff: .*new\.json is kind-cluster evidence \(.*\), staging\.json user-cluster evidence \(cluster of context staging at https:\/\/10\.20\.0\.1:6443\): evidence about a throwaway kind cluster gauntlet created is not evidence about a cluster the user named, .*--across-provenance/,
    ],
  ];
  for (const [files, pattern] of refusals) {
    const refused = await runGauntlet(['diff', ...files], { cwd: dir });
    t.is(refused.exitCode, 2, files.join(' '));
    t.regex(refused.stderr, pattern);
    t.is(refused.stderr.trimEnd().split('\n').length, 1, 'one line');
    t.is(refused.stdout, '');
    const told = await runGauntlet(['diff', ...files, '--across-provenance'], { cwd: dir });
    t.regex(told.stdout, /^warning: compared across provenance \(--across-provenance\): base is /);
    t.is(told.stderr, '');
  }
  // Like with like, an older file among them: no refusal, no warning.
  const same = await runGauntlet(['diff', 'base.json', 'new.json'], { cwd: fixtureDir });
  t.is(same.exitCode, 1);
  t.false(same.stdout.includes('provenance'));
});
