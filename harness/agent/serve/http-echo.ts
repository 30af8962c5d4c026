// HTTP echo: answers every request with JSON of what it saw: peer address and port, method, path and
// headers (x-forwarded-client-cert, x-envoy-*: the marks of a request that crossed Envoy), and the
// HTTP version it arrived in. One port speaks HTTP/1.1 and HTTP/2 cleartext with prior knowledge
// (h2c, as gRPC clients speak it): each connection's first bytes say which.
import { createServer as createHttp1Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import { Server } from 'node:net';
import type { Socket } from 'node:net';
import { echoReport } from './echo-report.ts';

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const http2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** HTTP/2 while the bytes so far are the start of the preface (or all of it), HTTP/1 at the first byte that is not. */
function versionOf(firstBytes: Buffer): '1.1' | '2' | undefined {
  const length = Math.min(firstBytes.length, http2Preface.length);
  if (!firstBytes.subarray(0, length).equals(http2Preface.subarray(0, length))) return '1.1';
  return length === http2Preface.length ? '2' : undefined;
}

function answer(name: string) {
  return (
    request: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
  ): void => {
    request.resume();
    request.on('end', () => {
      const socket = request.socket;
      const report = echoReport(
        'gauntlet-echo',
        'http',
        name,
        { address: socket.remoteAddress, port: socket.remotePort },
        { address: socket.localAddress, port: socket.localPort },
        // The method as it arrived: over HTTP/2 a lower-case `delete` stays lower-case.
        {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          httpVersion: request.httpVersion,
        },
      );
      const body = JSON.stringify(report);
      response.writeHead(200, {
        'content-type': 'application/json',
        server: 'gauntlet-echo',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    });
  };
}

/**
 * A TCP server that reads each connection's first bytes and hands the socket, bytes put back, to the
 * HTTP/1 or the HTTP/2 server. Closing it closes both: the HTTP/1 server's idle connections and
 * every HTTP/2 session (GOAWAY, in-flight streams finish), so a stopped echo lets its process exit.
 */
class HttpEchoServer extends Server {
  readonly #http1;
  readonly #http2;
  readonly #sessions = new Set<ServerHttp2Session>();

  constructor(name: string) {
    super((socket) => this.#dispatch(socket));
    this.#http1 = createHttp1Server(answer(name));
    this.#http2 = createHttp2Server(answer(name));
    this.#http2.on('session', (session: ServerHttp2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
    this.#http1.close();
    this.#http2.close();
    for (const session of this.#sessions) session.close();
    return this;
  }

  #dispatch(socket: Socket): void {
    let firstBytes = Buffer.alloc(0);
    const read = (chunk: Buffer) => {
      firstBytes = Buffer.concat([firstBytes, chunk]);
      const version = versionOf(firstBytes);
      if (version === undefined) return;
      socket.off('data', read).off('error', failed);
      // Paused, so the bytes stay buffered until the chosen server reads them: Node's HTTP/2 session
      // takes what is already buffered first (node lib/internal/http2/core.js setupHandle,
      // socket.readableLength), the HTTP/1 server reads it once the socket flows again.
      socket.pause();
      socket.unshift(firstBytes);
      if (version === '2') this.#http2.emit('connection', socket);
      else {
        this.#http1.emit('connection', socket);
        socket.resume();
      }
    };
    const failed = () => socket.destroy();
    socket.on('data', read).on('error', failed);
  }
}

export function httpEcho(name: string): Server {
  return new HttpEchoServer(name);
}
