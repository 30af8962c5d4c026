// The shape of what a probe saw, read from the agent's observation: who (if anyone) answered, and
// how the connection ended. Pure. The rule table (reach-rules.ts) turns a technique and a shape into
// a verdict; this file only names the shape and keeps the destination's own words as its answer.
import type { DestinationAnswer } from '../model/destination-answer.ts';
import type { Technique } from '../model/technique.ts';

/** An observation as the agent or the run reports it; fields beyond id/outcome are read defensively. */
export interface ObservationLike {
  id: string;
  outcome: string;
  [field: string]: unknown;
}

export const observationShapes = [
  // The destination answered.
  'echo',
  'http-status',
  'tls-answer',
  'postgres-answer',
  'dns-reply',
  'syn-ack-network',
  'icmp-echo-reply',
  'banner',
  // A proxy answered, or accepted and the destination never did.
  'http-rbac-denied',
  'http-proxy-failed',
  'http-not-the-echo',
  'syn-ack-loopback',
  'postgres-no-answer',
  'accepted-silent',
  'accepted-closed',
  'accepted-nothing',
  // The connection never opened, or the attack never ran.
  'reset',
  'refused',
  'unreachable',
  'connect-timeout',
  'blind-forgery',
  'prelude-denied',
  'prelude-port-busy',
  'prelude-no-proxy',
  'prelude-failed',
  'denied-at-admission',
  'probe-error',
  'unknown-outcome',
] as const;
export type ObservationShape = (typeof observationShapes)[number];

export interface ReadShape {
  shape: ObservationShape;
  /** What the destination said, for the shapes where it answered. */
  answer?: DestinationAnswer;
  /** Milliseconds from the accepted connect to its end (accepted-closed), when the agent timed both. */
  openForMs?: number;
}

interface EchoView {
  service?: string;
  kind?: string;
  name?: string;
  peer?: { address?: string };
}

