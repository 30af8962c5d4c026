// tcp: connect, say one line, read the destination's answer (a gauntlet echo says who it is and which
// peer it saw, then repeats our line), close. With application postgres, speak PostgreSQL instead; with tls, send
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

/**
 * Reads a stream line by line: each `read` resolves with the next line, the end of the stream, an
 * error or the deadline. The stream is read from the start, and what arrives past a line is kept
 * for the next read: a server may send two lines in one segment (the echo's report and our line
 * back), or close between two reads.
 */
export function lineReader(socket: Duplex): { read(deadline: Deadline): Promise<LineRead> } {
  let data = '';
  let ended: { end: true } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  socket
    .on('data', (chunk: Buffer) => {
      data += chunk.toString('utf8');
      wake?.();
    })
    .once('end', () => {
      ended ??= { end: true };
      wake?.();
    })
    .once('error', (error: unknown) => {
      ended ??= { error };
      wake?.();
    });
  const next = (): LineRead | undefined => {
    const newline = data.indexOf('\n');
    if (newline >= 0) {
      const line = data.slice(0, newline);
      data = data.slice(newline + 1);
      return { line };
    }
    return ended ? { ...ended, data } : undefined;
  };
  return {
    read(deadline) {
      return new Promise((resolve) => {
        const ready = next();
        if (ready) return resolve(ready);
        const timer = setTimeout(() => {
          wake = undefined;
          resolve({ timeout: true, data });
        }, deadline.remaining());
        wake = () => {
          const value = next();
          if (!value) return;
          wake = undefined;
          clearTimeout(timer);
          resolve(value);
        };
      });
    },
  };
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
    // Client first (harness/agent/serve/tcp-echo.ts says why): our line, then the echo's report of
    // who it is, then our line back, so the destination really carried data both ways.
    const ping = `gauntlet-ping ${request.id}`;
    socket.write(`${ping}\n`);
    const lines = lineReader(socket);
    const hello = await lines.read(deadline);
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
    const answer = await lines.read(deadline);
    return {
      outcome: 'connected',
      connectMs,
      evidence: { ...evidenceFromEcho(echo), exchanged: 'line' in answer && answer.line === ping },
    };
  } finally {
    socket.destroy();
  }
}
