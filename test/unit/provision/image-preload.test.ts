// The host-side preload: what is pulled, when a registry is given up, how loading falls back, and
// that a preload that cannot happen ends in one warning line instead of a failed run.
import test from 'ava';
import { isGauntletError } from '../../../harness/errors.ts';
import type { PreloadDeps } from '../../../harness/provision/image-preload.ts';
import { preloadImages, preloadWarning, registryOf } from '../../../harness/provision/image-preload.ts';
import type { StartedKindCluster } from '../../../harness/provision/kind.ts';
import type { Shell, ShellResult } from '../../../harness/shell.ts';

type Engine = PreloadDeps['docker'];

/** A Docker engine holding `local`, whose pulls succeed for `pullable` only. */
function engine(local: string[], pullable: string[]): { docker: Engine; pulled: string[] } {
  const pulled: string[] = [];
  return {
    pulled,
    docker: {
      imageExists: (ref) => Promise.resolve(local.includes(ref)),
      tryPull: (ref) => {
        pulled.push(ref);
        return Promise.resolve(pullable.includes(ref));
      },
    },
  };
}

/** A cluster whose `kind load docker-image` and archive load succeed or fail as told. */
function cluster(options: { loadFails?: string; archiveFails?: boolean } = {}) {
  const loads: string[][] = [];
  const archives: string[] = [];
  const handle = {
    async loadImage(images: string | readonly string[]) {
      loads.push(typeof images === 'string' ? [images] : [...images]);
      if (options.loadFails) throw new Error(options.loadFails);
    },
    async loadImageArchive(archive: string) {
      archives.push(archive);
      if (options.archiveFails) throw new Error('ctr: archive refused');
    },
  };
  return { cluster: handle as unknown as StartedKindCluster, loads, archives };
}

function shellAnswering(save: Partial<ShellResult>): Shell & { commands: string[][] } {
  const commands: string[][] = [];
  return {
    commands,
    async run(command, args) {
      commands.push([command, ...args]);
      const base = { command: [command, ...args], exitCode: 0, stdout: '', stderr: '' };
      if (args[0] === 'version') return { ...base, stdout: 'linux/arm64\n' };
      return { ...base, ...save };
    },
  };
}

function deps(docker: Engine, shell: Shell, logged: string[]): PreloadDeps {
  return { docker, shell, pullTimeoutMs: 1000, log: (message) => logged.push(message) };
}

const wantAll =
  (images: string[]) =>
  async (want: (image: string) => Promise<boolean>): Promise<void> => {
    for (const image of images) await want(image);
  };

test('images on the host are used as they are; the rest are pulled once; a registry failing twice in a row is given up', async (t) => {
  const { docker, pulled } = engine(
    ['quay.io/calico/node:v3.32.1'],
    ['registry.istio.io/release/pilot:1.30.3'],
  );
  const { cluster: target, loads } = cluster();
  const logged: string[] = [];
  const outcome = await preloadImages(
    target,
    'stack',
    wantAll([
      'quay.io/calico/node:v3.32.1',
      'docker.io/istio/proxyv2:1.29.9',
      'istio/pilot:1.29.9',
      'docker.io/istio/ztunnel:1.29.9',
      'registry.istio.io/release/pilot:1.30.3',
      'quay.io/calico/node:v3.32.1',
    ]),
    deps(docker, shellAnswering({}), logged),
  );
  t.deepEqual(
    pulled,
    ['docker.io/istio/proxyv2:1.29.9', 'istio/pilot:1.29.9', 'registry.istio.io/release/pilot:1.30.3'],
    'docker.io tried twice, then given up (its third image is not tried)',
  );
  t.deepEqual(loads, [['quay.io/calico/node:v3.32.1', 'registry.istio.io/release/pilot:1.30.3']]);
  t.deepEqual(outcome.nodesPull, [
    'docker.io/istio/proxyv2:1.29.9',
    'istio/pilot:1.29.9',
    'docker.io/istio/ztunnel:1.29.9',
  ]);
  t.deepEqual(logged, [
    'stack: 3 of 5 images not preloaded (pulling from docker.io on the host failed twice in a row (offline or rate limited?)); the kind nodes pull them themselves: docker.io/istio/proxyv2:1.29.9, istio/pilot:1.29.9, docker.io/istio/ztunnel:1.29.9',
  ]);
});

