// A tiny resolver for the lab and for targets: answers every A query with the configured address.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { decodeQuestion, encodeAnswer } from '../techniques/dns-wire.ts';

export function dnsServer(answer: string): Socket {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const question = decodeQuestion(message);
    if (!question) return;
    socket.send(encodeAnswer(message, question.type === 1 ? [answer] : []), peer.port, peer.address);
  });
  socket.on('error', () => undefined);
  return socket;
}
