// `gauntlet matrix` on the fixture catalog and on the shipped one.
import test from 'ava';
import { artifactSlug } from '../../../harness/cli/commands/matrix.ts';
import { runGauntlet } from '../../support/cli.ts';
import { fixtureCatalog } from '../../support/fixture-catalog.ts';

test('--format github prints one line of {"include": [...]} with every cell', async (t) => {
  const result = await runGauntlet(['matrix', '--format', 'github', '--catalog', fixtureCatalog]);
  t.is(result.exitCode, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.is(lines.length, 1);
  const matrix = JSON.parse(lines[0] ?? '') as { include: Record<string, string>[] };
  t.is(matrix.include.length, 6, 'the axis cell equal to calico-ambient is not repeated');
  const cell = matrix.include.find(
    (entry) => entry['stack'] === 'calico-ambient+calico-v3.31.7+istio-1.29.4',
  );
  t.deepEqual(cell, {
    stack: 'calico-ambient+calico-v3.31.7+istio-1.29.4',
    slug: 'calico-ambient_calico-v3.31.7_istio-1.29.4',
    title: 'Calico iptables + Istio ambient (Calico v3.31.7, Istio 1.29.4)',
    kubernetes: 'v1.35.4',
    calico: 'v3.31.7',
    dataplane: 'iptables',
    mesh: 'ambient',
    istio: '1.29.4',
    admission: 'baseline',
  });
  t.is(matrix.include.find((entry) => entry['stack'] === 'calico-nomesh')?.['istio'], '');
});

test('--format text prints a table, and an unknown format is a usage error', async (t) => {
  const text = await runGauntlet(['matrix', '--format', 'text', '--catalog', fixtureCatalog]);
  t.is(text.exitCode, 0);
  t.regex(text.stdout, /^STACK\s+KUBERNETES\s+CALICO\s+DATAPLANE\s+MESH\s+ISTIO\s+ADMISSION\n/);
  t.is(text.stdout.trimEnd().split('\n').length, 7);
  const bad = await runGauntlet(['matrix', '--format', 'yaml', '--catalog', fixtureCatalog]);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /--format must be github or text, got "yaml"/);
});

test('artifact slugs keep only characters upload-artifact accepts', (t) => {
  t.is(
    artifactSlug('calico-ambient+calico-v3.32.1+istio-1.30.3'),
    'calico-ambient_calico-v3.32.1_istio-1.30.3',
  );
});
