// The tcp technique's TLS exchange on loopback: a real TLS server (a self-signed test certificate,
// test/fixtures/tls) answers with a ServerHello; a proxy that accepts and stays silent, one that
// closes without a byte, and a server that is not TLS each read as what they are.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { deadlineIn } from '../../../harness/agent/deadline.ts';
import type { ProbeRequest } from '../../../harness/agent/protocol.ts';
import { tcpProbe } from '../../../harness/agent/techniques/tcp.ts';
import { classify } from '../../../harness/probe/classify.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url));

async function listening(t: ExecutionContext, server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return (server.address() as AddressInfo).port;
}

function request(port: number, timeoutMs = 1000): ProbeRequest {
  return {
    id: 'tls',
    technique: 'tcp',
    host: '127.0.0.1',
    port,
    timeoutMs,
    preludes: [],
    application: 'tls',
    adminPort: 15000,
    hijackPort: 15001,
    mark: 0x539,
  };
}

async function probeAndJudge(port: number, timeoutMs = 1000) {
  const result = await tcpProbe(request(port, timeoutMs), deadlineIn(timeoutMs));
  const judged = classify({
    id: 'tls',
    technique: 'tcp',
    ...result,
    timings: {
      startedAt: '',
      totalMs: timeoutMs,
      ...(result.connectMs ? { connectMs: result.connectMs } : {}),
    },
  });
  return { result, judged };
}

test('a TLS server answers the ClientHello: reached, with its certificate as the answer', async (t) => {
  const server = createTlsServer({ key: fixture('server.key'), cert: fixture('server.pem') }, (socket) =>
    socket.on('error', () => socket.destroy()),
  );
  const { result, judged } = await probeAndJudge(await listening(t, server));
  t.is(result.outcome, 'connected');
  t.like(result.evidence?.tls, { answer: 'handshake', subject: 'gauntlet-test-apiserver' });
  t.is(judged.verdict, 'reached');
  t.like(judged.answer, { kind: 'tls', answer: 'handshake', subject: 'gauntlet-test-apiserver' });
});

test('a proxy that accepts and stays silent: blocked, the destination never answered', async (t) => {
  const sockets: Socket[] = [];
  const sink = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => socket.destroy());
  });
  t.teardown(() => sockets.forEach((socket) => socket.destroy()));
  const { result, judged } = await probeAndJudge(await listening(t, sink), 400);
  t.deepEqual(result.evidence, { silent: true });
  t.is(judged.verdict, 'blocked');
  t.is(judged.answer, undefined);
});

test('a proxy that closes without a byte: blocked', async (t) => {
  const closer = createServer((socket) => socket.end());
  const { result, judged } = await probeAndJudge(await listening(t, closer));
  t.deepEqual(result.evidence, { closedAfterConnect: true });
  t.is(judged.verdict, 'blocked');
});

test('a server that answers with bytes that are not TLS still answered', async (t) => {
  const plain = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
  });
  const { result, judged } = await probeAndJudge(await listening(t, plain));
  t.is(result.evidence?.tls?.answer, 'not-tls', JSON.stringify(result));
  t.is(judged.verdict, 'reached');
});

test('a proxy that resets the accepted connection (ztunnel refusing a flow): reset, blocked at mesh-l4', async (t) => {
  const resetter = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => socket.resetAndDestroy());
  });
  const { result, judged } = await probeAndJudge(await listening(t, resetter));
  t.is(result.outcome, 'reset', JSON.stringify(result));
  t.is(judged.verdict, 'blocked');
  t.is(judged.layer, 'mesh-l4');
});
