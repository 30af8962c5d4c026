// The client end of udp-tunnel as a byte stream: asks the relay (serve --relay) to open a TCP
// connection to host:port, then carries the stream's bytes in UDP datagrams (./tunnel-frames.ts).
// Once open, a probe speaks over it exactly as over a TCP socket (techniques/tcp.ts `converse`), so
// whatever a tcp probe can do (a gauntlet echo exchange, a PostgreSQL query) also rides the tunnel,
// whether the destination speaks first or waits for the client.
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { Duplex } from 'node:stream';
import type { Deadline } from './deadline.ts';
import { outcomeOfErrno, outcomeOfError } from './socket-errors.ts';
import type { TechniqueResult } from './technique-result.ts';
import { RelayFrame, chunkPayloads, decodeFrame, encodeFrame } from './tunnel-frames.ts';

/** The open request is repeated until the relay answers: the first datagram may be lost. */
const reopenEveryMs = 300;

function closeQuietly(udp: UdpSocket): void {
  try {
    udp.close();
  } catch {
    // closed already (after a socket error)
  }
}

/** Tells the relay the session is over, then runs `then` (also when the socket has failed already). */
function sendCloseFrame(udp: UdpSocket, session: string, then: () => void = () => undefined): void {
  try {
    udp.send(encodeFrame({ t: 'close', s: session }), () => then());
  } catch {
    then();
  }
}

class TunnelStream extends Duplex {
  constructor(
    private readonly udp: UdpSocket,
    private readonly session: string,
  ) {
    super();
  }

  override _read(): void {
    // Data is pushed as the relay's frames arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      for (const payload of chunkPayloads(chunk))
        this.udp.send(encodeFrame({ t: 'data', s: this.session, d: payload }));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sendClose();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sendClose(() => closeQuietly(this.udp));
    callback(error);
  }

  private closeSent = false;

  /** One close frame per session, whether the stream ends (`end()`) or is destroyed. */
  private sendClose(then: () => void = () => undefined): void {
    if (this.closeSent) return then();
    this.closeSent = true;
    sendCloseFrame(this.udp, this.session, then);
  }
}

/**
 * Opens a tunnel through `relay` to host:port within the deadline. Resolves with the stream once the
 * relay says its TCP connection is open (the destination completed the handshake), or with the
 * outcome that stopped it: the relay's connect error, a socket error, or a timeout.
 */
export function openTunnel(
  relay: { host: string; port: number },
  host: string,
  port: number,
  deadline: Deadline,
): Promise<{ stream: Duplex; connectMs: number } | TechniqueResult> {
  return new Promise((resolve) => {
    const session = randomUUID();
    const udp = createSocket('udp4');
    const started = performance.now();
    let stream: TunnelStream | undefined;
    let settled = false;
    const fail = (result: TechniqueResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(reopen);
      sendCloseFrame(udp, session, () => closeQuietly(udp));
      resolve(result);
    };
    const timer = setTimeout(() => fail({ outcome: 'timeout', step: 'relay open' }), deadline.remaining());
    const open = () =>
      udp.send(
        encodeFrame({
          t: 'open',
          s: session,
          host,
          port,
          timeoutMs: Math.max(100, Math.floor(deadline.remaining())),
        }),
      );
    const reopen = setInterval(() => !settled && open(), reopenEveryMs);
    udp.on('error', (error) => {
      if (stream) stream.destroy(error);
      else fail({ ...outcomeOfError(error), step: 'relay' });
    });
    udp.on('message', (message) => {
      const frame = decodeFrame(RelayFrame, message);
      if (!frame || frame.s !== session) return;
      if (!stream) {
        if (frame.t === 'error')
          return fail({
            outcome: outcomeOfErrno(frame.errno),
            errno: frame.errno,
            step: 'relay connect',
          });
        if (frame.t !== 'opened' || settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(reopen);
        stream = new TunnelStream(udp, session);
        resolve({ stream, connectMs: performance.now() - started });
        return;
      }
      if (frame.t === 'data') stream.push(Buffer.from(frame.d, 'base64'));
      else if (frame.t === 'closed') stream.push(null);
      // The destination reset or failed the open connection: the reader sees that errno, as over TCP.
      else if (frame.t === 'error')
        stream.destroy(Object.assign(new Error(`${frame.errno} (through the relay)`), { code: frame.errno }));
    });
    udp.connect(relay.port, relay.host, open);
  });
}
