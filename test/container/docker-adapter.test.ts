// The Docker CLI adapter against the real engine (and a dead one), and the external targets'
// decisions (Ryuk, which PostgreSQL image) against a recording stand-in, so no test pulls from a
// registry: the tier talks only to containers it starts.
import test from 'ava';
import { REAPER_IMAGE } from 'testcontainers/build/reaper/reaper.js';
import { isGauntletError } from '../../harness/errors.ts';
import { dockerCli } from '../../harness/provision/docker.ts';
import type { Docker } from '../../harness/provision/docker.ts';
import {
  choosePostgresImage,
  debianPostgresImage,
  officialPostgresImage,
  prepareRyuk,
} from '../../harness/provision/external-targets.ts';
import { processShell } from '../../harness/shell.ts';
import { docker, leftovers, sweep, testLabels } from './support/docker-fixtures.ts';

const { labels, selector } = testLabels('docker-adapter');
test.after.always(async () => sweep(selector));

test('no engine behind DOCKER_HOST is GAUNTLET_DOCKER_UNAVAILABLE, with the fix', async (t) => {
  const dead = dockerCli(
    processShell({ env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }),
  );
  const error = await t.throwsAsync(dead.serverVersion());
  t.true(isGauntletError(error) && error.code === 'GAUNTLET_DOCKER_UNAVAILABLE', String(error));
  t.regex(error?.message ?? '', /docker version/);
  const listing = await t.throwsAsync(dead.containersWithLabel('gauntlet.test=1'));
  t.true(isGauntletError(listing) && listing.code === 'GAUNTLET_DOCKER_UNAVAILABLE');
});

test('the real engine: version, labelled network and container, inspect, exec with stdin, removal', async (t) => {
  t.regex(await docker.serverVersion(), /^\d+\.\d+/);
  const network = `gauntlet-test-${selector.split('=')[1]}`;
  await docker.createNetwork(network, { labels });
  t.deepEqual(await docker.networksWithLabel(selector), [network]);
  const id = await docker.run({ image: 'debian:bookworm-slim', network, labels, command: ['sleep', '120'] });
  const info = await docker.inspect(id);
  t.is(info.id, id);
  t.true(info.running);
  t.is(info.labels['gauntlet.test'], '1');
  t.regex(info.addresses[network] ?? '', /^198\.19\.\d+\.\d+$/);
  const echoed = await docker.exec(id, ['sh', '-c', 'tr a-z A-Z; exit 3'], { input: 'through stdin' });
  t.is(echoed.stdout, 'THROUGH STDIN');
  t.is(echoed.exitCode, 3, 'a non-zero exit is a result, not an exception');
  await docker.remove([id, 'gauntlet-no-such-container']);
  await docker.removeNetwork([network, 'gauntlet-no-such-network']);
  t.deepEqual(await leftovers(selector), { containers: [], networks: [] });
  const missing = await t.throwsAsync(docker.inspect(id));
  t.true(isGauntletError(missing) && missing.code === 'GAUNTLET_COMMAND_FAILED');
});

/** A Docker that knows some images, answers pulls as told, and records builds. */
function imageStandIn(
  local: string[],
  pullable: string[],
): { docker: Docker; built: string[]; pulled: string[] } {
  const built: string[] = [];
  const pulled: string[] = [];
  const unused = () => Promise.reject(new Error('not used by this test'));
  return {
    built,
    pulled,
    docker: {
      serverVersion: unused,
      imageSize: unused,
      run: unused,
      exec: unused,
      inspect: unused,
      remove: unused,
      createNetwork: unused,
      removeNetwork: unused,
      containersWithLabel: unused,
      networksWithLabel: unused,
      imageExists: (ref) => Promise.resolve(local.includes(ref)),
      tryPull: (ref) => {
        pulled.push(ref);
        return Promise.resolve(pullable.includes(ref));
      },
      build: (options) => {
        built.push(options.tag);
        return Promise.resolve();
      },
    },
  };
}

test('Ryuk: an explicit setting wins; otherwise on when its image is here or pullable, else switched off', async (t) => {
  const env: NodeJS.ProcessEnv = { TESTCONTAINERS_RYUK_DISABLED: 'false' };
  t.deepEqual(await prepareRyuk(imageStandIn([], []).docker, { env }), { enabled: true });
  t.like(await prepareRyuk(imageStandIn([], []).docker, { env: { TESTCONTAINERS_RYUK_DISABLED: 'true' } }), {
    enabled: false,
  });
  const present: NodeJS.ProcessEnv = {};
  t.deepEqual(await prepareRyuk(imageStandIn([REAPER_IMAGE], []).docker, { env: present }), {
    enabled: true,
  });
  t.is(present['TESTCONTAINERS_RYUK_DISABLED'], undefined);
  const offline: NodeJS.ProcessEnv = {};
  const standIn = imageStandIn([], []);
  const decision = await prepareRyuk(standIn.docker, { env: offline });
  t.false(decision.enabled);
  t.deepEqual(standIn.pulled, [REAPER_IMAGE], 'a pull was tried first');
  t.is(offline['TESTCONTAINERS_RYUK_DISABLED'], 'true', 'testcontainers is told through its variable');
});

test('PostgreSQL: the official image when here or pullable, else images/postgres is built', async (t) => {
  const present = imageStandIn([officialPostgresImage], []);
  t.is(await choosePostgresImage(present.docker, {}), officialPostgresImage);
  t.deepEqual(present.pulled, []);

  const online = imageStandIn([], [officialPostgresImage]);
  t.is(await choosePostgresImage(online.docker, {}), officialPostgresImage);
  t.deepEqual(online.built, []);

  const offline = imageStandIn([], []);
  t.is(await choosePostgresImage(offline.docker, {}), debianPostgresImage);
  t.deepEqual(offline.pulled, [officialPostgresImage]);
  t.deepEqual(offline.built, [debianPostgresImage]);

  const strict = await t.throwsAsync(
    choosePostgresImage(imageStandIn([], []).docker, { postgresSource: 'official' }),
  );
  t.true(isGauntletError(strict) && strict.code === 'GAUNTLET_PROVISION_FAILED');

  const debianOnly = imageStandIn([officialPostgresImage], []);
  t.is(await choosePostgresImage(debianOnly.docker, { postgresSource: 'debian' }), debianPostgresImage);
});
