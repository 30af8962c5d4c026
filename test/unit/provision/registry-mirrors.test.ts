// --registry-mirror values, the hosts.toml containerd reads, and the node commands that write it.
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import {
  hostsToml,
  mirrorNodeCommands,
  parseRegistryMirror,
  parseRegistryMirrors,
  upstreamServer,
} from '../../../harness/provision/registry-mirrors.ts';

test('a bare host mirrors Docker Hub over https; REGISTRY= names another registry', (t) => {
  for (const [value, registry, endpoint] of [
    ['mirror.gcr.io', 'docker.io', 'https://mirror.gcr.io'],
    ['http://10.0.0.5:5000/', 'docker.io', 'http://10.0.0.5:5000'],
    ['quay.io=quay-cache.internal:5000', 'quay.io', 'https://quay-cache.internal:5000'],
    ['registry.istio.io=https://[fd00::5]:443', 'registry.istio.io', 'https://[fd00::5]:443'],
  ])
    t.deepEqual(parseRegistryMirror(value ?? ''), { registry, endpoint }, value);
});

test('values that are not [REGISTRY=][http(s)://]HOST[:PORT] are usage errors', (t) => {
  for (const value of [
    '',
    'ftp://x',
    'https://mirror/v2/proxy',
    'quay.io=',
    '=mirror',
    'a b',
    'x"y',
    'docker.io=x=y',
  ]) {
    const error = t.throws(() => parseRegistryMirror(value), undefined, value);
    t.true(isGauntletError(error) && error.code === 'GAUNTLET_USAGE', value);
  }
  const twice = t.throws(() => parseRegistryMirrors(['mirror.gcr.io', 'docker.io=other']));
  t.true(isGauntletError(twice) && /docker\.io twice/.test(twice.message));
  t.deepEqual(parseRegistryMirrors([]), []);
});

test('hosts.toml: the mirror first for pull and resolve, the registry itself after', (t) => {
  t.is(upstreamServer('docker.io'), 'https://registry-1.docker.io');
  t.is(upstreamServer('quay.io'), 'https://quay.io');
  t.is(
    hostsToml({ registry: 'docker.io', endpoint: 'https://mirror.gcr.io' }),
    'server = "https://registry-1.docker.io"\n\n[host."https://mirror.gcr.io"]\n  capabilities = ["pull", "resolve"]\n',
  );
});

test('node commands: the registry directory under certs.d, hosts.toml copied from stdin', (t) => {
  t.deepEqual(mirrorNodeCommands({ registry: 'cache:5000', endpoint: 'http://cache:5000' }), {
    mkdir: ['mkdir', '-p', '/etc/containerd/certs.d/cache:5000'],
    write: ['cp', '/dev/stdin', '/etc/containerd/certs.d/cache:5000/hosts.toml'],
  });
});
