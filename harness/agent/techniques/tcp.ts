// tcp: connect, read the destination's hello line (a gauntlet echo says who it is and which peer it
// saw), exchange one line, close. With application postgres, speak PostgreSQL instead; with tls, send
// a ClientHello and read the server's answer. udp-tunnel holds the same conversation over its tunnel
// (`converse`).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import type { ProbeRequest } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { postgresExchange } from './postgres.ts';
import { tlsExchange } from './tls.ts';

/** Opens a TCP connection within the deadline; resolves with the socket or the failure outcome. */
export function openTcp(
  host: string,
  port: number,
  deadline: Deadline,
): Promise<{ socket: Socket; connectMs: number } | TechniqueResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'timeout', step: 'connect' });
    }, deadline.remaining());
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket, connectMs: performance.now() - started });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...outcomeOfError(error), step: 'connect' });
    });
  });
}

type LineRead =
  | { line: string }
  | { end: true; data: string }
  | { error: unknown; data: string }
  | { timeout: true; data: string };

/** Reads up to the first newline, the end of the stream, an error or the deadline. */
export function readLine(socket: Duplex, deadline: Deadline): Promise<LineRead> {
  return new Promise((resolve) => {
    let data = '';
    const done = (value: LineRead) => {
      clearTimeout(timer);
      socket.off('data', onData).off('end', onEnd).off('error', onError);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      data += chunk.toString('utf8');
      const newline = data.indexOf('\n');
      if (newline >= 0) done({ line: data.slice(0, newline) });
    };
    const onEnd = () => done({ end: true, data });
    const onError = (error: unknown) => done({ error, data });
    const timer = setTimeout(() => done({ timeout: true, data }), deadline.remaining());
    socket.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

export async function tcpProbe(request: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const opened = await openTcp(request.host, request.port, deadline);
  if (!('socket' in opened)) return opened;
  return converse(opened.socket, opened.connectMs, request, deadline);
}

/**
 * What a probe does once its byte stream is open (a TCP socket, or a udp-tunnel through a relay):
 * speak the application it asked for, or read the destination's hello and exchange one line with a
 * gauntlet echo. Destroys the stream when done.
 */
export async function converse(
  socket: Duplex,
  connectMs: number,
  request: ProbeRequest,
  deadline: Deadline,
): Promise<TechniqueResult> {
  try {
    if (request.application === 'postgres') {
      const postgres = await postgresExchange(socket, deadline, {
        user: request.user ?? 'postgres',
        database: request.database ?? request.user ?? 'postgres',
      });
      return { outcome: 'connected', connectMs, evidence: { postgres } };
    }
    if (request.application === 'tls') return { ...(await tlsExchange(socket, deadline)), connectMs };
    const hello = await readLine(socket, deadline);
    if ('end' in hello && hello.data === '')
      // Envoy's TCP RBAC deny accepts then closes: the client reads EOF (Istio's Forbidden checker for TCP
      // expects "EOF", istio/istio pkg/test/framework/components/echo/check/checkers.go).
      return { outcome: 'connected', connectMs, evidence: { closedAfterConnect: true } };
    if ('error' in hello) {
      const failed = outcomeOfError(hello.error);
      return {
        ...failed,
        connectMs,
        step: 'read hello',
        evidence: hello.data === '' ? { closedAfterConnect: true } : {},
      };
    }
    if ('timeout' in hello) return { outcome: 'connected', connectMs, evidence: { silent: true } };
    const text = 'line' in hello ? hello.line : hello.data;
    const echo = parseEcho(text);
    if (!echo) return { outcome: 'connected', connectMs, evidence: { body: text.slice(0, 200) } };
    // One exchange: the echo repeats our line, so the destination really carries data both ways.
    const ping = `gauntlet-ping ${request.id}`;
    socket.write(`${ping}\n`);
    const answer = await readLine(socket, deadline);
    return {
      outcome: 'connected',
      connectMs,
      evidence: { ...evidenceFromEcho(echo), exchanged: 'line' in answer && answer.line === ping },
    };
  } finally {
    socket.destroy();
  }
}
