// The lab's stand-in for the sidecar (or ztunnel): it listens where Envoy does (outbound 15001,
// inbound 15006, admin 127.0.0.1:15000) but forwards nothing; whoever it answers learns that a local
// proxy, not the destination, took the connection. POST /quitquitquit on the admin port stops it, as
// Envoy's admin API does (envoyproxy/envoy docs/root/operations/admin.rst); the lab's supervisor
// starts it again after a delay, as kubelet restarts a container.
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { echoReport } from './echo-report.ts';

/** Waits briefly for a client's first bytes: an HTTP request gets an HTTP answer, anything else a hello line. */
function standInListener(name: string): Server {
  return createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const report = (extra = {}) =>
      echoReport(
        'gauntlet-proxy-stand-in',
        'tcp',
        name,
        { address: socket.remoteAddress, port: socket.remotePort },
        { address: socket.localAddress, port: socket.localPort },
        extra,
      );
    const hello = setTimeout(() => socket.write(`${JSON.stringify(report())}\n`), 150);
    socket.once('data', (chunk) => {
      const text = chunk.toString('utf8');
      const request = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(text);
      if (!request) return;
      clearTimeout(hello);
      const body = JSON.stringify(report({ kind: 'http', method: request[1], path: request[2] }));
      socket.end(
        `HTTP/1.1 200 OK\r\nserver: gauntlet-proxy-stand-in\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    socket.setTimeout(30_000, () => socket.destroy());
  });
}

export interface StandInPorts {
  outbound: number;
  inbound: number;
  admin: number;
}

export const istioPorts: StandInPorts = { outbound: 15001, inbound: 15006, admin: 15000 };

/** Starts the stand-in; resolves once every port listens, and `stopped` settles on quitquitquit. */
export async function startStandIn(
  name: string,
  ports: StandInPorts = istioPorts,
): Promise<{ stopped: Promise<void> }> {
  const outbound = standInListener(name);
  const inbound = standInListener(name);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const admin = createHttpServer((request, response) => {
    if (request.method === 'POST' && request.url === '/quitquitquit') {
      response.end('OK\n', () => {
        for (const server of [outbound, inbound, admin]) server.close();
        stop();
      });
      return;
    }
    response.writeHead(request.url === '/ready' ? 200 : 404, { server: 'gauntlet-proxy-stand-in' });
    response.end(request.url === '/ready' ? 'LIVE\n' : 'not found\n');
  });
  const listen = (server: Server | ReturnType<typeof createHttpServer>, port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => resolve());
    });
  await listen(outbound, ports.outbound, '0.0.0.0');
  await listen(inbound, ports.inbound, '0.0.0.0');
  await listen(admin, ports.admin, '127.0.0.1');
  return { stopped };
}
