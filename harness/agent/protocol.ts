// The agent's wire format: the batch `node agent.mjs probe` reads on stdin and the observation lines
// it prints, one JSON object per probe as that probe finishes. The run engine (harness/probe) builds
// batches and the reports read observations, so this file is the one source of both shapes.
import { z } from 'zod';
import { HttpMethod, HttpVersion } from '../model/http-request.ts';
import { probeOutcomes } from '../model/observation-outcome.ts';
import { Technique, inPodPreludes } from '../model/technique.ts';
import type { Prelude } from '../model/technique.ts';

const Port = z.number().int().min(1).max(65535);
const Ipv4 = z.ipv4();

/** Preludes the agent runs inside the source pod (inject-opt-out acts at admission, not here). */
export const AgentPrelude = z.enum(inPodPreludes as [Prelude, ...Prelude[]]);
export type AgentPrelude = z.infer<typeof AgentPrelude>;

export const HttpRequestSpec = z
  .object({
    method: HttpMethod.default('GET'),
    path: z.string().startsWith('/').default('/'),
    headers: z.record(z.string(), z.string()).optional(),
    /** '2': HTTP/2 cleartext with prior knowledge (h2c), harness/agent/techniques/http2.ts. */
    version: HttpVersion.default('1.1'),
  })
  .strict();

export const ProbeRequest = z
  .object({
    id: z.string().min(1).max(200),
    technique: Technique,
    /** The destination (for dns: the resolver; for udp-tunnel: the final TCP destination). */
    host: Ipv4,
    port: Port,
    timeoutMs: z.number().int().min(50).max(120_000).default(3000),
    preludes: z.array(AgentPrelude).default([]),
    http: HttpRequestSpec.optional(),
    /** dns: the name to resolve (A record). */
    dnsName: z.string().min(1).max(253).optional(),
    /** udp-tunnel: the relay that carries the TCP exchange inside UDP. */
    relay: z.object({ host: Ipv4, port: Port }).strict().optional(),
    /** spoof-source: the forged source. `udp` asks a gauntlet UDP echo to report what it saw to our real address. */
    spoof: z
      .object({ source: Ipv4, protocol: z.enum(['udp', 'tcp']).default('udp') })
      .strict()
      .optional(),
    /**
     * tcp and udp-tunnel: speak an application protocol once the connection is open, so a server
     * that is not a gauntlet echo gives an answer only it can give (a PostgreSQL message, a TLS
     * ServerHello): a proxy that accepted locally never says either.
     */
    application: z.enum(['postgres', 'tls']).optional(),
    user: z.string().min(1).optional(),
    database: z.string().min(1).optional(),
    /** envoy-quitquitquit: where the proxy's admin and outbound listener are (Istio defaults). */
    adminPort: Port.default(15000),
    hijackPort: Port.default(15001),
    /** ip-protocol: the IP protocol number to send (default 253: 253 and 254 are for experiments, RFC 3692). */
    ipProtocol: z.number().int().min(1).max(255).optional(),
    /** so-mark: the mark to set (ambient's ztunnel mark 0x539 = 1337 by default). */
    mark: z.number().int().min(1).max(0xffffffff).default(0x539),
  })
  .strict()
  .superRefine((probe, context) => {
    const need = (ok: boolean, path: string, message: string) => {
      if (!ok) context.addIssue({ code: 'custom', path: [path], message });
    };
    need(probe.technique !== 'dns' || probe.dnsName !== undefined, 'dnsName', 'technique dns needs dnsName');
    need(
      probe.technique !== 'udp-tunnel' || probe.relay !== undefined,
      'relay',
      'technique udp-tunnel needs relay',
    );
    need(
      probe.technique !== 'spoof-source' || probe.spoof !== undefined,
      'spoof',
      'technique spoof-source needs spoof',
    );
    need(
      probe.application === undefined || probe.technique === 'tcp' || probe.technique === 'udp-tunnel',
      'application',
      'application goes with technique tcp or udp-tunnel',
    );
    need(
      probe.ipProtocol === undefined || probe.technique === 'ip-protocol',
      'ipProtocol',
      'ipProtocol goes with technique ip-protocol',
    );
    // so-mark sends through net-helper.py, which writes HTTP/1.1 text (techniques/marked.ts).
    need(
      probe.http?.version !== '2' || !probe.preludes.includes('so-mark'),
      'http',
      'so-mark sends HTTP/1.1 only (http.version 2 goes through Node, which cannot mark a socket)',
    );
    need(new Set(probe.preludes).size === probe.preludes.length, 'preludes', 'a prelude is listed twice');
  });
