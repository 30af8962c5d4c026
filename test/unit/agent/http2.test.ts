// The http technique over HTTP/2 cleartext with prior knowledge (h2c), against the real gauntlet echo
// on loopback: the echo answers both versions on one port, a method sent as `delete` arrives as
// `delete` (Istio GHSA-w44g-8m76-8gc5 lives in that spelling), and each way a connection can fail
// reads as the HTTP/1.1 path's same outcome, so the classifier judges both alike.
import { constants as http2Constants, createServer as createHttp2Server } from 'node:http2';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { describeAnswer } from '../../../harness/model/destination-answer.ts';
import { ProbeRequest } from '../../../harness/agent/protocol.ts';
import type { Observation } from '../../../harness/agent/protocol.ts';
import { runProbe } from '../../../harness/agent/run-probe.ts';
import { httpEcho } from '../../../harness/agent/serve/http-echo.ts';
import { classify } from '../../../harness/probe/classify.ts';

async function listening(t: ExecutionContext, server: Server | Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function probe(port: number, http: Record<string, unknown>, timeoutMs = 1500): ProbeRequest {
  return ProbeRequest.parse({ id: 'h2', technique: 'http', host: '127.0.0.1', port, timeoutMs, http });
}

const h2 = { version: '2' } as const;

/** A bare node:http2 server standing in for a peer that misbehaves; its sessions end with the test. */
async function http2Peer(t: ExecutionContext, setUp: (server: Http2Server) => void): Promise<number> {
  const server = createHttp2Server();
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  setUp(server);
  const port = await listening(t, server);
  // A session that sent GOAWAY stays open after the client leaves; the server's close would wait on it.
  t.teardown(() => sessions.forEach((session) => session.destroy()));
  return port;
}

test('an h2c GET reaches the echo, which answers over HTTP/2 with its identity', async (t) => {
  const port = await listening(t, httpEcho('api'));
  const observation = await runProbe(probe(port, { ...h2, path: '/reviews' }));
  t.is(observation.outcome, 'http', JSON.stringify(observation));
  t.is(observation.status, 200);
  t.is(observation.server, 'gauntlet-echo');
  t.is(observation.evidence.httpVersion, '2');
  t.is(observation.evidence.echo?.name, 'api');
  t.is(observation.evidence.echo?.httpVersion, '2.0', 'the echo saw an HTTP/2 request');
  t.is(observation.evidence.echo?.path, '/reviews');
  t.is(observation.evidence.sourceSeen, '127.0.0.1');
  t.true(typeof observation.timings.connectMs === 'number');
  // The technique's own time, which the connect counts from (preludes would lengthen totalMs).
  t.true(typeof observation.timings.techniqueMs === 'number');
  t.true((observation.timings.techniqueMs ?? Infinity) <= observation.timings.totalMs);
  const judged = classify(observation);
  t.is(judged.verdict, 'reached');
  t.is(judged.shape, 'echo');
  t.like(judged.answer, { kind: 'echo', protocol: 'http', name: 'api', status: 200, httpVersion: '2' });
  t.regex(judged.answer ? describeAnswer(judged.answer) : '', /^http echo "api", HTTP\/2 200/);
});

test('a lower-case method goes over HTTP/2 as written and arrives as written', async (t) => {
  const port = await listening(t, httpEcho('api'));
  const observation = await runProbe(probe(port, { ...h2, method: 'delete', path: '/admin' }));
  t.is(observation.outcome, 'http', JSON.stringify(observation));
  t.is(observation.evidence.echo?.method, 'delete');
  t.is(observation.evidence.echo?.path, '/admin');
});

test('HTTP/1.1 still works on the same port, and says nothing of a version', async (t) => {
  const port = await listening(t, httpEcho('api'));
  const observation = await runProbe(probe(port, { method: 'DELETE', path: '/admin' }));
  t.is(observation.outcome, 'http', JSON.stringify(observation));
  t.is(observation.evidence.echo?.method, 'DELETE');
  t.is(observation.evidence.echo?.httpVersion, '1.1');
  t.is(observation.evidence.httpVersion, undefined);
  const judged = classify(observation);
  t.is(judged.verdict, 'reached');
  t.regex(judged.answer ? describeAnswer(judged.answer) : '', /^http echo "api", HTTP 200/);
});

test('the echo tells HTTP/2 from HTTP/1 even when the preface arrives a byte at a time', async (t) => {
  const echoPort = await listening(t, httpEcho('api'));
  // A relay that sends the client's first segment on one byte at a time: the echo must wait until
  // the bytes say which version they are.
  const relay = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: echoPort, noDelay: true });
    upstream.on('error', () => client.destroy()).pipe(client);
    client.on('error', () => upstream.destroy());
    void (async () => {
      let first = true;
      for await (const chunk of client as AsyncIterable<Buffer>) {
        if (!first) upstream.write(chunk);
        else
          for (const byte of chunk) {
            upstream.write(Buffer.from([byte]));
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        first = false;
      }
      upstream.end();
    })();
  });
  const port = await listening(t, relay);
  for (const http of [h2, { method: 'GET' }]) {
    const observation = await runProbe(probe(port, http, 3000));
    t.is(observation.outcome, 'http', JSON.stringify(observation));
    t.is(observation.evidence.echo?.name, 'api');
    t.is(observation.evidence.echo?.httpVersion, 'version' in http ? '2.0' : '1.1');
  }
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