test('one reference a registry does not have is left to the nodes; the registry is still asked for the rest', async (t) => {
  const { docker, pulled } = engine([], ['quay.io/calico/node:v3.32.1', 'quay.io/calico/cni:v3.32.1']);
  const { cluster: target, loads } = cluster();
  const logged: string[] = [];
  const outcome = await preloadImages(
    target,
    'stack',
    wantAll(['quay.io/calico/missing:v3.32.1', 'quay.io/calico/node:v3.32.1', 'quay.io/calico/cni:v3.32.1']),
    deps(docker, shellAnswering({}), logged),
  );
  t.deepEqual(pulled, [
    'quay.io/calico/missing:v3.32.1',
    'quay.io/calico/node:v3.32.1',
    'quay.io/calico/cni:v3.32.1',
  ]);
  t.deepEqual(loads, [['quay.io/calico/node:v3.32.1', 'quay.io/calico/cni:v3.32.1']]);
  t.deepEqual(outcome.nodesPull, ['quay.io/calico/missing:v3.32.1']);
  t.deepEqual(logged, [
    'stack: 1 of 3 images not preloaded (pulling quay.io/calico/missing:v3.32.1 on the host failed); the kind nodes pull them themselves: quay.io/calico/missing:v3.32.1',
  ]);
});

test('kind load failing, the images go through a one-platform archive of the engine platform', async (t) => {
  const { docker } = engine(['a.io/x:1', 'a.io/y:1'], []);
  const { cluster: target, archives } = cluster({ loadFails: 'ctr: content digest sha256:1: not found' });
  const shell = shellAnswering({});
  const logged: string[] = [];
  const outcome = await preloadImages(
    target,
    'stack',
    wantAll(['a.io/x:1', 'a.io/y:1']),
    deps(docker, shell, logged),
  );
  const save = shell.commands.find((command) => command[2] === 'save');
  t.deepEqual(save?.slice(0, 6), ['docker', 'image', 'save', '--platform', 'linux/arm64', '--output']);
  t.deepEqual(archives, [save?.[6]]);
  t.deepEqual(outcome.loaded, ['a.io/x:1', 'a.io/y:1']);
  t.deepEqual(logged, []);
});

test('both loads failing: every image is left to the nodes, with both reasons in one line', async (t) => {
  const { docker } = engine(['a.io/x:1'], []);
  const { cluster: target } = cluster({ loadFails: 'ctr: content digest sha256:1: not found' });
  const shell = shellAnswering({ exitCode: 1, stderr: '"--platform" requires API version 1.48' });
  const logged: string[] = [];
  const outcome = await preloadImages(target, 'stack', wantAll(['a.io/x:1']), deps(docker, shell, logged));
  t.deepEqual(outcome.loaded, []);
  t.deepEqual(outcome.nodesPull, ['a.io/x:1']);
  t.is(outcome.reasons.length, 1);
  t.is(logged.length, 1);
  t.regex(
    logged[0] ?? '',
    /content digest sha256:1: not found; then through an archive: .*requires API version 1\.48/,
  );
});

test('a listing that breaks ends the listing only; what was found is still loaded', async (t) => {
  const { docker } = engine(['a.io/x:1'], []);
  const { cluster: target, loads } = cluster();
  const logged: string[] = [];
  const outcome = await preloadImages(
    target,
    'stack',
    async (want) => {
      await want('a.io/x:1');
      throw new Error('manifest unreadable');
    },
    deps(docker, shellAnswering({}), logged),
  );
  t.deepEqual(loads, [['a.io/x:1']]);
  t.deepEqual(outcome.reasons, ['listing the images failed: manifest unreadable']);
  t.is(logged.length, 1);
});

test('an abort is not swallowed: it ends the preload as GAUNTLET_ABORTED', async (t) => {
  const controller = new AbortController();
  const { docker } = engine([], []);
  const aborting: Engine = {
    ...docker,
    tryPull: () => {
      controller.abort();
      return Promise.resolve(false);
    },
  };
  const { cluster: target, loads } = cluster();
  const error = await t.throwsAsync(
    preloadImages(
      target,
      'stack',
      wantAll(['a.io/x:1', 'b.io/y:1']),
      deps(aborting, shellAnswering({}), []),
      controller.signal,
    ),
  );
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_ABORTED');
  t.deepEqual(loads, []);
});

test('registry of a reference, as Docker normalises it', (t) => {
  t.is(registryOf('quay.io/calico/node:v3.32.1'), 'quay.io');
  t.is(registryOf('registry.istio.io/release/pilot:1.30.3'), 'registry.istio.io');
  t.is(registryOf('istio/proxyv2:1.29.9'), 'docker.io');
  t.is(registryOf('busybox'), 'docker.io');
  t.is(registryOf('localhost/x:1'), 'localhost');
  t.is(registryOf('cache:5000/x:1'), 'cache:5000');
});

test('no warning when everything was loaded', (t) => {
  t.is(preloadWarning('Istio 1.30.3', { loaded: ['a'], nodesPull: [], reasons: [] }), undefined);
});
