// The one rule for `reached`, as a table: technique × observation shape → verdict (../shared/DESIGN.md
// "Truth rules"). A flow is reached only when the destination itself answered: a gauntlet echo's
// identity, or for servers that are not ours the protocol answer the agent asked for (an HTTP status
// line, a TLS ServerHello or alert, a PostgreSQL message, a DNS reply), or the SYN-ACK a raw probe
// waits for. A mesh proxy accepts every captured connection locally before it tries the destination
// (Envoy on 15001, ztunnel), and both wait up to 10 s for the upstream connect (Istio's mesh
// `connectTimeout` default, istio/istio pkg/config/mesh/mesh.go DefaultMeshConfig), so "connected"
// alone, silence after the accept, or a close without a byte proves nothing reached anything: blocked.
// Used by the run (classify-flow.ts) and the lab alike, through classify.ts. Pure.
import type { Technique } from '../model/technique.ts';
import { techniques } from '../model/technique.ts';
import type { Layer, Verdict } from '../model/verdict.ts';
import type { ObservationShape } from './observation-shape.ts';

/** Facts the reason of a row may quote. */
export interface RuleFacts {
  technique: Technique;
  errno?: string;
  step?: string;
  message?: string;
  status?: number;
  server?: string;
  body?: string;
  openForMs?: number;
}

export interface ReachRule {
  shape: ObservationShape;
  /** The techniques that can produce this shape; any other technique with it is a harness fault. */
  techniques: readonly Technique[];
  verdict: Verdict;
  layer?: Layer | ((facts: RuleFacts) => Layer | undefined);
  reason: (facts: RuleFacts) => string;
}

const connectionTechniques: readonly Technique[] = ['tcp', 'http', 'udp-tunnel'];
const streamTechniques: readonly Technique[] = ['tcp', 'udp-tunnel'];
const socketTechniques: readonly Technique[] = techniques.filter((technique) => technique !== 'spoof-source');

/**
 * A close (or reset) this soon after the accept is a decision, not a give-up. Envoy's network RBAC
 * filter decides on the client's first bytes and closes a denied connection then (envoyproxy/envoy
 * source/extensions/filters/network/rbac/rbac_filter.cc onData; Istio's tests, which write first,
 * read it as EOF: istio/istio pkg/test/framework/components/echo/check/checkers.go); the agent
 * writes first too (harness/agent/serve/tcp-echo.ts). ztunnel drops a denied connection before it
 * dials the destination (istio/ztunnel src/proxy/inbound.rs assert_rbac): a close, or a reset when
 * our bytes are still unread. A proxy that cannot reach the destination closes only when its
 * connect timeout ends (10 s by default: Istio's mesh connectTimeout, ztunnel's CONNECTION_TIMEOUT
 * in src/proxy.rs).
 */
export const denyCloseWithinMs = 1000;

const decidedSoon = (openForMs: number | undefined): boolean =>
  openForMs !== undefined && openForMs < denyCloseWithinMs;

const proxyAccepted =
  'the connection was accepted (on a meshed pod, by the local proxy) and the destination never answered';

