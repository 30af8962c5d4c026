// The probe image builds with the real engine and works in its roles: a target serving TCP, HTTP
// and UDP echo, and an attacker whose agent probes it across a Docker network through `docker exec`.
import test from 'ava';
import {
  docker,
  leftovers,
  probe,
  probeImage,
  startRenderedRole,
  sweep,
  testLabels,
} from './support/docker-fixtures.ts';

const { labels, selector } = testLabels('probe-image');
test.after.always(async () => sweep(selector));

test.serial(
  'the probe image builds from images/probe with the bundled agent, small and root by default',
  async (t) => {
    const image = await probeImage();
    t.log(
      `${image.ref}: ${(image.sizeBytes / 1e6).toFixed(1)} MB, built in ${(image.buildMs / 1000).toFixed(1)} s`,
    );
    t.true(await docker.imageExists(image.ref));
    // Debian slim + nodejs + python3 + iproute2 + iptables is about 200 MB; far more means a mistake
    // (apt lists, recommends, a build context that swept in the project).
    t.true(image.sizeBytes > 50e6 && image.sizeBytes < 300e6, `size ${image.sizeBytes}`);

    // The image's own default command (the target role): no securityContext, so the image's user.
    const container = await docker.run({ image: image.ref, labels });
    const tools = await docker.exec(container, [
      'sh',
      '-c',
      'id -u; node --version; python3 --version; ip -V; iptables --version; test -s /opt/gauntlet/agent.mjs && echo agent-ok; ls /etc/ssl/certs/ca-certificates.crt',
    ]);
    t.is(tools.exitCode, 0, tools.stderr);
    const [uid, nodeVersion, python, ip, iptables, agent, certs] = tools.stdout.trim().split('\n');
    t.is(uid, '0', 'runs as root by default');
    t.regex(nodeVersion ?? '', /^v(1[89]|[2-9]\d)\./, 'Node 18 or later');
    t.regex(python ?? '', /^Python 3\./);
    t.regex(ip ?? '', /iproute2/);
    t.regex(iptables ?? '', /^iptables v1\./);
    t.is(agent, 'agent-ok');
    t.is(certs, '/etc/ssl/certs/ca-certificates.crt');
  },
);

test.serial(
  'an attacker reaches a target on a Docker network: tcp, http and udp reached, an empty port refused',
  async (t) => {
    const image = await probeImage();
    const network = `gauntlet-test-${selector.split('=')[1]}`;
    await docker.createNetwork(network, { labels });
    const target = await docker.run({ image: image.ref, network, labels }); // default CMD: serve 8080/8081/5353
    const attacker = await startRenderedRole('attacker', { network, labels });
    const targetAddress = (await docker.inspect(target)).addresses[network] ?? '';
    const attackerAddress = (await docker.inspect(attacker)).addresses[network] ?? '';
    t.regex(targetAddress, /^198\.19\./, 'CI docker pools live in 198.19.0.0/16');

    // The target's listeners come up asynchronously: wait (bounded) for its TCP port from inside it.
    const ready = await docker.exec(target, [
      'bash',
      '-c',
      'for i in $(seq 50); do (</dev/tcp/127.0.0.1/8080) 2>/dev/null && (</dev/tcp/127.0.0.1/8081) 2>/dev/null && exit 0; sleep 0.2; done; exit 1',
    ]);
    t.is(ready.exitCode, 0, 'the target serves 8080 and 8081 within 10 s');

    const observations = await probe(t, attacker, [
      { id: 'tcp', technique: 'tcp', host: targetAddress, port: 8080, timeoutMs: 3000 },
      {
        id: 'http',
        technique: 'http',
        host: targetAddress,
        port: 8081,
        timeoutMs: 3000,
        http: { path: '/who' },
      },
      { id: 'udp', technique: 'udp', host: targetAddress, port: 5353, timeoutMs: 3000 },
      { id: 'closed', technique: 'tcp', host: targetAddress, port: 9, timeoutMs: 3000 },
    ]);
    const outcome = (id: string): unknown => observations.get(id)?.['outcome'];
    const evidence = (id: string): Record<string, unknown> =>
      (observations.get(id)?.['evidence'] ?? {}) as Record<string, unknown>;

    t.is(outcome('tcp'), 'connected');
    t.is(evidence('tcp')['sourceSeen'], attackerAddress, 'the target saw the attacker, not a proxy');
    t.is(outcome('http'), 'http');
    t.is(observations.get('http')?.['status'], 200);
    const echo = evidence('http')['echo'] as Record<string, unknown> | undefined;
    t.is(echo?.['path'], '/who', 'the HTTP echo reports the path it served');
    t.is(outcome('udp'), 'connected', 'the UDP echo came back');
    t.is(evidence('udp')['sourceSeen'], attackerAddress);
    t.is(outcome('closed'), 'refused', 'nothing listens on 9: the kernel answers RST');
  },
);

test.serial('nothing this file started is left behind', async (t) => {
  await sweep(selector);
  t.deepEqual(await leftovers(selector), { containers: [], networks: [] });
});
