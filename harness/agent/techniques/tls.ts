// A TLS ClientHello on an open stream, for servers that are not ours and speak TLS first-from-client
// (the kubelet on 10250, the API server): only the server itself can send a ServerHello or an alert,
// so either proves the destination answered. A proxy that accepted the connection locally and
// never reached the destination sends nothing (silent) or closes (no byte).
// No certificate is verified: the probe asks "who answers", not "do we trust it".
import { connect as tlsConnect } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Deadline } from '../deadline.ts';
import type { TlsEvidence } from '../protocol.ts';
import { outcomeOfError } from '../socket-errors.ts';
import type { TechniqueResult } from '../technique-result.ts';

function commonName(field: PeerCertificate['subject'] | undefined): string | undefined {
  const name = field?.CN;
  return typeof name === 'string' ? name : Array.isArray(name) ? name.join(',') : undefined;
}

/**
 * What an error during the handshake says about the far side. OpenSSL names an alert the peer sent
 * `…ALERT…` (ERR_SSL_TLSV1_ALERT_*, ERR_SSL_SSLV3_ALERT_*), and bytes that are not TLS as a wrong
 * version number or a packet length error; a close or reset before any record is neither.
 */
export function handshakeFailure(error: NodeJS.ErrnoException): TlsEvidence | undefined {
  const code = error.code ?? '';
  const text = `${code} ${error.message}`;
  if (/ALERT/i.test(text)) return { answer: 'alert', detail: error.message.slice(0, 160) };
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|HTTP_REQUEST/i.test(text))
    return { answer: 'not-tls', detail: error.message.slice(0, 160) };
  return undefined;
}

/** The handshake on an open stream: `connected` with what the server said (or did not say), or a reset. */
export function tlsExchange(
  stream: Duplex,
  deadline: Deadline,
): Promise<Pick<TechniqueResult, 'outcome' | 'errno' | 'message' | 'evidence'>> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = tlsConnect({ socket: stream, rejectUnauthorized: false });
    const finish = (result: Pick<TechniqueResult, 'outcome' | 'errno' | 'message' | 'evidence'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const connected = (evidence: TechniqueResult['evidence']) => finish({ outcome: 'connected', evidence });
    const timer = setTimeout(() => connected({ silent: true }), deadline.remaining());
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const subject = commonName(certificate.subject);
      const issuer = commonName(certificate.issuer);
      connected({
        tls: {
          answer: 'handshake',
          ...(socket.getProtocol() ? { protocol: socket.getProtocol() ?? '' } : {}),
          cipher: socket.getCipher().name,
          ...(subject ? { subject } : {}),
          ...(issuer ? { issuer } : {}),
        },
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const answered = handshakeFailure(error);
      if (answered) return connected({ tls: answered });
      const failed = outcomeOfError(error);
      // A reset (`read ECONNRESET`) is ztunnel's refusal. Node names a plain close before the
      // handshake ECONNRESET too, but says so in its message (lib/_tls_wrap.js onConnectEnd):
      // that, like any other failure before a record, is a close without a byte.
      if (failed.outcome === 'reset' && !/disconnected before secure TLS/.test(failed.message))
        return finish({ ...failed, evidence: {} });
      connected({ closedAfterConnect: true });
    });
    socket.once('close', () => connected({ closedAfterConnect: true }));
  });
}
