// UDP echo: answers each datagram with JSON of the peer it saw. A datagram asking for a `replyTo`
// (the spoof-source probe, whose forged source cannot receive) gets the report sent there as well.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { z } from 'zod';
import { echoReport } from './echo-report.ts';

const SpoofRequest = z.object({
  replyTo: z.object({ address: z.ipv4(), port: z.number().int().min(1).max(65535) }),
});

export function udpEcho(name: string): Socket {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const local = socket.address();
    const report = Buffer.from(JSON.stringify(echoReport('gauntlet-echo', 'udp', name, peer, local)));
    socket.send(report, peer.port, peer.address);
    try {
      const asked = SpoofRequest.safeParse(JSON.parse(message.toString('utf8')));
      if (asked.success) socket.send(report, asked.data.replyTo.port, asked.data.replyTo.address);
    } catch {
      // not JSON: a plain echo only
    }
  });
  socket.on('error', () => undefined);
  return socket;
}
