// http with version '2': one request over HTTP/2 cleartext with prior knowledge (h2c, RFC 9113
// §3.3), as gRPC clients speak it. HTTP/2 carries the method as the `:method` pseudo-header exactly as
// given, while Node's HTTP/1.1 client upper-cases it (node lib/_http_client.js) and Envoy's HTTP/1
// codec refuses other tokens: the only way to send `delete` (Istio GHSA-w44g-8m76-8gc5). The results
// have the shapes of the HTTP/1.1 path (http.ts), so the classifier reads both alike.
import { connect as http2Connect } from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import type { Deadline } from '../deadline.ts';
import type { ProbeRequest } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { httpEvidence } from './http-evidence.ts';

const bodyLimit = 64 * 1024;

/**
 * What a failed exchange says. A stream the peer ended with RST_STREAM before any response header
 * (or left unprocessed behind a GOAWAY, which nghttp2 closes as REFUSED_STREAM) was refused by the
 * peer: the HTTP/2 counterpart of a connection reset (RFC 9113 §8.7: REFUSED_STREAM means no
 * application processing happened), so it reads as `reset`. A GOAWAY with an error code ends the
 * whole session the same way. Anything else is the socket's own failure, named as http.ts names it.
 */
function failure(error: unknown, connected: boolean): TechniqueResult {
  // A stream still waiting for the connection is cancelled with the socket's error as its cause
  // (ERR_HTTP2_STREAM_CANCEL, node lib/internal/http2/core.js): the cause is what happened.
  const cause = (error as { code?: string; cause?: unknown }).cause ?? error;
  const { outcome, errno, message } = outcomeOfError(cause);
  const step = connected ? 'response' : 'connect';
  if (errno === 'ERR_HTTP2_STREAM_ERROR' || errno === 'ERR_HTTP2_SESSION_ERROR')
    return { outcome: 'reset', errno, step, message };
  return { outcome, ...(errno ? { errno } : {}), step, message };
}

export function http2Probe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  return new Promise((resolve) => {
    let settled = false;
    let connectMs: number | undefined;
    let response: { status: number; server?: string } | undefined;
    let body = '';
    const started = performance.now();
    // Our own socket, so that the connect is timed as http.ts times it.
    const socket = tcpConnect({ host: probe.host, port: probe.port });
    socket.once('connect', () => {
      connectMs = performance.now() - started;
    });
    const session = http2Connect(`http://${probe.host}:${probe.port}`, { createConnection: () => socket });
    const finish = (result: TechniqueResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Destroying the session destroys its socket: nothing keeps the agent's event loop alive.
      session.destroy();
      resolve({
        ...result,
        ...(connectMs === undefined ? {} : { connectMs }),
        evidence: { ...result.evidence, httpVersion: '2' },
      });
    };
    const answered = () => {
      if (!response) return false;
      finish({
        outcome: 'http',
        status: response.status,
        ...(response.server === undefined ? {} : { server: response.server }),
        evidence: httpEvidence(body),
      });
      return true;
    };
    const timer = setTimeout(
      () => finish({ outcome: 'timeout', step: connectMs === undefined ? 'connect' : 'response' }),
      deadline.remaining(),
    );
    // A failure after the response headers ends the body early: the destination still answered.
    const failed = (error: unknown) => {
      if (!answered()) finish(failure(error, connectMs !== undefined));
    };
    session.on('error', failed);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request({
        ':method': probe.http?.method ?? 'GET',
        ':path': probe.http?.path ?? '/',
        'user-agent': 'gauntlet-agent',
        ...(probe.http?.headers ?? {}),
      });
    } catch (error) {
      // Headers HTTP/2 forbids (connection-specific ones, RFC 9113 §8.2.2) are refused before sending.
      finish({ ...outcomeOfError(error), step: 'request' });
      return;
    }
    stream.on('response', (headers: IncomingHttpHeaders) => {
      const server = headers['server'];
      response = {
        status: Number(headers[':status'] ?? 0),
        ...(typeof server === 'string' ? { server } : {}),
      };
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (body.length < bodyLimit) body += chunk;
    });
    stream.once('end', answered);
    stream.on('error', failed);
    stream.once('close', () => {
      if (answered()) return;
      // Closed with no response and no error: the connection ended (FIN) before the peer said
      // anything, which Node reports as a locally cancelled stream (rstCode NGHTTP2_CANCEL). As http.ts
      // reads HTTP/1.1's "socket hang up": an L4 deny, or a proxy that gave up on its upstream.
      if (connectMs !== undefined) finish({ outcome: 'connected', evidence: { closedAfterConnect: true } });
      else
        finish({
          outcome: 'error',
          step: 'connect',
          message: 'the stream closed before the connection opened',
        });
    });
    stream.end();
  });
}
