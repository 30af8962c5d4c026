// HTTP echo: answers every request with JSON of what it saw: peer address and port, method, path and
// headers (x-forwarded-client-cert, x-envoy-*: the marks of a request that crossed Envoy).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { echoReport } from './echo-report.ts';

export function httpEcho(name: string): Server {
  return createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const socket = request.socket;
      const report = echoReport(
        'gauntlet-echo',
        'http',
        name,
        { address: socket.remoteAddress, port: socket.remotePort },
        { address: socket.localAddress, port: socket.localPort },
        { method: request.method ?? '', path: request.url ?? '', headers: request.headers },
      );
      const body = JSON.stringify(report);
      response.writeHead(200, {
        'content-type': 'application/json',
        server: 'gauntlet-echo',
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    });
  });
}
