// TCP echo: says a one-line JSON hello with the peer it saw, then echoes every line back.
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { echoReport } from './echo-report.ts';

export function tcpEcho(name: string): Server {
  return createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const hello = echoReport(
      'gauntlet-echo',
      'tcp',
      name,
      { address: socket.remoteAddress, port: socket.remotePort },
      { address: socket.localAddress, port: socket.localPort },
    );
    socket.write(`${JSON.stringify(hello)}\n`);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        socket.write(`${buffered.slice(0, newline)}\n`);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > 65536) socket.destroy();
    });
    socket.setTimeout(60_000, () => socket.destroy());
  });
}