export type ProbeRequest = z.infer<typeof ProbeRequest>;
export type ProbeRequestInput = z.input<typeof ProbeRequest>;

export const Batch = z
  .object({
    probes: z.array(ProbeRequest).min(1).max(10_000),
    /** How many probes run at once; each keeps its own deadline. */
    concurrency: z.number().int().min(1).max(1024).default(64),
  })
  .strict()
  .superRefine((batch, context) => {
    const seen = new Set<string>();
    batch.probes.forEach((probe, index) => {
      if (seen.has(probe.id))
        context.addIssue({
          code: 'custom',
          path: ['probes', index, 'id'],
          message: `duplicate id "${probe.id}"`,
        });
      seen.add(probe.id);
    });
  });
export type Batch = z.infer<typeof Batch>;
export type BatchInput = z.input<typeof Batch>;

// ---------------------------------------------------------------------------------------------
// What a destination says about itself: the gauntlet echo servers (serve mode) and the lab's proxy
// stand-in answer with this, so an observation can tell who answered and what they saw.

export const PeerAddress = z.object({ address: z.string(), port: z.number().int() });
export type PeerAddress = z.infer<typeof PeerAddress>;

export const EchoReport = z
  .object({
    service: z.literal('gauntlet-echo'),
    kind: z.enum(['tcp', 'http', 'udp', 'sctp', 'ip-protocol']),
    name: z.string(),
    peer: PeerAddress,
    local: PeerAddress,
    method: z.string().optional(),
    path: z.string().optional(),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())]).optional()).optional(),
    /** http: the version the request arrived in, as Node names it ('1.1', '2.0'). */
    httpVersion: z.string().optional(),
  })
  .loose();
export type EchoReport = z.infer<typeof EchoReport>;

export const PostgresEvidence = z
  .object({
    authenticated: z.boolean(),
    authMethod: z.string().optional(),
    serverVersion: z.string().optional(),
    query: z.string().optional(),
    columns: z.array(z.string()).optional(),
    rows: z.array(z.array(z.string().nullable())).optional(),
    error: z.string().optional(),
    /** Complete backend messages the server sent: 0 means nobody on the far side spoke PostgreSQL. */
    messages: z.number().int().min(0).optional(),
  })
  .strict();
export type PostgresEvidence = z.infer<typeof PostgresEvidence>;

/** What a TLS server said to our ClientHello: a finished handshake, or an alert (it answered all the same). */
export const TlsEvidence = z
  .object({
    answer: z.enum(['handshake', 'alert', 'not-tls']),
    protocol: z.string().optional(),
    cipher: z.string().optional(),
    /** The server certificate's subject and issuer (CN), when it sent one. */
    subject: z.string().optional(),
    issuer: z.string().optional(),
    /** The alert or the parse error, for `alert` and `not-tls`. */
    detail: z.string().optional(),
  })
  .strict();
export type TlsEvidence = z.infer<typeof TlsEvidence>;

