// Manifest integrity: a run refuses, before it creates anything, to use a download nothing can
// verify; `versions pin --check` lists every missing pin without a network.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { missingPins, unverifiableFor } from '../../../harness/model/unpinned-artifacts.ts';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { runGauntlet } from '../../support/cli.ts';
import { copyCatalog, fixtureCatalog } from '../../support/fixture-catalog.ts';

function fixture() {
  const { catalog } = loadCatalog(fixtureCatalog);
  if (!catalog) throw new Error('fixture catalog does not load');
  return catalog;
}

test('a run needs pins only where nothing published verifies the download', (t) => {
  const catalog = fixture();
  const stack = catalog.stacks.get('calico-ambient');
  if (!stack) throw new Error('no stack');
  // kind has no checksum file in the fixture; kubectl has one; Calico's manifests never do.
  t.deepEqual(
    unverifiableFor(catalog.versions, stack, 'linux-amd64').map((artifact) => artifact.pin),
    [
      'kind.sha256.linux-amd64',
      'istio.1.30.3.istioctl.sha256.linux-amd64',
      'nodeImages.v1.36.1.digest',
      'calico.v3.32.1.manifests.operator-crds.sha256',
      'calico.v3.32.1.manifests.tigera-operator.sha256',
      'calico.v3.32.1.manifests.custom-resources.sha256',
    ],
  );
  t.true(
    missingPins(catalog.versions, ['linux-amd64']).some(
      (artifact) => artifact.pin === 'kubectl.sha256.linux-amd64',
    ),
  );
});

test('gauntlet run stops before it creates anything, naming what is unpinned and the two ways on', async (t) => {
  const copy = copyCatalog(t);
  const result = await runGauntlet(
    ['run', '--stack', 'calico-ambient', '--catalog', copy.root, '--out', 'out'],
    {
      cwd: copy.root,
    },
  );
  t.is(result.exitCode, 2);
  t.regex(
    result.stderr,
    /^error: clusters\/versions\.yaml pins no sha256 for .*Calico v3\.32\.1 manifest tigera-operator.*\(run `gauntlet versions pin` .*--allow-unpinned-downloads/,
  );
  t.is(result.stderr.trim().split('\n').length, 1, 'one line');
  t.false(existsSync(join(copy.root, 'out')), 'no results directory: nothing was started');
});

test('versions pin --check exits 1 listing every missing pin, 0 once all are pinned', async (t) => {
  const result = await runGauntlet([
    'versions',
    'pin',
    '--check',
    '--platform',
    'linux-amd64',
    '--catalog',
    fixtureCatalog,
  ]);
  t.is(result.exitCode, 1);
  t.regex(
    result.stdout,
    /calico\.v3\.31\.7\.manifests\.operator-crds\.sha256: not pinned \(Calico v3\.31\.7 manifest operator-crds; nothing else verifies it\)/,
  );
  t.regex(result.stdout, /pins missing: run `gauntlet versions pin`/);

  const pinned = copyCatalog(t);
  const hash = 'a'.repeat(64);
  pinned.edit('clusters/versions.yaml', (text) =>
    text
      .replace(
        / url: (https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/[^ ]+\.yaml) \}/g,
        ` url: $1, sha256: ${hash} }`,
      )
      .replace(/\{ image: (kindest\/node:v[\d.]+) \}/g, `{ image: $1, digest: sha256:${hash} }`)
      .replace(/sha256: \{\}/g, `sha256: { linux-amd64: ${hash} }`)
      .replace(
        /\{ kubernetes: (\['1\.\d+', '1\.\d+'\]) \}/g,
        `{ kubernetes: $1, istioctl: { sha256: { linux-amd64: ${hash} } } }`,
      ),
  );
  pinned.edit('clusters/versions.yaml', (text) =>
    text.replace(
      /(kubectl:\n(?: {2}.*\n)*?)( {2}checksumUrl: .*\n)/,
      `$1$2  sha256: { linux-amd64: ${hash} }\n`,
    ),
  );
  const done = await runGauntlet(
    ['versions', 'pin', '--check', '--platform', 'linux-amd64', '--catalog', pinned.root],
    { cwd: pinned.root },
  );
  t.is(done.stdout, 'clusters/versions.yaml: every sha256 and digest is pinned\n', done.stderr);
  t.is(done.exitCode, 0);
});