interface EvidenceView {
  echo?: EchoView;
  crossedProxy?: boolean;
  sourceSeen?: string;
  exchanged?: boolean;
  closedAfterConnect?: boolean;
  silent?: boolean;
  replyInterface?: string;
  replyTtl?: number;
  replyFlags?: string;
  body?: string;
  httpVersion?: string;
  blind?: boolean;
  icmp?: { type?: number; code?: number; from?: string; socket?: string; ttl?: number };
  dns?: { rcode?: number; answers?: string[] };
  postgres?: {
    authenticated?: boolean;
    rows?: unknown[];
    error?: string;
    serverVersion?: string;
    messages?: number;
  };
  tls?: {
    answer?: 'handshake' | 'alert' | 'not-tls';
    protocol?: string;
    subject?: string;
    issuer?: string;
    detail?: string;
  };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function evidenceOf(observation: ObservationLike): EvidenceView {
  const evidence = observation['evidence'];
  return evidence && typeof evidence === 'object' ? (evidence as EvidenceView) : {};
}

/** Envoy's own HTTP answers: RBAC's 403 and the router's local replies when no upstream answered. */
// envoyproxy/envoy source/extensions/filters/http/rbac/rbac_filter.cc ("RBAC: access denied");
// source/common/router/router.cc (503 "upstream connect error or disconnect/reset before headers",
// "no healthy upstream"; 504 "upstream request timeout").
export const envoyRbacDenied = /RBAC: access denied/;
export const envoyNoUpstreamAnswer = /upstream connect error|no healthy upstream|upstream request timeout/;

/** The version an HTTP answer came over, kept on the answer when it was not HTTP/1.1. */
function httpVersionOf(evidence: EvidenceView): { httpVersion?: '2' } {
  return evidence.httpVersion === '2' ? { httpVersion: '2' } : {};
}

function echoAnswer(evidence: EvidenceView, status?: number): DestinationAnswer | undefined {
  const echo = evidence.echo;
  // Only our echo servers' own identity counts: anything else that parses as a report is not the destination.
  if (!echo || echo.service !== 'gauntlet-echo' || typeof echo.name !== 'string') return undefined;
  const protocol =
    echo.kind === 'http' || echo.kind === 'udp' || echo.kind === 'sctp' || echo.kind === 'ip-protocol'
      ? echo.kind
      : 'tcp';
  return {
    kind: 'echo',
    protocol,
    name: echo.name,
    ...(evidence.sourceSeen ? { sourceSeen: evidence.sourceSeen } : {}),
    ...(typeof evidence.crossedProxy === 'boolean' ? { crossedProxy: evidence.crossedProxy } : {}),
    ...(typeof evidence.exchanged === 'boolean' ? { exchanged: evidence.exchanged } : {}),
    ...(status !== undefined ? { status, ...httpVersionOf(evidence) } : {}),
  };
}

/** Postgres evidence from before `messages` was counted: our own failure strings mean nobody spoke. */
function postgresSpoke(postgres: NonNullable<EvidenceView['postgres']>): number {
  if (typeof postgres.messages === 'number') return postgres.messages;
  if (postgres.authenticated) return 1;
  return postgres.error && !/no complete answer|server closed the connection/.test(postgres.error) ? 1 : 0;
}

/**
 * How long the connection was open before it ended: the technique's time less its connect (both from
 * the technique's start); observations from before techniqueMs was recorded count from the probe's
 * start, which preludes lengthen.
 */
function openFor(observation: ObservationLike): number | undefined {
  const timings = observation['timings'] as
    { totalMs?: unknown; techniqueMs?: unknown; connectMs?: unknown } | undefined;
  const span = typeof timings?.techniqueMs === 'number' ? timings.techniqueMs : timings?.totalMs;
  return typeof span === 'number' && typeof timings?.connectMs === 'number'
    ? Math.max(0, span - timings.connectMs)
    : undefined;
}

function connectedShape(observation: ObservationLike, evidence: EvidenceView): ReadShape {
  // The raw helper names the interface every SYN-ACK came in on (harness/agent/net-helper.py syn_outcome).
  if (evidence.replyInterface !== undefined) {
    const via = evidence.replyInterface;
    if (via === 'lo') return { shape: 'syn-ack-loopback' };
    return {
      shape: 'syn-ack-network',
      answer: {
        kind: 'syn-ack',
        interface: via,
        ...(evidence.replyTtl !== undefined ? { ttl: evidence.replyTtl } : {}),
        ...(evidence.replyFlags ? { flags: evidence.replyFlags } : {}),
      },
    };
  }
  const echo = echoAnswer(evidence);
  if (echo) return { shape: 'echo', answer: echo };
  // The ICMP helper reports only an echo reply whose source is the destination (net-helper.py icmp_echo).
  if (evidence.icmp?.type === 0 && typeof evidence.icmp.from === 'string') {
    const { from, ttl, socket } = evidence.icmp;
    return {
      shape: 'icmp-echo-reply',
      answer: {
        kind: 'icmp-echo-reply',
        from,
        ...(ttl !== undefined ? { ttl } : {}),
        ...(socket ? { socket } : {}),
      },
    };
  }
  if (evidence.postgres) {
    const postgres = evidence.postgres;
    const messages = postgresSpoke(postgres);
    if (messages === 0) return { shape: 'postgres-no-answer' };
    return {
      shape: 'postgres-answer',
      answer: {
        kind: 'postgres',
        messages,
        authenticated: postgres.authenticated === true,
        rows: postgres.rows?.length ?? 0,
        ...(postgres.serverVersion ? { serverVersion: postgres.serverVersion } : {}),
        ...(postgres.error ? { error: postgres.error } : {}),
      },
    };
  }
  if (evidence.tls?.answer) {
    const { answer, protocol, subject, issuer, detail } = evidence.tls;
    return {
      shape: 'tls-answer',
      answer: {
        kind: 'tls',
        answer,
        ...(protocol ? { protocol } : {}),
        ...(subject ? { subject } : {}),
        ...(issuer ? { issuer } : {}),
        ...(detail ? { detail } : {}),
      },
    };
  }
  if (evidence.dns)
    return {
      shape: 'dns-reply',
      answer: { kind: 'dns', rcode: evidence.dns.rcode ?? -1, answers: evidence.dns.answers ?? [] },
    };
  if (evidence.closedAfterConnect) {
    const openForMs = openFor(observation);
    return { shape: 'accepted-closed', ...(openForMs !== undefined ? { openForMs } : {}) };
  }
  if (evidence.silent) return { shape: 'accepted-silent' };
  if (evidence.body)
    return { shape: 'banner', answer: { kind: 'banner', text: evidence.body.slice(0, 200) } };
  return { shape: 'accepted-nothing' };
}

/** What the plan knows of the destination, beyond the observation. */
export interface DestinationFacts {
  /**
   * A gauntlet echo serves the probed port (or sits behind the gateway route the probe takes), so
   * only its identity is its answer: an HTTP reply without it came from something on the path.
   */
  destinationEcho?: boolean;
}

function httpShape(
  observation: ObservationLike,
  evidence: EvidenceView,
  destination: DestinationFacts,
): ReadShape {
  const status = typeof observation['status'] === 'number' ? observation['status'] : 0;
  const body = evidence.body ?? '';
  const echo = echoAnswer(evidence, status);
  if (echo) return { shape: 'echo', answer: echo };
  if (status === 403 && envoyRbacDenied.test(body)) return { shape: 'http-rbac-denied' };
  if ((status === 503 || status === 504) && envoyNoUpstreamAnswer.test(body))
    return { shape: 'http-proxy-failed' };
  // Envoy's own replies (a 400 for a request its codec refuses, a 404 with no route) are not the
  // echo's: only the echo's identity shows the destination answered (../shared/DESIGN.md "Truth rules").
  if (destination.destinationEcho) return { shape: 'http-not-the-echo' };
  const server = text(observation['server']);
  return {
    shape: 'http-status',
    answer: { kind: 'http', status, ...(server ? { server } : {}), ...httpVersionOf(evidence) },
  };
}

/**
 * The envoy-quitquitquit prelude's first step as the agent names it: `POST 127.0.0.1:<admin
 * port>/quitquitquit` (harness/agent/preludes/envoy-hijack.ts), prefixed with the prelude's name
 * (harness/agent/run-probe.ts). Refused there means no Envoy runs in the pod: an ambient pod (ztunnel
 * opens only 15001, 15006, 15008 and 15053 in it: istio/ztunnel src/proxyfactory.rs) or one outside
 * the mesh.
 */
export const envoyAdminStep = /^envoy-quitquitquit: POST 127\.0\.0\.1:\d+\/quitquitquit$/;

export function readShape(
  observation: ObservationLike,
  technique?: Technique,
  destination: DestinationFacts = {},
): ReadShape {
  const evidence = evidenceOf(observation);
  const errno = text(observation['errno']);
  switch (observation.outcome) {
    case 'connected':
      return connectedShape(observation, evidence);
    case 'http':
      return httpShape(observation, evidence, destination);
    case 'reset': {
      const openForMs = openFor(observation);
      return { shape: 'reset', ...(openForMs !== undefined ? { openForMs } : {}) };
    }
    case 'refused':
      return { shape: 'refused' };
    case 'unreachable':
      return { shape: 'unreachable' };
    case 'timeout':
      if (technique === 'spoof-source' && evidence.blind) return { shape: 'blind-forgery' };
      // The connection opened and then no answer came: the proxy accepted, the destination never spoke.
      if (text(observation['step']) === 'response') return { shape: 'accepted-silent' };
      return { shape: 'connect-timeout' };
    case 'prelude-failed':
      if (errno === 'EPERM' || errno === 'EACCES') return { shape: 'prelude-denied' };
      if (errno === 'EADDRINUSE') return { shape: 'prelude-port-busy' };
      if (errno === 'ECONNREFUSED' && envoyAdminStep.test(text(observation['step']) ?? ''))
        return { shape: 'prelude-no-proxy' };
      return { shape: 'prelude-failed' };
    case 'denied-at-admission':
      return { shape: 'denied-at-admission' };
    case 'error':
      return { shape: 'probe-error' };
    default:
      return { shape: 'unknown-outcome' };
  }
}
