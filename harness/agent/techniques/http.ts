// http: one request to the destination; the gauntlet HTTP echo answers with JSON of what it saw.
// HTTP/1.1 here; version '2' goes to http2.ts.
// A 403 whose body reads "RBAC: access denied" is Envoy's L7 deny; the classifier reads it.
import { request as httpRequest } from 'node:http';
import type { Deadline } from '../deadline.ts';
import { HttpRequestSpec } from '../protocol.ts';
import type { ProbeRequest } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { httpEvidence } from './http-evidence.ts';
import { http2Probe } from './http2.ts';

const bodyLimit = 64 * 1024;

export function httpProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  if (probe.http?.version === '2') return http2Probe(probe, deadline);
  return http1Probe(probe, deadline);
}

function http1Probe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const spec = probe.http ?? HttpRequestSpec.parse({});
  return new Promise((resolve) => {
    let settled = false;
    let connectMs: number | undefined;
    const started = performance.now();
    const finish = (result: TechniqueResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(connectMs === undefined ? result : { ...result, connectMs });
    };
    const request = httpRequest({
      host: probe.host,
      port: probe.port,
      method: spec.method,
      path: spec.path,
      headers: { 'user-agent': 'gauntlet-agent', ...(spec.headers ?? {}) },
      agent: false,
    });
    const timer = setTimeout(
      () => finish({ outcome: 'timeout', step: connectMs === undefined ? 'connect' : 'response' }),
      deadline.remaining(),
    );
    request.on('socket', (socket) =>
      socket.once('connect', () => {
        connectMs = performance.now() - started;
      }),
    );
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < bodyLimit) body += chunk;
      });
      const done = () =>
        finish({
          outcome: 'http',
          status: response.statusCode ?? 0,
          ...(typeof response.headers['server'] === 'string' ? { server: response.headers['server'] } : {}),
          evidence: httpEvidence(body),
        });
      response.once('end', done);
      response.once('error', done);
    });
    request.on('error', (error) => {
      const failed = outcomeOfError(error);
      // A connection closed before any response (an L4 deny on an HTTP port, a proxy that gave up on
      // its upstream) reads as EOF. Node names that "socket hang up" with code ECONNRESET (lib/_http_client.js
      // socketOnEnd), while a real reset reads "read ECONNRESET": only the second is a reset.
      if (connectMs !== undefined && /socket hang up/.test(failed.message))
        finish({ ...failed, outcome: 'connected', evidence: { closedAfterConnect: true } });
      else if (connectMs !== undefined && failed.errno === 'ECONNRESET')
        finish({ ...failed, outcome: 'reset' });
      else finish({ ...failed, step: connectMs === undefined ? 'connect' : 'response' });
    });
    request.end();
  });
}
