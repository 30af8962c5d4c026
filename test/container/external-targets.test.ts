// The out-of-cluster targets as the e2e starts them: testcontainers puts the relay (probe image) and a
// real PostgreSQL on a named network (a labelled stand-in for `kind`); an attacker on that network
// reaches the relay's echoes, tunnels TCP through its UDP relay, and runs a real query against the
// database. `stop()` alone must leave no container behind.
import test from 'ava';
import { relayPorts } from '../../harness/model/builtin.ts';
import { postgresAccess, startExternalTargets } from '../../harness/provision/external-targets.ts';
import type { StartedExternalTargets } from '../../harness/provision/external-targets.ts';
import {
  docker,
  leftovers,
  probe,
  probeImage,
  startRenderedRole,
  sweep,
  testLabels,
  withoutUnreachableRyuk,
} from './support/docker-fixtures.ts';
import { agentPath } from '../../harness/plan/render-workloads.ts';
import { containerAgentHost, parseObservationLine } from '../../harness/probe/agent-exec.ts';

const { labels, selector } = testLabels('external-targets');
const network = `gauntlet-test-${selector.split('=')[1]}`;
let targets: StartedExternalTargets | undefined;

/** The attacker's query against the database outside the mesh, as a tcp probe of the agent's batch. */
function postgresQuery(id: string, host: string) {
  return {
    id,
    technique: 'tcp',
    host,
    port: postgresAccess.port,
    application: 'postgres',
    user: postgresAccess.user,
    database: postgresAccess.database,
    timeoutMs: 5000,
  };
}

test.before(withoutUnreachableRyuk);
test.after.always(async () => {
  await targets?.stop(new AbortController().signal).catch(() => undefined);
  await sweep(selector);
});