export const Evidence = z
  .object({
    /** What the destination echoed (who it is, which peer it saw, headers). */
    echo: EchoReport.optional(),
    /** The request crossed a proxy: XFCC or x-envoy-* headers, or the peer was Envoy's 127.0.0.6. */
    crossedProxy: z.boolean().optional(),
    /** The source address the destination saw. */
    sourceSeen: z.string().optional(),
    /** TCP: the connection closed right after connect, before the server said anything (Envoy's TCP deny). */
    closedAfterConnect: z.boolean().optional(),
    /** The server spoke no hello within the deadline (not a gauntlet echo, or a silent sink). */
    silent: z.boolean().optional(),
    /** raw-syn / packet-syn: the interface the SYN-ACK or RST came in on, and its TTL. */
    replyInterface: z.string().optional(),
    replyTtl: z.number().int().optional(),
    replyFlags: z.string().optional(),
    /** http: the first bytes of the body. */
    body: z.string().optional(),
    /** http: the protocol version the answer came over, when it was not HTTP/1.1. */
    httpVersion: HttpVersion.optional(),
    dns: z
      .object({ rcode: z.number().int(), answers: z.array(z.string()) })
      .strict()
      .optional(),
    postgres: PostgresEvidence.optional(),
    tls: TlsEvidence.optional(),
    /** spoof-source over TCP is blind: the answer goes to the forged address. */
    blind: z.boolean().optional(),
    relay: z.object({ host: z.string(), port: z.number().int() }).optional(),
    /** icmp: the echo reply (type 0) and who sent it; `socket` is a ping socket or a raw one. */
    icmp: z
      .object({
        type: z.number().int(),
        code: z.number().int(),
        from: z.string(),
        socket: z.enum(['ping', 'raw']),
        ttl: z.number().int().optional(),
      })
      .strict()
      .optional(),
    /** sctp: the association completed (the destination's kernel answered INIT and COOKIE-ECHO). */
    sctp: z.object({ association: z.boolean() }).strict().optional(),
    /** tcp / udp-tunnel: the echo repeated our line. */
    exchanged: z.boolean().optional(),
  })
  .loose();
export type Evidence = z.infer<typeof Evidence>;

export const outcomes = probeOutcomes;
export const Outcome = z.enum(outcomes);
export type Outcome = z.infer<typeof Outcome>;

export const PreludeReport = z
  .object({
    name: AgentPrelude,
    ok: z.boolean(),
    detail: z.string().optional(),
  })
  .strict();
export type PreludeReport = z.infer<typeof PreludeReport>;

export const Observation = z
  .object({
    id: z.string(),
    technique: Technique,
    outcome: Outcome,
    /** For http. */
    status: z.number().int().optional(),
    server: z.string().optional(),
    /** For prelude-failed and error: the errno name (EPERM, EADDRINUSE, ...) and the step that failed. */
    errno: z.string().optional(),
    step: z.string().optional(),
    message: z.string().optional(),
    preludes: z.array(PreludeReport).default([]),
    /** The effective UID the probe ran as. */
    uid: z.number().int().optional(),
    timings: z
      .object({
        startedAt: z.string(),
        totalMs: z.number(),
        /** From the technique's start (after the preludes) to its end: what connectMs counts from. */
        techniqueMs: z.number().optional(),
        connectMs: z.number().optional(),
      })
      .strict(),
    evidence: Evidence.default({}),
  })
  .strict();
export type Observation = z.infer<typeof Observation>;

// ---------------------------------------------------------------------------------------------

/** A batch that does not parse: the message names the field (`probes[2].port: ...`). */
export class BatchError extends Error {
  override readonly name = 'BatchError';
}

function pathText(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(batch)' : text;
}

/** Parses the batch text; throws BatchError naming the first bad field. */
export function parseBatch(text: string): Batch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BatchError(`batch is not JSON: ${(error as Error).message}`);
  }
  const parsed = Batch.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${pathText(issue.path)}: ${issue.message}`);
    throw new BatchError(`invalid batch: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Parses one observation line; undefined for anything else (a stray log line). */
export function parseObservation(line: string): Observation | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = Observation.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
