// What the destination itself said, on every flow scored `reached` (../shared/DESIGN.md "Truth
// rules": reached means the destination answered). One shape for the classifier that finds it, the
// results file that keeps it and the reports that show it.
import { z } from 'zod';
import { HttpVersion } from './http-request.ts';

export const DestinationAnswer = z.discriminatedUnion('kind', [
  /** A gauntlet echo said who it is and which peer it saw. */
  z
    .object({
      kind: z.literal('echo'),
      /** What carried the exchange: a TCP stream, HTTP, a UDP datagram, an SCTP association, a raw IP packet. */
      protocol: z.enum(['tcp', 'http', 'udp', 'sctp', 'ip-protocol']),
      name: z.string(),
      sourceSeen: z.string().optional(),
      /** XFCC or x-envoy-* headers, or Envoy's inbound source 127.0.0.6: the flow crossed a proxy. */
      crossedProxy: z.boolean().optional(),
      /** tcp: the echo repeated our line, so data went both ways. */
      exchanged: z.boolean().optional(),
      /** http: the status the echo answered with. */
      status: z.number().int().optional(),
      /** http: the version of the exchange when it was not HTTP/1.1 ('2': h2c). */
      httpVersion: HttpVersion.optional(),
    })
    .strict(),
  /** A server that is not ours answered our HTTP request with a status line. */
  z
    .object({
      kind: z.literal('http'),
      status: z.number().int(),
      server: z.string().optional(),
      /** The version of the exchange when it was not HTTP/1.1 ('2': h2c). */
      httpVersion: HttpVersion.optional(),
    })
    .strict(),
  /** A TLS server answered our ClientHello (a ServerHello, or an alert: either is the server's own). */
  z
    .object({
      kind: z.literal('tls'),
      answer: z.enum(['handshake', 'alert', 'not-tls']),
      protocol: z.string().optional(),
      subject: z.string().optional(),
      issuer: z.string().optional(),
      detail: z.string().optional(),
    })
    .strict(),
  /** A PostgreSQL server sent protocol messages (authenticated and ran the query, or refused). */
  z
    .object({
      kind: z.literal('postgres'),
      messages: z.number().int().min(1),
      authenticated: z.boolean(),
      rows: z.number().int().min(0),
      serverVersion: z.string().optional(),
      error: z.string().optional(),
    })
    .strict(),
  /** The destination answered our ICMP echo request (a reply whose source is the destination). */
  z
    .object({
      kind: z.literal('icmp-echo-reply'),
      from: z.string(),
      ttl: z.number().int().optional(),
      /** The socket the probe used: an unprivileged ping socket or a raw one. */
      socket: z.string().optional(),
    })
    .strict(),
  /** A resolver answered our DNS query. */
  z.object({ kind: z.literal('dns'), rcode: z.number().int(), answers: z.array(z.string()) }).strict(),
  /** raw-syn / packet-syn: the destination's SYN-ACK came back over the network. */
  z
    .object({
      kind: z.literal('syn-ack'),
      interface: z.string(),
      ttl: z.number().int().optional(),
      flags: z.string().optional(),
    })
    .strict(),
  /** A server that is not ours spoke first, unasked (a banner): no proxy writes bytes on its own. */
  z.object({ kind: z.literal('banner'), text: z.string() }).strict(),
]);
export type DestinationAnswer = z.infer<typeof DestinationAnswer>;

/** "HTTP" for HTTP/1.1 (as reports always said), "HTTP/2" for h2c. */
function httpName(version: HttpVersion | undefined): string {
  return version === undefined || version === '1.1' ? 'HTTP' : `HTTP/${version}`;
}

/** One line for a report: who answered and what it said. */
export function describeAnswer(answer: DestinationAnswer): string {
  switch (answer.kind) {
    case 'echo': {
      const parts = [`${answer.protocol} echo "${answer.name}"`];
      if (answer.status !== undefined) parts.push(`${httpName(answer.httpVersion)} ${answer.status}`);
      if (answer.sourceSeen) parts.push(`saw source ${answer.sourceSeen}`);
      if (answer.crossedProxy === true) parts.push('through a proxy');
      // The echo can tell a sidecar (Envoy's inbound source 127.0.0.6, XFCC); ztunnel keeps the
      // client's address, so "no mark" is what the destination saw, not proof there was no proxy.
      if (answer.crossedProxy === false) parts.push('no proxy mark seen');
      if (answer.exchanged) parts.push('echoed our line');
      return parts.join(', ');
    }
    case 'http':
      return `${httpName(answer.httpVersion)} ${answer.status}${answer.server ? ` from server "${answer.server}"` : ''}`;
    case 'tls':
      return answer.answer === 'handshake'
        ? `TLS handshake${answer.protocol ? ` (${answer.protocol})` : ''}${answer.subject ? `, certificate CN=${answer.subject}` : ''}${answer.issuer ? ` issued by CN=${answer.issuer}` : ''}`
        : answer.answer === 'alert'
          ? `TLS alert from the server: ${answer.detail ?? ''}`.trim()
          : `answered our ClientHello with bytes that are not TLS: ${answer.detail ?? ''}`.trim();
    case 'postgres':
      return answer.authenticated
        ? `PostgreSQL ${answer.serverVersion ?? ''} ran the query and sent ${answer.rows} row${answer.rows === 1 ? '' : 's'}`.replace(
            /\s+/g,
            ' ',
          )
        : `PostgreSQL answered: ${answer.error ?? `${answer.messages} messages`}`;
    case 'icmp-echo-reply':
      return `ICMP echo reply from ${answer.from}${answer.ttl !== undefined ? ` (TTL ${answer.ttl})` : ''}${answer.socket ? ` to a ${answer.socket} socket` : ''}`;
    case 'dns':
      return `DNS reply rcode ${answer.rcode}${answer.answers.length > 0 ? `: ${answer.answers.join(', ')}` : ''}`;
    case 'syn-ack':
      return `SYN-ACK via ${answer.interface}${answer.ttl !== undefined ? ` (TTL ${answer.ttl})` : ''}`;
    case 'banner':
      return `the server spoke first: ${JSON.stringify(answer.text.slice(0, 80))}`;
  }
}