test.serial(
  'testcontainers starts the relay and a Debian-built PostgreSQL on the named network',
  async (t) => {
    const image = await probeImage();
    await docker.createNetwork(network, { labels });
    targets = await startExternalTargets({
      docker,
      network,
      names: ['relay', 'postgres'],
      probeImage: image.ref,
      labels,
      postgresSource: 'debian', // never pull in a test; the official image is the users' path
      log: (line) => t.log(line),
    });
    t.truthy(targets.relay);
    t.truthy(targets.postgres);
    t.regex(targets.addresses.relay ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    t.regex(targets.addresses.postgres ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    const started = await docker.containersWithLabel(selector);
    t.is(started.length, 2, "exactly the two targets run with this file's label");
    for (const id of targets.containers) {
      const info = await docker.inspect(id);
      t.true(info.running);
      t.is(info.labels['gauntlet.test'], '1');
      t.is(
        info.addresses[network],
        id === targets.relay?.container ? targets.addresses.relay : targets.addresses.postgres,
      );
    }
  },
);

test.serial(
  'an attacker on the network reaches the relay and runs a query against PostgreSQL, directly and through the UDP tunnel',
  async (t) => {
    const relay = targets?.addresses.relay ?? '';
    const postgres = targets?.addresses.postgres ?? '';
    const attacker = await startRenderedRole('attacker', { network, labels });
    t.teardown(() => docker.remove([attacker]));
    const attackerAddress = (await docker.inspect(attacker)).addresses[network];
    const observations = await probe(t, attacker, [
      { id: 'relay-tcp', technique: 'tcp', host: relay, port: relayPorts.tcp, timeoutMs: 3000 },
      { id: 'relay-udp', technique: 'udp', host: relay, port: relayPorts.udp, timeoutMs: 3000 },
      // TCP carried inside UDP through the relay, to a gauntlet TCP echo (the relay's own, at its
      // network address): the echo must see the relay as the source, not the attacker.
      {
        id: 'tunnel',
        technique: 'udp-tunnel',
        host: relay,
        port: relayPorts.tcp,
        relay: { host: relay, port: relayPorts.tunnel },
        timeoutMs: 5000,
      },
      // The same query with its TCP connection opened by the relay: PostgreSQL waits for the client to
      // speak first, so the startup message itself rides the tunnel.
      {
        ...postgresQuery('tunnel-query', postgres),
        technique: 'udp-tunnel',
        relay: { host: relay, port: relayPorts.tunnel },
      },
      postgresQuery('query', postgres),
    ]);
    const get = (id: string): Record<string, unknown> => observations.get(id) ?? {};
    const evidence = (id: string): Record<string, unknown> =>
      (get(id)['evidence'] ?? {}) as Record<string, unknown>;
    t.is(get('relay-tcp')['outcome'], 'connected');
    t.is(evidence('relay-tcp')['sourceSeen'], attackerAddress);
    t.is(get('relay-udp')['outcome'], 'connected');
    t.is(get('tunnel')['outcome'], 'connected', JSON.stringify(get('tunnel')));
    t.is(evidence('tunnel')['sourceSeen'], relay, 'the tunnelled connection left from the relay');

    const query = get('query');
    t.is(query['outcome'], 'connected', JSON.stringify(query));
    const answer = evidence('query')['postgres'] as
      | { authenticated: boolean; serverVersion?: string; query?: string; rows?: (string | null)[][] }
      | undefined;
    t.true(answer?.authenticated, 'the server let the attacker in');
    t.truthy(answer?.query, 'a query ran');
    // The agent asks `SELECT current_user, inet_server_addr()`: the rows are the server's own answer,
    // naming the role it let in and the address it accepted the connection on.
    t.deepEqual(answer?.rows, [[postgresAccess.user, postgres]], JSON.stringify(answer));

    const tunnelled = get('tunnel-query');
    t.is(tunnelled['outcome'], 'connected', JSON.stringify(tunnelled));
    t.deepEqual(evidence('tunnel-query')['relay'], { host: relay, port: relayPorts.tunnel });
    t.like(evidence('tunnel-query')['postgres'], {
      authenticated: true,
      rows: [[postgresAccess.user, postgres]],
    });
  },
);

test.serial('a client outside the cluster: the relay runs a batch itself through docker exec', async (t) => {
  const relay = targets?.relay;
  const postgres = targets?.addresses.postgres ?? '';
  if (!relay) return t.fail('the relay did not start');
  const host = containerAgentHost(docker, relay.container, 'relay container');
  const lines: string[] = [];
  const batch = {
    probes: [
      postgresQuery('db', postgres),
      // A port nothing listens on, on the database's host: the kernel refuses.
      { id: 'closed', technique: 'tcp', host: postgres, port: 9, timeoutMs: 3000 },
    ],
  };
  const result = await host.exec(
    ['node', agentPath, 'probe'],
    JSON.stringify(batch),
    (line) => lines.push(line),
    {
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    },
  );
  t.is(result.exitCode, 0, result.stderr);
  const observations = new Map(
    lines
      .map(parseObservationLine)
      .flatMap((observation) => (observation ? [[observation.id, observation]] : [])),
  );
  t.is(observations.get('db')?.outcome, 'connected', JSON.stringify(observations.get('db')));
  t.like((observations.get('db')?.['evidence'] as Record<string, unknown>)['postgres'], {
    authenticated: true,
    rows: [[postgresAccess.user, postgres]],
  });
  t.is(observations.get('closed')?.outcome, 'refused');
});

test.serial('stop() removes every container it started; nothing labelled remains', async (t) => {
  const ids = targets?.containers ?? [];
  t.is(ids.length, 2);
  const started = targets;
  targets = undefined;
  await started?.stop(new AbortController().signal);
  t.deepEqual(await docker.containersWithLabel(selector), [], 'no target container survives stop()');
  await t.notThrowsAsync(
    started?.stop(new AbortController().signal) ?? Promise.reject(new Error('never started')),
    'a second stop() has nothing left to do',
  );
  await docker.removeNetwork([network]);
  t.deepEqual(await leftovers(selector), { containers: [], networks: [] });
});
