// `versions pin` against a local server: missing hashes are filled after checking the published
// checksum files, comments survive, pinned values are left alone, a bad checksum stops it.
import test from 'ava';
import { parse } from 'yaml';
import { isGauntletError } from '../../../harness/errors.ts';
import { sha256Hex } from '../../../harness/provision/checksum.ts';
import { pinVersions } from '../../../harness/provision/pin-versions.ts';
import { startFixtureServer } from './helpers/fixture-server.ts';

const enc = (text: string) => new TextEncoder().encode(text);

// versions.yaml only accepts https URLs: the file names a fake https host and the injected fetch
// sends each request to the local fixture server instead.
const host = 'https://fixtures.test';
function toLocal(base: string) {
  return (url: string, init: { signal: AbortSignal; redirect: 'follow' }) =>
    globalThis.fetch(url.replace(host, base), init);
}
const kind = enc('kind binary');
const kubectl = enc('kubectl binary');
const istioctl = enc('istioctl archive');
const crds = enc('kind: CustomResourceDefinition\n');

function versionsFile(kubectlPinned?: string): string {
  const base = host;
  return `# top comment: keep me
kind:
  version: v0.32.0 # trailing comment
  url: ${base}/kind/{version}/kind-{os}-{arch}
  checksumUrl: ${base}/kind/{version}/kind-{os}-{arch}.sha256sum
  sha256: {}
kubectl:
  version: v1.36.1
  url: ${base}/k8s/{version}/bin/{os}/{arch}/kubectl
  checksumUrl: ${base}/k8s/{version}/bin/{os}/{arch}/kubectl.sha256
  sha256: ${kubectlPinned ? `{ linux-amd64: ${kubectlPinned} }` : '{}'}
nodeImages:
  v1.36.1: { image: 'kindest/node:v1.36.1' }
istioctl:
  url: ${base}/istio/{version}/istioctl-{version}-{os}-{arch}.tar.gz
  checksumUrl: ${base}/istio/{version}/istioctl-{version}-{os}-{arch}.tar.gz.sha256
istio:
  # the release we test
  1.30.3:
    kubernetes: ['1.32', '1.36']
calico:
  v3.32.1:
    kubernetes: ['1.34', '1.36']
    manifests:
      operator-crds: { url: ${base}/calico/operator-crds.yaml }
      tigera-operator: { url: ${base}/calico/tigera-operator.yaml, sha256: ${'c'.repeat(64)} }
      custom-resources: { url: ${base}/calico/custom-resources.yaml, sha256: ${'d'.repeat(64)} }
`;
}

async function server(t: Parameters<typeof startFixtureServer>[0], kindChecksum = sha256Hex(kind)) {
  return startFixtureServer(t, {
    '/kind/v0.32.0/kind-linux-amd64': { body: kind },
    '/kind/v0.32.0/kind-linux-amd64.sha256sum': { body: `${kindChecksum}  kind-linux-amd64\n` },
    '/k8s/v1.36.1/bin/linux/amd64/kubectl': { body: kubectl },
    '/k8s/v1.36.1/bin/linux/amd64/kubectl.sha256': { body: sha256Hex(kubectl) },
    '/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz': { body: istioctl },
    '/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz.sha256': {
      body: `${sha256Hex(istioctl)}  istioctl-1.30.3-linux-amd64.tar.gz\n`,
    },
    '/calico/operator-crds.yaml': { body: crds },
  });
}

test('fills every missing sha256, verified, keeping comments and pinned values', async (t) => {
  const fixtures = await server(t);
  const base = fixtures.url('').replace(/\/$/, '');
  const result = await pinVersions(versionsFile(), { platforms: ['linux-amd64'], fetch: toLocal(base) });
  t.deepEqual(
    result.changes.map((change) => `${change.path.join('.')} ${change.verified}`),
    [
      'kind.sha256.linux-amd64 checksum-file',
      'kubectl.sha256.linux-amd64 checksum-file',
      'istio.1.30.3.istioctl.sha256.linux-amd64 checksum-file',
      'calico.v3.32.1.manifests.operator-crds.sha256 first-download',
    ],
  );
  const written = parse(result.text);
  t.is(written.kind.sha256['linux-amd64'], sha256Hex(kind));
  t.is(written.kubectl.sha256['linux-amd64'], sha256Hex(kubectl));
  t.is(written.istio['1.30.3'].istioctl.sha256['linux-amd64'], sha256Hex(istioctl));
  t.is(written.calico['v3.32.1'].manifests['operator-crds'].sha256, sha256Hex(crds));
  t.is(written.calico['v3.32.1'].manifests['tigera-operator'].sha256, 'c'.repeat(64));
  for (const comment of ['# top comment: keep me', '# trailing comment', '# the release we test'])
    t.true(result.text.includes(comment), comment);
  t.is(fixtures.hits('/calico/tigera-operator.yaml'), 0, 'pinned manifests are not downloaded');
});

test('already pinned values are left alone (no request, same text)', async (t) => {
  const fixtures = await server(t);
  const base = fixtures.url('').replace(/\/$/, '');
  const text = versionsFile('e'.repeat(64));
  const first = await pinVersions(text, { platforms: ['linux-amd64'], fetch: toLocal(base) });
  t.false(first.changes.some((change) => change.path[0] === 'kubectl'));
  t.is(fixtures.hits('/k8s/v1.36.1/bin/linux/amd64/kubectl'), 0);
  const second = await pinVersions(first.text, { platforms: ['linux-amd64'], fetch: toLocal(base) });
  t.deepEqual(second.changes, []);
  t.is(second.text, first.text);
});

test('a download that does not match the published checksum stops the pin', async (t) => {
  const fixtures = await server(t, '0'.repeat(64));
  const base = fixtures.url('').replace(/\/$/, '');
  const error = await t.throwsAsync(
    pinVersions(versionsFile(), { platforms: ['linux-amd64'], fetch: toLocal(base) }),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_TOOL_CHECKSUM_MISMATCH');
  t.true(error?.message.includes(`${host}/kind/v0.32.0/kind-linux-amd64`));
});

test('a file that does not match the schema is refused before any download', async (t) => {
  const error = await t.throwsAsync(pinVersions('kind: 3\n', { file: 'clusters/versions.yaml' }));
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_INVALID_CATALOG');
  t.regex(error?.message ?? '', /clusters\/versions\.yaml/);
});