test('a refused port is refused at connect', async (t) => {
  const observation = await runProbe(probe(await closedPort(), h2));
  t.is(observation.outcome, 'refused', JSON.stringify(observation));
  t.is(observation.errno, 'ECONNREFUSED');
  t.is(observation.step, 'connect');
  t.is(observation.evidence.httpVersion, '2', 'the HTTP/2 client tried');
  t.is(classify(observation).shape, 'refused');
});

test('a server that accepts and closes without a byte reads as connected then closed (EOF)', async (t) => {
  // What Envoy's TCP RBAC deny does once it has read the client's first bytes.
  const server = createServer((socket) => socket.once('data', () => socket.end()));
  const observation = await runProbe(probe(await listening(t, server), h2));
  t.is(observation.outcome, 'connected', JSON.stringify(observation));
  t.true(observation.evidence.closedAfterConnect);
  t.is(observation.evidence.httpVersion, '2', 'the HTTP/2 client tried');
  t.is(observation.status, undefined);
  const judged = classify(observation);
  t.is(judged.shape, 'accepted-closed');
  t.is(judged.verdict, 'blocked');
});

test('a stream the server refuses with RST_STREAM before any header reads as a reset', async (t) => {
  const port = await http2Peer(t, (server) =>
    server.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.close(http2Constants.NGHTTP2_REFUSED_STREAM);
    }),
  );
  const observation = await runProbe(probe(port, h2));
  t.is(observation.outcome, 'reset', JSON.stringify(observation));
  t.is(observation.errno, 'ERR_HTTP2_STREAM_ERROR');
  t.regex(observation.message ?? '', /NGHTTP2_REFUSED_STREAM/);
  t.is(observation.evidence.httpVersion, '2');
  const judged = classify(observation);
  t.is(judged.shape, 'reset');
  t.is(judged.verdict, 'blocked');
});

test('a GOAWAY that leaves our stream unprocessed reads as a reset too', async (t) => {
  const port = await http2Peer(t, (server) =>
    server.on('session', (session) => session.goaway(http2Constants.NGHTTP2_NO_ERROR, 0)),
  );
  const observation = await runProbe(probe(port, h2));
  t.is(observation.outcome, 'reset', JSON.stringify(observation));
  t.regex(observation.message ?? '', /REFUSED_STREAM/);
});

test('a server that never answers: a timeout at the response step, within the deadline', async (t) => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  t.teardown(() => sockets.forEach((socket) => socket.destroy()));
  const started = performance.now();
  const observation: Observation = await runProbe(probe(await listening(t, server), h2, 300));
  const took = performance.now() - started;
  t.is(observation.outcome, 'timeout', JSON.stringify(observation));
  t.is(observation.step, 'response');
  t.is(observation.evidence.httpVersion, '2', 'the HTTP/2 client tried');
  t.true(took >= 290 && took < 1000, `bounded by the 300 ms deadline (${Math.round(took)} ms)`);
  t.is(classify(observation).shape, 'accepted-silent');
});

test('a probe that finishes leaves no handle behind: the agent process exits', async (t) => {
  const { spawn } = await import('node:child_process');
  const { join } = await import('node:path');
  const { projectRoot } = await import('../../../harness/provision/probe-image.ts');
  const port = await listening(t, httpEcho('api'));
  const child = spawn(process.execPath, [join(projectRoot, 'dist', 'agent.mjs'), 'probe'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stdin.end(JSON.stringify({ probes: [probe(port, { ...h2, method: 'delete' })] }));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(-1);
    }, 10_000);
    child.once('close', (exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
  t.is(code, 0, stdout);
  t.regex(stdout, /"outcome":"http"/);
  t.regex(stdout, /"method":"delete"/);
});

test("a server that is not ours answers over HTTP/2 with a status: reached as http-status; Envoy's RBAC 403 is mesh-l7 as over HTTP/1.1", async (t) => {
  const port = await http2Peer(t, (server) =>
    server.on('request', (request, response) => {
      const denied = request.url === '/admin';
      response.writeHead(denied ? 403 : 204, { server: denied ? 'istio-envoy' : 'api' });
      response.end(denied ? 'RBAC: access denied' : '');
    }),
  );
  const foreign = await runProbe(probe(port, h2));
  t.is(foreign.outcome, 'http', JSON.stringify(foreign));
  t.is(foreign.status, 204);
  const answered = classify(foreign);
  t.is(answered.shape, 'http-status');
  t.is(answered.verdict, 'reached');
  t.is(answered.answer ? describeAnswer(answered.answer) : '', 'HTTP/2 204 from server "api"');
  const denied = classify(await runProbe(probe(port, { ...h2, method: 'delete', path: '/admin' })));
  t.is(denied.shape, 'http-rbac-denied');
  t.is(denied.layer, 'mesh-l7');
});
