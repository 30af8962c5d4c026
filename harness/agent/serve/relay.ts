// The far end of udp-tunnel: opens the TCP connection a client asks for and carries its bytes
// inside UDP datagrams (../tunnel-frames.ts). Sessions close when either side does or after 60 s.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { errnoOf } from '../socket-errors.ts';
import { ClientFrame, chunkPayloads, decodeFrame, encodeFrame } from '../tunnel-frames.ts';
import type { RelayFrame } from '../tunnel-frames.ts';

interface Session {
  socket: Socket;
  opened: boolean;
}

export function udpRelay(): UdpSocket {
  const udp = createSocket('udp4');
  const sessions = new Map<string, Session>();
  udp.on('message', (message, peer) => {
    const frame = decodeFrame(ClientFrame, message);
    if (!frame) return;
    const reply = (answer: RelayFrame) => {
      try {
        udp.send(encodeFrame(answer), peer.port, peer.address);
      } catch {
        // the relay was closed while a session still ran; its 'close' handler ends the sessions
      }
    };
    const key = `${peer.address}:${peer.port}/${frame.s}`;
    const existing = sessions.get(key);
    if (frame.t === 'open') {
      if (existing) {
        if (existing.opened) reply({ t: 'opened', s: frame.s });
        return;
      }
      const socket = connect({ host: frame.host, port: frame.port });
      const session: Session = { socket, opened: false };
      sessions.set(key, session);
      const timer = setTimeout(
        () => {
          if (!session.opened) {
            reply({ t: 'error', s: frame.s, errno: 'ETIMEDOUT' });
            socket.destroy();
            sessions.delete(key);
          }
        },
        Math.min(frame.timeoutMs, 30_000),
      );
      socket.setTimeout(60_000, () => socket.destroy());
      socket.on('connect', () => {
        clearTimeout(timer);
        session.opened = true;
        reply({ t: 'opened', s: frame.s });
      });
      socket.on('data', (chunk) => {
        for (const payload of chunkPayloads(chunk)) reply({ t: 'data', s: frame.s, d: payload });
      });
      let failed = false;
      socket.on('error', (error) => {
        clearTimeout(timer);
        // Before the open: the connect failed. After: the destination reset it (how ztunnel refuses).
        failed = true;
        reply({ t: 'error', s: frame.s, errno: errnoOf(error) });
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (session.opened && !failed) reply({ t: 'closed', s: frame.s });
        sessions.delete(key);
      });
      return;
    }
    if (!existing) return;
    if (frame.t === 'data') existing.socket.write(Buffer.from(frame.d, 'base64'));
    else existing.socket.end();
  });
  udp.on('error', () => undefined);
  udp.on('close', () => {
    for (const session of sessions.values()) session.socket.destroy();
    sessions.clear();
  });
  return udp;
}
