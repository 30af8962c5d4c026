// The product reads its own copies of Istio's rules, one folder per release. The 1.30.3 copies must
// equal the reference data; every release's files must be what the documented transformation of
// Istio's golden files gives (harness/lab/rules/istio-1.30.5/SOURCE.md), from golden copies whose git
// blob ids are upstream's.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { compareVersions } from '../../harness/model/version-selector.ts';
import {
  defaultIstioVersion,
  labIstioVersions,
  readRules,
  ruleFiles,
  rulesFolderUrl,
} from '../../harness/lab/rules.ts';
import type { LabIstioVersion, RuleSet } from '../../harness/lab/rules.ts';
import { ambientRules, gitBlobId, goldenFiles, sidecarRules, withoutHeader } from './golden-rules.ts';
import type { GoldenFile } from './golden-rules.ts';

const ruleSets = Object.keys(ruleFiles) as RuleSet[];

for (const set of ruleSets) {
  const file = ruleFiles[set];
  test(`istio-1.30.3/${file} is a byte-for-byte copy of ../shared/data/istio-1.30.3/${file}`, (t) => {
    const reference = readFileSync(
      new URL(`../../../shared/data/istio-1.30.3/${file}`, import.meta.url),
      'utf8',
    );
    t.is(readRules(set, '1.30.3'), reference);
  });
}

test('the lab holds one folder per listed release, oldest first, and runs the newest by default', (t) => {
  const folders = readdirSync(new URL('../../harness/lab/rules/', import.meta.url)).sort();
  t.deepEqual(
    folders,
    labIstioVersions.map((version) => `istio-${version}`),
  );
  t.deepEqual([...labIstioVersions].sort(compareVersions), [...labIstioVersions]);
  t.is(defaultIstioVersion, '1.30.5');
  for (const version of labIstioVersions)
    t.deepEqual(
      readdirSync(rulesFolderUrl(version)).sort(),
      ['SOURCE.md', ...Object.values(ruleFiles)].sort(),
      version,
    );
});

// The golden files as read at istio/istio release-1.30@b9a2bbd2f800 (no tag 1.30.5 in the stored
// snapshot); tag 1.30.3 holds the very same blobs (SOURCE.md), so they stand for both releases.
const goldenRef = 'release-1.30@b9a2bbd2f800';
const goldenBlobs: Record<GoldenFile, string> = {
  'inbound-ports-wildcard.golden': 'e4db766ac681931282a1fd68a123862fb63cb710',
  'kube-virt-interfaces.golden': '73e94ea9f89a87f24153e8ce2e9949b800820f20',
  'default.golden': 'a20bc81980b2830abe220a247fa9ff9a0fac9d46',
  'hostprobe.golden': '53c716c68271f1ea9361b4acc2380c1e38af8339',
};

function goldenBytes(name: GoldenFile): Buffer {
  return readFileSync(new URL(`./golden/istio-1.30.5/${name}`, import.meta.url));
}

function golden(name: GoldenFile): string {
  return goldenBytes(name).toString('utf8');
}

test(`the golden copies are istio/istio's own blobs at ${goldenRef}, as SOURCE.md lists them`, (t) => {
  const source = readFileSync(new URL('SOURCE.md', rulesFolderUrl('1.30.5')), 'utf8');
  for (const [name, path] of Object.entries(goldenFiles) as [GoldenFile, string][]) {
    t.is(gitBlobId(goldenBytes(name)), goldenBlobs[name], name);
    t.true(source.includes(`\`${path}\``), `SOURCE.md names ${path}`);
    t.true(source.includes(goldenBlobs[name]), `SOURCE.md gives the blob of ${path}`);
  }
  t.true(source.includes('b9a2bbd2f800e0fc0c151d732d8e5742e61431b5'));
});

function expectedRules(set: RuleSet): string {
  switch (set) {
    case 'sidecar':
      return sidecarRules(golden('inbound-ports-wildcard.golden'), golden('kube-virt-interfaces.golden'));
    case 'ambient':
      return ambientRules(golden('default.golden'));
    case 'ambient-hostprobe':
      return ambientRules(golden('hostprobe.golden'));
  }
}

const headerNames: Record<LabIstioVersion, RegExp[]> = {
  '1.30.3': [/Istio 1\.30\.3/, /istio\/istio@1\.30\.3/],
  '1.30.5': [/Istio 1\.30\.5/, /istio\/istio release-1\.30@b9a2bbd2f800/],
};

for (const version of labIstioVersions)
  for (const set of ruleSets) {
    const file = ruleFiles[set];
    test(`istio-${version}/${file} is the documented transformation of the golden files, under a header naming its source`, (t) => {
      const rules = readRules(set, version);
      t.is(withoutHeader(rules), expectedRules(set));
      const header = rules.slice(0, rules.length - withoutHeader(rules).length);
      for (const name of headerNames[version]) t.regex(header, name);
    });
  }

test('1.30.5 changed no rule of 1.30.3: the files differ in their # header only', (t) => {
  for (const set of ruleSets)
    t.is(withoutHeader(readRules(set, '1.30.5')), withoutHeader(readRules(set, '1.30.3')), set);
});
