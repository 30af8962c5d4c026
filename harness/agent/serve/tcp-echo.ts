// TCP echo, client first: it says nothing until the client's first line, then answers with a one-line
// JSON report of who it is and which peer it saw, and echoes that line and every later one back.
// Client first, because a mesh proxy's L4 deny is decided on the client's first bytes (Envoy's
// network RBAC filter evaluates in onData, envoyproxy/envoy
// source/extensions/filters/network/rbac/rbac_filter.cc; Istio's own tests write first, istio/istio
// pkg/test/framework/components/echo/check/checkers.go): a server that spoke first would be heard
// through a deny that then cuts the client off (envoyproxy/envoy#9023). Only an answer to the
// client's own line proves the flow got through.
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
    let introduced = false;
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        if (!introduced) socket.write(`${JSON.stringify(hello)}\n`);
        introduced = true;
        socket.write(`${buffered.slice(0, newline)}\n`);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
      if (buffered.length > 65536) socket.destroy();
    });
    socket.setTimeout(60_000, () => socket.destroy());
  });
}
