// udp-tunnel: a TCP exchange with host:port carried inside UDP datagrams through a relay (serve
// --relay) that sits where the policy does not reach. Reached means the destination's hello came
// back through the tunnel and our line was echoed.
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import type { ProbeRequest } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { RelayFrame, decodeFrame, encodeFrame } from '../tunnel-frames.ts';
import type { ClientFrame } from '../tunnel-frames.ts';

const errnoOutcome: Record<string, TechniqueResult['outcome']> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

export function udpTunnelProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const relay = probe.relay;
  if (!relay) return Promise.resolve({ outcome: 'error', step: 'relay', message: 'no relay given' });
  return new Promise((resolve) => {
    const session = randomUUID();
    const socket = createSocket('udp4');
    const ping = `gauntlet-ping ${probe.id}`;
    let state: 'opening' | 'hello' | 'echo' = 'opening';
    let received = '';
    let hello: string | undefined;
    let connectMs: number | undefined;
    const started = performance.now();
    let settled = false;
    const send = (frame: ClientFrame) => socket.send(encodeFrame(frame));
    const finish = (result: TechniqueResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(reopen);
      try {
        send({ t: 'close', s: session });
      } catch {
        // the socket failed already
      }
      setTimeout(() => socket.close(), 50);
      resolve({ ...result, ...(connectMs !== undefined ? { connectMs } : {}) });
    };
    const timer = setTimeout(
      () => finish({ outcome: 'timeout', step: state === 'opening' ? 'relay open' : `tunnel ${state}` }),
      deadline.remaining(),
    );
    const open = () =>
      send({
        t: 'open',
        s: session,
        host: probe.host,
        port: probe.port,
        timeoutMs: Math.max(100, Math.floor(deadline.remaining())),
      });
    const reopen = setInterval(() => state === 'opening' && open(), 300);
    socket.on('error', (error) => finish({ ...outcomeOfError(error), step: 'relay' }));
    socket.on('message', (message) => {
      const frame = decodeFrame(RelayFrame, message);
      if (!frame || frame.s !== session) return;
      if (frame.t === 'error')
        return finish({
          outcome: errnoOutcome[frame.errno] ?? 'error',
          errno: frame.errno,
          step: 'relay connect',
        });
      if (frame.t === 'opened') {
        if (state === 'opening') {
          state = 'hello';
          connectMs = performance.now() - started;
        }
        return;
      }
      if (frame.t === 'closed') {
        return finish(
          hello === undefined
            ? { outcome: 'connected', evidence: { closedAfterConnect: received === '', relay } }
            : { outcome: 'connected', evidence: { relay, exchanged: false } },
        );
      }
      received += Buffer.from(frame.d, 'base64').toString('utf8');
      const newline = received.indexOf('\n');
      if (newline < 0) return;
      const line = received.slice(0, newline);
      received = received.slice(newline + 1);
      if (state === 'hello') {
        hello = line;
        state = 'echo';
        send({ t: 'data', s: session, d: Buffer.from(`${ping}\n`).toString('base64') });
        return;
      }
      const echo = parseEcho(hello ?? '');
      finish({
        outcome: 'connected',
        evidence: {
          ...(echo ? evidenceFromEcho(echo) : { body: (hello ?? '').slice(0, 200) }),
          relay,
          exchanged: line === ping,
        },
      });
    });
    socket.connect(relay.port, relay.host, open);
  });
}