export const reachRules: readonly ReachRule[] = [
  {
    shape: 'echo',
    techniques: ['tcp', 'http', 'udp', 'udp-tunnel', 'spoof-source', 'sctp', 'ip-protocol'],
    verdict: 'reached',
    reason: ({ technique }) =>
      technique === 'spoof-source'
        ? 'the forged packet arrived: the destination echo reported the source it saw'
        : 'the destination echo answered with its identity',
  },
  {
    shape: 'http-status',
    techniques: ['http'],
    verdict: 'reached',
    reason: ({ status }) => `the destination answered with an HTTP ${status ?? '?'} status line`,
  },
  {
    shape: 'tls-answer',
    techniques: streamTechniques,
    verdict: 'reached',
    reason: () => 'the destination answered our TLS ClientHello (only the server itself can)',
  },
  {
    shape: 'postgres-answer',
    techniques: streamTechniques,
    verdict: 'reached',
    reason: () => 'the database answered in the PostgreSQL protocol',
  },
  {
    shape: 'dns-reply',
    techniques: ['dns'],
    verdict: 'reached',
    reason: () => 'the resolver answered the query',
  },
  {
    shape: 'syn-ack-network',
    techniques: ['raw-syn', 'packet-syn'],
    verdict: 'reached',
    reason: () => 'the SYN-ACK came from the destination over the network',
  },
  {
    // Only the destination's kernel answers an echo request from the destination's address: no mesh
    // proxy takes ICMP (Istio's capture redirects TCP only, ambient's TCP and DNS).
    shape: 'icmp-echo-reply',
    techniques: ['icmp'],
    verdict: 'reached',
    reason: () =>
      'the destination answered the ICMP echo request from its own address (no proxy captures ICMP)',
  },
  {
    shape: 'banner',
    techniques: ['tcp', 'udp', 'udp-tunnel', 'sctp'],
    verdict: 'reached',
    reason: () => 'the destination spoke first (a proxy never writes bytes of its own on a TCP or UDP flow)',
  },
  {
    shape: 'http-rbac-denied',
    techniques: ['http'],
    verdict: 'blocked',
    layer: 'mesh-l7',
    reason: () => 'HTTP 403 "RBAC: access denied" from Envoy (an AuthorizationPolicy)',
  },
  {
    shape: 'http-proxy-failed',
    techniques: ['http'],
    verdict: 'blocked',
    layer: ({ body }) => (/timeout/i.test(body ?? '') ? 'network-policy' : undefined),
    reason: ({ status, body }) =>
      `HTTP ${status ?? '?'} from the proxy, not the destination: ${(body ?? '').split('\n')[0]?.slice(0, 120) ?? ''}`,
  },
  {
    shape: 'http-not-the-echo',
    techniques: ['http'],
    verdict: 'blocked',
    // Envoy names itself in `server` (envoy, or istio-envoy as Istio configures it:
    // istio/istio pilot/pkg/networking/util/proxy_headers.go ServerName); then the mesh's proxy refused.
    layer: ({ server }) => (/envoy/i.test(server ?? '') ? 'mesh-l7' : undefined),
    reason: ({ status, server }) =>
      `HTTP ${status ?? '?'} from ${server ? `server "${server}"` : 'a server'}, not from the gauntlet echo the destination runs: something on the path answered in its place`,
  },
  {
    shape: 'syn-ack-loopback',
    techniques: ['raw-syn', 'packet-syn'],
    verdict: 'blocked',
    layer: 'mesh-l4',
    reason: () => 'redirected: the SYN-ACK came back over lo from the local proxy, not from the destination',
  },
  {
    shape: 'postgres-no-answer',
    techniques: streamTechniques,
    verdict: 'blocked',
    layer: 'network-policy',
    reason: () => `${proxyAccepted}: no PostgreSQL message came back`,
  },
  {
    shape: 'accepted-silent',
    techniques: connectionTechniques,
    verdict: 'blocked',
    layer: 'network-policy',
    reason: () =>
      `${proxyAccepted} before the probe's deadline (silence behind a proxy: usually a drop on the node, a NetworkPolicy)`,
  },
  {
    shape: 'accepted-closed',
    techniques: connectionTechniques,
    verdict: 'blocked',
    layer: ({ openForMs }) => (decidedSoon(openForMs) ? 'mesh-l4' : 'network-policy'),
    reason: ({ openForMs }) =>
      decidedSoon(openForMs)
        ? `${proxyAccepted}: closed without a byte ${Math.round(openForMs ?? 0)} ms after connect (EOF), as Envoy closes a TCP flow its RBAC denies (or one whose upstream refused at once)`
        : `${proxyAccepted}: closed without a byte${openForMs !== undefined ? ` after ${Math.round(openForMs)} ms` : ''}, as a proxy does when its upstream connect fails`,
  },
  {
    shape: 'accepted-nothing',
    techniques: socketTechniques,
    verdict: 'blocked',
    reason: () => `${proxyAccepted}: connected, and nothing came back that only the destination could send`,
  },
  {
    shape: 'reset',
    techniques,
    verdict: 'blocked',
    // A reset at once is a refusal (ztunnel's deny, with our bytes unread); one after the proxy's
    // connect timeout is ztunnel giving up on a destination dropped behind it.
    layer: ({ openForMs }) =>
      openForMs === undefined || decidedSoon(openForMs) ? 'mesh-l4' : 'network-policy',
    reason: ({ openForMs }) =>
      openForMs === undefined || decidedSoon(openForMs)
        ? 'connection reset (how ztunnel refuses a flow its policy denies, or a proxy whose upstream refused at once)'
        : `connection reset ${Math.round(openForMs)} ms after connect: the proxy gave up on the destination (dropped behind it)`,
  },
  {
    shape: 'refused',
    techniques,
    verdict: 'blocked',
    reason: () => 'connection refused: nothing listens there, or a REJECT rule answered',
  },
  {
    shape: 'unreachable',
    techniques,
    verdict: 'blocked',
    reason: ({ errno }) => `unreachable${errno ? ` (${errno})` : ''}: no route, or an ICMP reject`,
  },
  {
    shape: 'connect-timeout',
    techniques,
    verdict: 'blocked',
    layer: 'network-policy',
    reason: () => 'timed out: the packets were dropped, usually by a NetworkPolicy',
  },
  {
    shape: 'blind-forgery',
    techniques: ['spoof-source'],
    verdict: 'inconclusive',
    reason: () => 'a forged TCP SYN is blind: its answer goes to the forged address',
  },
  {
    shape: 'prelude-denied',
    techniques,
    verdict: 'blocked',
    layer: 'capability',
    reason: ({ errno, step }) =>
      `the attack needs a privilege the pod lacks (${errno ?? '?'} at ${step ?? 'a prelude'})`,
  },
  {
    shape: 'prelude-port-busy',
    techniques,
    verdict: 'blocked',
    reason: ({ step }) => `the port was busy (${step ?? 'bind'}): the proxy held it`,
  },
  {
    // No Envoy in the pod to stop (ambient runs none: the pod holds only ztunnel's in-pod listeners),
    // so the hijack has nothing to act on: the attack fails for want of a target, not of a privilege.
    shape: 'prelude-no-proxy',
    techniques,
    verdict: 'blocked',
    reason: ({ step }) =>
      `connection refused at ${(step ?? 'the admin endpoint').replace(/^envoy-quitquitquit: /, '')}: no proxy listens there (no Envoy in this pod, as in ambient), so there is nothing to stop and no outbound port to take over`,
  },
  {
    shape: 'prelude-failed',
    techniques,
    verdict: 'inconclusive',
    reason: ({ errno, step }) => `a prelude failed for another reason (${errno ?? '?'} at ${step ?? '?'})`,
  },
  {
    shape: 'denied-at-admission',
    techniques,
    verdict: 'blocked',
    layer: 'admission',
    reason: () => 'the pod was denied at admission and never ran',
  },
  {
    shape: 'probe-error',
    techniques,
    verdict: 'inconclusive',
    reason: ({ errno, message, step }) =>
      `the probe itself failed (${[errno, message ?? step].filter(Boolean).join(' ')})`,
  },
  {
    shape: 'unknown-outcome',
    techniques,
    verdict: 'inconclusive',
    reason: () => 'the agent reported an outcome this version does not know',
  },
];

const byShape = new Map(reachRules.map((rule) => [rule.shape, rule]));

export function ruleFor(shape: ObservationShape): ReachRule {
  const rule = byShape.get(shape);
  if (!rule) throw new Error(`no reach rule for shape "${shape}"`);
  return rule;
}
