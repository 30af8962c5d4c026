// From what a probe saw to what the network did: reached, blocked (with the layer when it can be
// told) or inconclusive (the harness failed). Pure. Denials look different per layer and protocol
// (../shared/DESIGN.md "Lessons"); this reads them the way Istio's own tests do: HTTP 403 for an L7
// deny, EOF right after connect for a TCP deny (istio/istio
// pkg/test/framework/components/echo/check/checkers.go, `Forbidden`).
import type { Layer, Verdict } from '../model/verdict.ts';
import type { Technique } from '../model/technique.ts';

export interface Classification {
  verdict: Verdict;
  layer?: Layer;
  reason: string;
}

/** An observation as the agent or the run reports it; fields beyond id/outcome are read defensively. */
export interface ObservationLike {
  id: string;
  outcome: string;
  [field: string]: unknown;
}

export interface ClassifyContext {
  technique?: Technique;
}

interface EvidenceView {
  echo?: { service?: string; name?: string; peer?: { address?: string } };
  crossedProxy?: boolean;
  sourceSeen?: string;
  answeredByProxy?: boolean;
  closedAfterConnect?: boolean;
  silent?: boolean;
  replyInterface?: string;
  body?: string;
  blind?: boolean;
  dns?: { rcode?: number; answers?: string[] };
  postgres?: { authenticated?: boolean; rows?: unknown[]; error?: string };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function evidenceOf(observation: ObservationLike): EvidenceView {
  const evidence = observation['evidence'];
  return evidence && typeof evidence === 'object' ? (evidence as EvidenceView) : {};
}

function reachedReason(evidence: EvidenceView, what: string): string {
  const parts = [what];
  if (evidence.echo?.name) parts.push(`answered by ${evidence.echo.name}`);
  if (evidence.sourceSeen) parts.push(`which saw source ${evidence.sourceSeen}`);
  if (evidence.crossedProxy === true) parts.push('through a proxy');
  if (evidence.crossedProxy === false) parts.push('with no proxy on the way');
  return parts.join(', ');
}

function classifyConnected(
  observation: ObservationLike,
  evidence: EvidenceView,
  technique: Technique | undefined,
): Classification {
  if (evidence.answeredByProxy)
    return {
      verdict: 'blocked',
      layer: 'mesh-l4',
      reason: 'captured: a local proxy stand-in answered on the redirect port, not the destination',
    };
  if (evidence.closedAfterConnect)
    return {
      verdict: 'blocked',
      layer: 'mesh-l4',
      reason: 'connection closed right after connect (EOF), as Envoy closes a TCP flow its RBAC denies',
    };
  if (technique === 'raw-syn' || technique === 'packet-syn' || evidence.replyInterface !== undefined) {
    if (evidence.replyInterface === 'lo')
      return {
        verdict: 'blocked',
        layer: 'mesh-l4',
        reason: 'redirected: the SYN-ACK came back over lo from a local proxy, not from the destination',
      };
    return {
      verdict: 'reached',
      reason: `SYN-ACK from the destination via ${evidence.replyInterface ?? 'the network'}`,
    };
  }
  if (evidence.postgres) {
    if (evidence.postgres.authenticated && (evidence.postgres.rows?.length ?? 0) > 0)
      return { verdict: 'reached', reason: 'ran a query against the database and got rows back' };
    return { verdict: 'reached', reason: `the database answered (${evidence.postgres.error ?? 'no rows'})` };
  }
  if (evidence.dns)
    return { verdict: 'reached', reason: `the resolver answered (rcode ${evidence.dns.rcode ?? '?'})` };
  if (evidence.silent)
    return { verdict: 'reached', reason: 'connected; the server said nothing before the deadline' };
  if (technique === 'spoof-source' && evidence.sourceSeen)
    return {
      verdict: 'reached',
      reason: `the forged packet arrived: the destination saw source ${evidence.sourceSeen}`,
    };
  return {
    verdict: 'reached',
    reason: reachedReason(
      evidence,
      text(observation['technique']) === 'udp' ? 'the echo came back' : 'connected',
    ),
  };
}

function classifyHttp(observation: ObservationLike, evidence: EvidenceView): Classification {
  const status = typeof observation['status'] === 'number' ? observation['status'] : 0;
  const body = evidence.body ?? '';
  if (evidence.answeredByProxy)
    return {
      verdict: 'blocked',
      layer: 'mesh-l4',
      reason: 'captured: the proxy stand-in answered the request, not the destination',
    };
  if (status === 403 && /RBAC: access denied/.test(body))
    return {
      verdict: 'blocked',
      layer: 'mesh-l7',
      reason: 'HTTP 403 "RBAC: access denied" from Envoy (AuthorizationPolicy)',
    };
  if (status === 503 && /upstream connect error|no healthy upstream/.test(body)) {
    const dropped = /timeout/i.test(body);
    return {
      verdict: 'blocked',
      ...(dropped ? { layer: 'network-policy' as const } : {}),
      reason: `HTTP 503 from the proxy: ${body.split('\n')[0]?.slice(0, 120) ?? ''}`,
    };
  }
  if (evidence.echo) return { verdict: 'reached', reason: reachedReason(evidence, `HTTP ${status}`) };
  return {
    verdict: 'reached',
    reason: `HTTP ${status}${typeof observation['server'] === 'string' ? ` from ${observation['server']}` : ''}`,
  };
}

export function classify(observation: ObservationLike, context: ClassifyContext = {}): Classification {
  const technique = context.technique ?? (text(observation['technique']) as Technique | undefined);
  const evidence = evidenceOf(observation);
  const errno = text(observation['errno']);
  const step = text(observation['step']);
  switch (observation.outcome) {
    case 'connected':
      return classifyConnected(observation, evidence, technique);
    case 'http':
      return classifyHttp(observation, evidence);
    case 'reset':
      return {
        verdict: 'blocked',
        layer: 'mesh-l4',
        reason: 'connection reset (how ztunnel refuses a flow its policy denies)',
      };
    case 'refused':
      return {
        verdict: 'blocked',
        reason: 'connection refused: nothing listens there, or a REJECT rule answered',
      };
    case 'unreachable':
      return {
        verdict: 'blocked',
        reason: `unreachable${errno ? ` (${errno})` : ''}: no route, or an ICMP reject`,
      };
    case 'timeout':
      if (technique === 'spoof-source' && evidence.blind)
        return {
          verdict: 'inconclusive',
          reason: 'a forged TCP SYN is blind: its answer goes to the forged address',
        };
      return {
        verdict: 'blocked',
        layer: 'network-policy',
        reason: 'timed out: the packets were dropped, usually by a NetworkPolicy',
      };
    case 'prelude-failed':
      if (errno === 'EPERM' || errno === 'EACCES')
        return {
          verdict: 'blocked',
          layer: 'capability',
          reason: `the attack needs a privilege the pod lacks (${errno} at ${step ?? 'a prelude'})`,
        };
      if (errno === 'EADDRINUSE')
        return { verdict: 'blocked', reason: `the port was busy (${step ?? 'bind'}): the proxy held it` };
      return {
        verdict: 'inconclusive',
        reason: `a prelude failed for another reason (${errno ?? '?'} at ${step ?? '?'})`,
      };
    case 'denied-at-admission':
      return {
        verdict: 'blocked',
        layer: 'admission',
        reason: 'the pod was denied at admission and never ran',
      };
    case 'error':
      return {
        verdict: 'inconclusive',
        reason:
          `the probe itself failed (${errno ?? ''} ${text(observation['message']) ?? step ?? ''})`.replace(
            /\s+\)/,
            ')',
          ),
      };
    default:
      return { verdict: 'inconclusive', reason: `unknown outcome "${observation.outcome}"` };
  }
}
