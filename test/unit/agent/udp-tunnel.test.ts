// udp-tunnel on loopback: the agent's client and its own relay (serve --relay) carry a TCP
// conversation inside UDP datagrams. The destination may speak first (a gauntlet echo) or wait for
// the client (PostgreSQL); the relay's connect errors and a relay that never answers are outcomes.
import { classify } from '../../../harness/probe/classify.ts';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import test from 'ava';
import { deadlineIn } from '../../../harness/agent/deadline.ts';
import type { ProbeRequestInput } from '../../../harness/agent/protocol.ts';
import { ProbeRequest } from '../../../harness/agent/protocol.ts';
import { udpRelay } from '../../../harness/agent/serve/relay.ts';
import { tcpEcho } from '../../../harness/agent/serve/tcp-echo.ts';
import { attackerQuery } from '../../../harness/agent/techniques/postgres.ts';
import { udpTunnelProbe } from '../../../harness/agent/techniques/udp-tunnel.ts';
import { openTunnel } from '../../../harness/agent/tunnel-stream.ts';
import { fakePostgres } from '../../support/fake-postgres.ts';

const loopback = '127.0.0.1';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, loopback, () => resolve((server.address() as AddressInfo).port)),
  );
}

function bind(socket: UdpSocket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, loopback, () => resolve(socket.address().port)));
}

async function relayOnLoopback(t: { teardown: (fn: () => void) => void }): Promise<number> {
  const relay = udpRelay();
  t.teardown(() => relay.close());
  return bind(relay);
}

function tunnelProbe(fields: Partial<ProbeRequestInput> & { port: number; relayPort: number }) {
  const { relayPort, ...rest } = fields;
  return ProbeRequest.parse({
    id: 'tunnel',
    technique: 'udp-tunnel',
    host: loopback,
    timeoutMs: 2000,
    relay: { host: loopback, port: relayPort },
    ...rest,
  });
}

test('the echo answers our line through the tunnel with who it is, and repeats the line', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const echo = tcpEcho('target');
  t.teardown(() => echo.close());
  const port = await listen(echo);
  const result = await udpTunnelProbe(tunnelProbe({ port, relayPort }), deadlineIn(2000));
  t.is(result.outcome, 'connected', JSON.stringify(result));
  t.true(result.evidence?.exchanged);
  t.is(result.evidence?.echo?.name, 'target');
  t.is(result.evidence?.sourceSeen, loopback, 'the relay opened the connection');
  t.deepEqual(result.evidence?.relay, { host: loopback, port: relayPort });
});

test('a client-first destination: a PostgreSQL query runs through the tunnel', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const seen: { startup?: string; query?: string } = {};
  const postgres = await fakePostgres(0, seen);
  t.teardown(() => postgres.close());
  const port = (postgres.address() as AddressInfo).port;
  const result = await udpTunnelProbe(
    tunnelProbe({ port, relayPort, application: 'postgres', user: 'app', database: 'orders' }),
    deadlineIn(2000),
  );
  t.is(result.outcome, 'connected', JSON.stringify(result));
  t.is(seen.query, attackerQuery);
  t.regex(seen.startup ?? '', /user\0app\0database\0orders\0/);
  t.like(result.evidence?.postgres, { authenticated: true, rows: [['app', '198.19.0.5']] });
});

test('a destination that stays silent: connected and silent, which the rule scores blocked', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const silent = createServer((socket) => socket.on('error', () => undefined));
  t.teardown(() => silent.close());
  const port = await listen(silent);
  const started = performance.now();
  const result = await udpTunnelProbe(tunnelProbe({ port, relayPort, timeoutMs: 600 }), deadlineIn(600));
  t.is(result.outcome, 'connected');
  t.true(result.evidence?.silent);
  t.true(performance.now() - started < 1500, 'bounded by the deadline');
  t.is(classify({ id: 'p', technique: 'udp-tunnel', ...result }).verdict, 'blocked');
});

test('the relay cannot connect: refused, with the errno and the step', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const closed = createServer();
  const port = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  const result = await udpTunnelProbe(tunnelProbe({ port, relayPort }), deadlineIn(2000));
  t.like(result, { outcome: 'refused', errno: 'ECONNREFUSED', step: 'relay connect' });
});

test('a relay that never answers: timeout while opening, within the deadline', async (t) => {
  // A bound UDP socket that reads and never replies: the datagrams arrive, nothing comes back.
  const sink = createSocket('udp4');
  let datagrams = 0;
  sink.on('message', () => (datagrams += 1));
  t.teardown(() => sink.close());
  const relayPort = await bind(sink);
  const started = performance.now();
  const result = await udpTunnelProbe(tunnelProbe({ port: 9, relayPort, timeoutMs: 700 }), deadlineIn(700));
  t.like(result, { outcome: 'timeout', step: 'relay open' });
  t.true(performance.now() - started < 1500);
  t.true(datagrams >= 2, `the open request was repeated (${datagrams} datagrams)`);
});

test('a large reply arrives whole: the relay splits it into small datagrams', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const payload = Buffer.alloc(48 * 1024, 'gauntlet ');
  const server = createServer((socket) => socket.end(payload));
  t.teardown(() => server.close());
  const port = await listen(server);
  const opened = await openTunnel({ host: loopback, port: relayPort }, loopback, port, deadlineIn(3000));
  if (!('stream' in opened)) return t.fail(JSON.stringify(opened));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no end of stream within 3 s')), 3000);
    opened.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    opened.stream.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  opened.stream.destroy();
  t.true(Buffer.concat(chunks).equals(payload));
});

test('a reset after the connection opened is a reset, not a quiet close', async (t) => {
  const relayPort = await relayOnLoopback(t);
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    setTimeout(() => socket.resetAndDestroy(), 50);
  });
  t.teardown(() => server.close());
  const port = await listen(server);
  const result = await udpTunnelProbe(tunnelProbe({ port, relayPort }), deadlineIn(2000));
  // Over TCP the same reset reads as `reset` (how ztunnel refuses), not as the EOF of Envoy's TCP deny.
  t.like(result, { outcome: 'reset', errno: 'ECONNRESET', step: 'read hello' });
});
