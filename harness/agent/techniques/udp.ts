// udp: one datagram to the gauntlet UDP echo; `connected` means the echo came back. A connected UDP
// socket reports ICMP port-unreachable as ECONNREFUSED (refused).
import { createSocket } from 'node:dgram';
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import type { ProbeRequest } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';

export function udpPayload(id: string): string {
  return JSON.stringify({ gauntlet: 'udp', id });
}

/** Sends one datagram and waits for the first answer (resent every 300 ms: UDP may lose one). */
export function udpExchange(
  host: string,
  port: number,
  payload: Buffer,
  deadline: Deadline,
): Promise<{ answer: Buffer } | TechniqueResult> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let settled = false;
    const finish = (value: { answer: Buffer } | TechniqueResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(resend);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), deadline.remaining());
    const send = () =>
      socket.send(payload, (error) => error && finish({ ...outcomeOfError(error), step: 'send' }));
    const resend = setInterval(send, 300);
    socket.on('message', (message) => finish({ answer: message }));
    socket.on('error', (error) => finish({ ...outcomeOfError(error), step: 'receive' }));
    socket.connect(port, host, send);
  });
}

export async function udpProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const result = await udpExchange(probe.host, probe.port, Buffer.from(udpPayload(probe.id)), deadline);
  if (!('answer' in result)) return result;
  const echo = parseEcho(result.answer.toString('utf8'));
  return {
    outcome: 'connected',
    evidence: echo ? evidenceFromEcho(echo) : { body: result.answer.toString('utf8').slice(0, 200) },
  };
}
