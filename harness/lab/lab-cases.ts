// The lab's catalogue: every technique against Istio's real capture rules on this kernel, each with
// and without its counter-measure. `gauntlet lab` runs all of it; the lab tests run it and assert on
// each observation. Data, not code paths: a case says who probes whom, how, as whom, under which
// defence, and what a working defence (or a working attack) looks like. The proxy stand-ins forward
// as Envoy and ztunnel do (harness/lab/proxy-stand-in), so a captured flow with no policy reaches its
// destination through the proxy, and a blocked one looks the way it does on a cluster.
import type { ProbeRequestInput } from '../agent/protocol.ts';
import type { AgentPrelude } from '../agent/protocol.ts';
import type { Technique } from '../model/technique.ts';
import type { ExpectedVerdict, Layer } from '../model/verdict.ts';
import { containerdDefaultDrop, root } from './identity.ts';
import type { Identity } from './identity.ts';
import type { LabNeed } from './kernel-features.ts';
import type { ProxyPolicy, ProxyPolicyFile } from './proxy-policy.ts';
import type { Topology } from './topology.ts';

/**
 * The targets' ports: 8082 is an HTTP server behind a Service port declared TCP (Envoy proxies it at
 * L4); 9090 is the SCTP echo (`serve --sctp`), the port scenarios/uncaptured-protocols probes.
 */
export const ports = {
  tcp: 8080,
  http: 8081,
  httpAsTcp: 8082,
  udp: 5353,
  dns: 53,
  relay: 4789,
  postgres: 5432,
  sctp: 9090,
} as const;
/** The IP protocol of the ip-protocol cases, answered by the targets' `serve --ip-protocol` (RFC 3692: experimental). */
export const labIpProtocol = 253;
export const probeTimeoutMs = 1000;
export const kubeletProbeSource = '169.254.7.127';

/**
 * What every stand-in starts with. Ports declared as the plan's Services declare them
 * (harness/plan/render-workloads.ts: tcp-N / http-N with appProtocol); the connect timeout is Istio's
 * 10 s shortened so the lab stays quick, still above the probes' 1 s.
 */
export const labProxyPolicy: ProxyPolicy = {
  connectTimeoutMs: 3000,
  ports: { [ports.tcp]: 'tcp', [ports.http]: 'http', [ports.httpAsTcp]: 'tcp' },
  deny: [],
};

/** What a case's `arrange` can change: the node's rules and the stand-ins' policies. */
export interface LabContext {
  topology: Topology;
  /** The policy file of a meshed pod's stand-in. */
  proxy(pod: string): ProxyPolicyFile;
  /** Puts a meshed pod's capture rules back as the mesh installed them. */
  reloadRules(pod: string): Promise<void>;
}

export type Arrange = (lab: LabContext) => Promise<() => Promise<void>>;

export interface LabCase {
  /** Kebab-case, unique in its group (the probe id of results.json). */
  id: string;
  title: string;
  technique: Technique;
  preludes?: AgentPrelude[];
  /** The defence this case measures, and whether it is in place. */
  defence: string;
  defended: boolean;
  from: string;
  to: string;
  /** Absent for icmp and ip-protocol, which address a host, not a port. */
  port?: number;
  identity?: Identity;
  /** The probe's own deadline (default `probeTimeoutMs`). */
  probeTimeoutMs?: number;
  /** Extra probe fields (http, dnsName, relay, spoof, application). */
  probe?: (topology: Topology) => Partial<ProbeRequestInput>;
  /** Puts the defence in place (a node rule, rp_filter, a proxy policy) and returns how to undo it. */
  arrange?: Arrange;
  expect: ExpectedVerdict;
  layer?: Layer;
  why: string;
  /**
   * What the case needs of the kernel beyond what every case does (harness/lab/kernel-features.ts):
   * where the kernel lacks it the case is skipped with the reason, never run to fail or pass.
   */
  needs?: LabNeed;
}

export interface LabGroup {
  id: string;
  title: string;
  mesh: 'sidecar' | 'ambient';
  /** Pod names; the first is the meshed attacker. */
  pods: readonly string[];
  /** Pods loaded with the group's capture rules, each with its own proxy stand-in (the attacker first). */
  meshed: readonly string[];
  /** Pods that run the gauntlet echo servers (tcp, http, udp, dns). */
  targets: readonly string[];
  /** The stand-in runs as the proxy UID in sidecar mode; ztunnel's in-pod sockets belong to root. */
  standInIdentity: Identity;
  cases: readonly LabCase[];
}

/** A FORWARD rule on the node side of a pod's veth, standing in for a Calico NetworkPolicy. */
export function nodeDrop(from: string, match: readonly string[]) {
  return async (topology: Topology) => {
    const rule = ['FORWARD', '-i', topology.pod(from).nodeInterface, ...match, '-j', 'DROP'];
    await topology.nodeIptables(['-I', ...rule]);
    return () => topology.nodeIptables(['-D', ...rule]);
  };
}

function strictRpf(pod: string): Arrange {
  return async ({ topology }) => {
    await topology.setRpFilter(pod, true);
    return () => topology.setRpFilter(pod, false);
  };
}

/** Changes a stand-in's policy for the case (istiod pushing new config) and puts it back after. */
function proxyPolicy(pod: string, change: (policy: ProxyPolicy, lab: LabContext) => ProxyPolicy): Arrange {
  return async (lab) => lab.proxy(pod).apply((policy) => change(policy, lab));
}

/** The stand-in's upstream connect timeout (the mesh connectTimeout, or ztunnel's CONNECTION_TIMEOUT). */
function connectTimeout(pod: string, ms: number): Arrange {
  return proxyPolicy(pod, (policy) => ({ ...policy, connectTimeoutMs: ms }));
}

/**
 * An AuthorizationPolicy that denies `from` on `port` of `to`. A sidecar enforces it at the
 * destination's inbound side (`standIn` = the destination pod); the ambient stand-in, on the source
 * pod, enforces it as the destination's ztunnel would answer the HBONE CONNECT.
 */
function deny(
  standIn: string,
  direction: 'inbound' | 'outbound',
  from: string,
  to: string,
  port: number,
): Arrange {
  return proxyPolicy(standIn, (policy, { topology }) => ({
    ...policy,
    deny: [
      ...policy.deny,
      {
        direction,
        port,
        source: topology.pod(from).address,
        ...(direction === 'outbound' ? { destination: topology.pod(to).address } : {}),
      },
    ],
  }));
}

/** Several arrangements, undone in reverse order (and undone so far if one fails). */
function all(...arranges: readonly Arrange[]): Arrange {
  return async (lab) => {
    const undos: (() => Promise<void>)[] = [];
    try {
      for (const arrange of arranges) undos.push(await arrange(lab));
    } catch (error) {
      for (const undo of undos.reverse()) await undo();
      throw error;
    }
    return async () => {
      for (const undo of [...undos].reverse()) await undo();
    };
  };
}

/** Nothing before the case; after it, the pod's capture rules as the mesh installed them (an attack may flush them). */
function restoreRulesAfter(pod: string): Arrange {
  return async (lab) => () => lab.reloadRules(pod);
}

const uid1000: Identity = { uid: 1000 };
const dropUdpButDns: Arrange = ({ topology }) =>
  nodeDrop('attacker', ['-p', 'udp', '!', '--dport', String(ports.dns)])(topology);
const dropTcpToTarget =
  (from: string): Arrange =>
  ({ topology }) =>
    nodeDrop(from, ['-p', 'tcp', '-d', topology.pod('target').address])(topology);
const postgresProbe = () => ({ application: 'postgres' as const });
/**
 * An h2c request (HTTP/2 with prior knowledge) whose method is lower-case, as Istio
 * GHSA-w44g-8m76-8gc5 sends it: only HTTP/2 carries `:method` as written (harness/agent/techniques/http2.ts).
 */
const h2cProbe = () => ({ http: { method: 'delete', path: '/admin', version: '2' as const } });

/**
 * ICMP, a raw IP protocol and SCTP from the meshed attacker, with and without a node-side drop of
 * that protocol. Neither mesh captures them: the sidecar's nat rules redirect `-p tcp` only
 * (harness/lab/rules/istio-1.30.5/sidecar-capture.v4.rules lines 14-16: `-A ISTIO_REDIRECT -p tcp -j
 * REDIRECT --to-ports 15001`, `-A ISTIO_IN_REDIRECT -p tcp ...`, `-A PREROUTING -p tcp -j
 * ISTIO_INBOUND`; every other packet runs off the end of ISTIO_OUTPUT's chain into the ACCEPT policy),
 * and ambient's in-pod rules `-p tcp` and `-p udp --dport 53` only (ambient-inpod.v4.rules lines
 * 21-26). Only the node (a NetworkPolicy, here a FORWARD drop of that protocol) can stop them.
 * The SCTP cases need the kernel's SCTP on this machine (`needs: 'sctp'`): where it has none they
 * are skipped with the reason, since a probe there would only report the kernel's error.
 */
function uncapturedProtocolCases(mesh: string): LabCase[] {
  const dropProtocol =
    (protocol: string): Arrange =>
    ({ topology }) =>
      nodeDrop('attacker', ['-p', protocol, '-d', topology.pod('target').address])(topology);
  const common = { from: 'attacker', to: 'target' } as const;
  return [
    {
      id: 'icmp-uncaptured',
      title: `ICMP echo from the ${mesh} pod, no node rule`,
      technique: 'icmp',
      defence: 'node drops ICMP to target',
      defended: false,
      ...common,
      expect: 'reached',
      why: `the ${mesh} capture redirects TCP only: the echo request leaves untouched and the target's kernel answers`,
    },
    {
      id: 'icmp-unprivileged',
      title: `ICMP echo from the ${mesh} pod as UID 1000 without capabilities`,
      technique: 'icmp',
      defence: 'NET_RAW withheld',
      defended: true,
      identity: uid1000,
      ...common,
      expect: 'reached',
      why: 'a ping socket needs no capability where the group is inside net.ipv4.ping_group_range, which containerd opens to all groups in pods (enable_unprivileged_icmp): withholding NET_RAW does not stop ICMP',
    },
    {
      id: 'icmp-node-drop',
      title: `ICMP echo from the ${mesh} pod under a node-side ICMP drop`,
      technique: 'icmp',
      defence: 'node drops ICMP to target',
      defended: true,
      ...common,
      arrange: dropProtocol('icmp'),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'only the node can stop ICMP: its drop leaves the echo request unanswered',
    },
    {
      id: 'ip-protocol-uncaptured',
      title: `IP protocol ${labIpProtocol} from the ${mesh} pod, no node rule`,
      technique: 'ip-protocol',
      defence: `node drops IP protocol ${labIpProtocol} to target`,
      defended: false,
      ...common,
      probe: () => ({ ipProtocol: labIpProtocol }),
      expect: 'reached',
      why: `no capture rule matches protocol ${labIpProtocol}: the target's listener answers with its identity and sees the attacker's own address`,
    },
    {
      id: 'ip-protocol-node-drop',
      title: `IP protocol ${labIpProtocol} from the ${mesh} pod under a node-side drop of it`,
      technique: 'ip-protocol',
      defence: `node drops IP protocol ${labIpProtocol} to target`,
      defended: true,
      ...common,
      probe: () => ({ ipProtocol: labIpProtocol }),
      arrange: dropProtocol(String(labIpProtocol)),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'only the node can stop it: the drop leaves the packet unanswered',
    },
    {
      id: 'sctp-uncaptured',
      title: `an SCTP association from the ${mesh} pod, no node rule`,
      technique: 'sctp',
      defence: 'node drops SCTP to target',
      defended: false,
      ...common,
      port: ports.sctp,
      needs: 'sctp',
      expect: 'reached',
      why: `no capture rule matches SCTP (the ${mesh} rules redirect TCP${mesh === 'ambient' ? ' and UDP/53' : ''} only): the association reaches the target's SCTP echo, which answers with its identity and sees the attacker's own address`,
    },
    {
      id: 'sctp-node-drop',
      title: `an SCTP association from the ${mesh} pod under a node-side SCTP drop`,
      technique: 'sctp',
      defence: 'node drops SCTP to target',
      defended: true,
      ...common,
      port: ports.sctp,
      needs: 'sctp',
      arrange: dropProtocol('sctp'),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'only the node can stop SCTP: its drop leaves the INIT unanswered and the association never forms',
    },
  ];
}

/** Either mesh's rules live in the pod's own netfilter tables: without NET_ADMIN the flush fails alike. */
const iptablesFlushDenied: LabCase = {
  id: 'iptables-flush-denied',
  title: 'iptables-flush without NET_ADMIN',
  technique: 'tcp',
  preludes: ['iptables-flush'],
  defence: 'NET_ADMIN withheld',
  defended: true,
  identity: { uid: 0, drop: ['net_admin'] },
  from: 'attacker',
  to: 'target',
  port: ports.tcp,
  expect: 'blocked',
  layer: 'capability',
  why: 'changing netfilter rules needs CAP_NET_ADMIN',
};

/** The flush with NET_ADMIN, as root: each mesh's capture is gone until the rules are reloaded after the case. */
function iptablesFlush(title: string, why: string): LabCase {
  return {
    id: 'iptables-flush',
    title,
    technique: 'tcp',
    preludes: ['iptables-flush'],
    defence: 'NET_ADMIN withheld',
    defended: false,
    from: 'attacker',
    to: 'target',
    port: ports.tcp,
    arrange: restoreRulesAfter('attacker'),
    expect: 'reached',
    why,
  };
}

/** The meshed attacker's flows to the target while the node drops them (a NetworkPolicy behind the proxy). */
const dropBehindProxy = {
  defence: 'node drops TCP to target',
  defended: true,
  from: 'attacker',
  to: 'target',
  arrange: dropTcpToTarget('attacker'),
  expect: 'blocked',
  layer: 'network-policy',
} as const satisfies Partial<LabCase>;

/** The same, with the proxy's connect timeout (`ms`) ending before the probe's deadline. */
function proxyGivesUpFirst(ms: number) {
  return {
    ...dropBehindProxy,
    probeTimeoutMs: 3000,
    arrange: all(dropTcpToTarget('attacker'), connectTimeout('attacker', ms)),
  } satisfies Partial<LabCase>;
}

export const sidecarGroup: LabGroup = {
  id: 'sidecar',
  title: 'Istio sidecar capture',
  mesh: 'sidecar',
  pods: ['attacker', 'bare', 'target', 'outside', 'meshed-target'],
  meshed: ['attacker', 'meshed-target'],
  targets: ['target', 'meshed-target'],
  standInIdentity: { uid: 1337 },
  cases: [
    {
      id: 'tcp-captured',
      title: 'plain TCP from the meshed pod, no policy',
      technique: 'tcp',
      defence: 'sidecar capture',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'nat OUTPUT redirects TCP to 15001; the sidecar connects to the original destination as UID 1337 and relays: the destination answers through the proxy',
    },
    {
      id: 'tcp-unmeshed',
      title: 'plain TCP from a pod without the rules',
      technique: 'tcp',
      defence: 'sidecar capture',
      defended: false,
      from: 'bare',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'no capture rules: the destination answers itself',
    },
    {
      id: 'udp-not-captured',
      title: 'UDP from the meshed pod',
      technique: 'udp',
      defence: 'node drops UDP',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.udp,
      expect: 'reached',
      why: 'sidecar capture redirects TCP only; UDP leaves untouched',
    },
    {
      id: 'udp-node-drop',
      title: 'UDP once the node drops it',
      technique: 'udp',
      defence: 'node drops UDP',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.udp,
      arrange: dropUdpButDns,
      expect: 'blocked',
      layer: 'network-policy',
      why: 'a node-side drop (NetworkPolicy) stops what the mesh never saw',
    },
    {
      id: 'dns-allowed',
      title: 'DNS to the allowed resolver under the UDP drop',
      technique: 'dns',
      defence: 'node drops UDP',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.dns,
      arrange: dropUdpButDns,
      probe: () => ({ dnsName: 'db.gauntlet.lab' }),
      expect: 'reached',
      why: 'the policy allows port 53, so name resolution keeps working',
    },
    {
      id: 'run-as-1337',
      title: 'run-as-1337 with CAP_SETUID (root)',
      technique: 'tcp',
      preludes: ['run-as-1337'],
      defence: 'CAP_SETUID/SETGID withheld',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'UID 1337 is exempt from capture (-m owner --uid-owner 1337 -j RETURN)',
    },
    {
      id: 'run-as-1337-denied',
      title: 'run-as-1337 as UID 1000 without capabilities',
      technique: 'tcp',
      preludes: ['run-as-1337'],
      defence: 'CAP_SETUID/SETGID withheld',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'switching to UID 1337 needs CAP_SETUID',
    },
    {
      id: 'uid-1000-captured',
      title: 'plain TCP as UID 1000',
      technique: 'tcp',
      defence: 'sidecar capture',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'only UID/GID 1337 is exempt: UID 1000 is captured too, and the sidecar forwards it',
    },
    {
      id: 'raw-syn-redirected',
      title: 'raw-syn from the meshed pod',
      technique: 'raw-syn',
      defence: 'sidecar capture',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'mesh-l4',
      why: 'AF_INET raw sockets still pass LOCAL_OUT, so nat REDIRECT applies',
    },
    {
      id: 'raw-syn-unmeshed',
      title: 'raw-syn from a pod without the rules',
      technique: 'raw-syn',
      defence: 'sidecar capture',
      defended: false,
      from: 'bare',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'the destination answers the hand-built SYN',
    },
    {
      id: 'packet-syn-escapes',
      title: 'packet-syn from the meshed pod',
      technique: 'packet-syn',
      defence: 'node drops TCP to target',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'AF_PACKET frames skip the pod netfilter hooks',
    },
    {
      id: 'packet-syn-node-drop',
      title: 'packet-syn under a node-side TCP drop',
      technique: 'packet-syn',
      defence: 'node drops TCP to target',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      arrange: dropTcpToTarget('attacker'),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'the frame still crosses the node side of the veth, where Calico enforces',
    },
    {
      id: 'envoy-hijack',
      title: 'envoy-quitquitquit and hijack of 15001 as root',
      technique: 'tcp',
      preludes: ['envoy-quitquitquit'],
      defence: 'non-root without capabilities',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'the admin endpoint needs no credentials; a UID 1337 forwarder on 15001 leaves unproxied',
    },
    {
      id: 'envoy-hijack-denied',
      title: 'envoy-quitquitquit as UID 1000 without capabilities',
      technique: 'tcp',
      preludes: ['envoy-quitquitquit'],
      defence: 'non-root without capabilities',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'the proxy still stops, but the forwarder cannot become UID 1337',
    },
    {
      id: 'tcp-node-drop',
      title: 'plain TCP under a node-side TCP drop',
      technique: 'tcp',
      defence: 'node drops TCP to target',
      defended: true,
      from: 'bare',
      to: 'target',
      port: ports.tcp,
      arrange: dropTcpToTarget('bare'),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'the node drops the TCP flow',
    },
    {
      id: 'udp-tunnel',
      title: 'udp-tunnel through a relay outside, under the same drop',
      technique: 'udp-tunnel',
      defence: 'node drops TCP to target',
      defended: true,
      from: 'bare',
      to: 'target',
      port: ports.tcp,
      arrange: dropTcpToTarget('bare'),
      probe: (topology) => ({ relay: { host: topology.pod('outside').address, port: ports.relay } }),
      expect: 'reached',
      why: 'UDP to the relay is allowed; the relay opens the TCP flow from outside the rule',
    },
    iptablesFlushDenied,
    iptablesFlush(
      'iptables-flush with NET_ADMIN',
      'with the nat table flushed nothing redirects to the sidecar',
    ),
    {
      id: 'tcp-through-sidecars',
      title: 'plain TCP from the meshed pod to a meshed pod, no policy',
      technique: 'tcp',
      defence: 'sidecar capture at both ends',
      defended: true,
      from: 'attacker',
      to: 'meshed-target',
      port: ports.tcp,
      expect: 'reached',
      why: "the destination's sidecar takes it on 15006 and connects to the app from 127.0.0.6, which the echo reports",
    },
    {
      id: 'http-through-sidecars',
      title: 'HTTP from the meshed pod to a meshed pod, no policy',
      technique: 'http',
      defence: 'sidecar capture at both ends',
      defended: true,
      from: 'attacker',
      to: 'meshed-target',
      port: ports.http,
      expect: 'reached',
      why: 'both sidecars proxy the request (HTTP-declared port); the echo answers from behind 127.0.0.6',
    },
    {
      id: 'tcp-node-drop-silent',
      title: 'plain TCP from the meshed pod under a node-side drop, the probe gives up first',
      technique: 'tcp',
      port: ports.tcp,
      ...dropBehindProxy,
      why: 'the sidecar accepts at once and waits for its upstream connect (mesh connectTimeout): connected, then silence',
    },
    {
      id: 'tcp-node-drop-proxy-gives-up',
      title: 'plain TCP from the meshed pod under a node-side drop, the sidecar gives up first',
      technique: 'tcp',
      port: ports.tcp,
      ...proxyGivesUpFirst(1200),
      why: "tcp_proxy's connect times out and it closes the app's connection without a byte (onInitFailure, NoFlush); the agent's first line is still unread there, so the close is a reset",
    },
    {
      id: 'tcp-l4-deny',
      title: 'plain TCP to a meshed pod whose AuthorizationPolicy denies the source (L4)',
      technique: 'tcp',
      defence: 'AuthorizationPolicy DENY on a TCP port',
      defended: true,
      from: 'attacker',
      to: 'meshed-target',
      port: ports.tcp,
      arrange: deny('meshed-target', 'inbound', 'attacker', 'meshed-target', ports.tcp),
      expect: 'blocked',
      layer: 'mesh-l4',
      why: "Envoy's network RBAC decides on the client's first bytes (rbac_filter.cc onData) and closes: the agent speaks first, so nothing of the app comes back (a server that spoke first would be heard through the deny, envoyproxy/envoy#9023)",
    },
    {
      id: 'http-as-tcp-l4-deny',
      title: 'a client-first request to a meshed pod on a TCP-declared port its AuthorizationPolicy denies',
      technique: 'http',
      defence: 'AuthorizationPolicy DENY on a TCP port',
      defended: true,
      from: 'attacker',
      to: 'meshed-target',
      port: ports.httpAsTcp,
      arrange: deny('meshed-target', 'inbound', 'attacker', 'meshed-target', ports.httpAsTcp),
      expect: 'blocked',
      layer: 'mesh-l4',
      why: "the request is the client's first bytes: network RBAC closes the connection before they reach the app (EOF, Istio's TCP Forbidden)",
    },
    {
      id: 'http-l7-deny',
      title: 'HTTP to a meshed pod whose AuthorizationPolicy denies the source',
      technique: 'http',
      defence: 'AuthorizationPolicy DENY on an HTTP port',
      defended: true,
      from: 'attacker',
      to: 'meshed-target',
      port: ports.http,
      arrange: deny('meshed-target', 'inbound', 'attacker', 'meshed-target', ports.http),
      expect: 'blocked',
      layer: 'mesh-l7',
      why: 'on an HTTP port the RBAC HTTP filter answers 403 "RBAC: access denied" (rbac_filter.cc decodeHeaders)',
    },
    {
      id: 'http-node-drop-503',
      title: 'HTTP from the meshed pod under a node-side drop',
      technique: 'http',
      port: ports.http,
      ...proxyGivesUpFirst(400),
      why: 'the router retries the connect twice (Istio\'s default retry policy), then answers 503 "upstream connect error or disconnect/reset before headers" itself',
    },
    // h2c on the TCP-declared port: there Envoy is tcp_proxy and relays bytes, which the stand-in does
    // too. On an HTTP-declared port Envoy's connection manager would end the HTTP/2 connection and open
    // its own upstream, which the stand-in does not model (harness/lab/proxy-stand-in/BEHAVIOURS.md).
    {
      id: 'h2c-captured',
      title: 'an h2c request with a lower-case method from the meshed pod, no policy',
      technique: 'http',
      defence: 'sidecar capture',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.httpAsTcp,
      probe: h2cProbe,
      expect: 'reached',
      why: 'nat OUTPUT redirects it to 15001; on a TCP-declared port the sidecar relays the bytes (tcp_proxy), so the echo gets the HTTP/2 request and its method as sent',
    },
    {
      id: 'h2c-node-drop',
      title: 'an h2c request from the meshed pod under a node-side drop',
      technique: 'http',
      port: ports.httpAsTcp,
      probe: h2cProbe,
      ...proxyGivesUpFirst(1200),
      why: "tcp_proxy's connect times out and it closes the app's connection over the unread connection preface: a reset",
    },
    {
      id: 'postgres-node-drop',
      title: 'the PostgreSQL probe from the meshed pod under a node-side drop',
      technique: 'tcp',
      port: ports.postgres,
      probe: postgresProbe,
      ...proxyGivesUpFirst(1200),
      why: 'the sidecar accepts, never reads the startup message, and closes when its connect times out: no PostgreSQL message comes back (a reset, the bytes were unread)',
    },
    {
      id: 'gid-1337',
      title: 'plain TCP as UID 1000 with GID 1337, no capabilities',
      technique: 'tcp',
      defence: 'runAsGroup 1337 refused by an admission policy',
      defended: false,
      identity: { uid: 1000, gid: 1337 },
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'the sidecar rules exempt the proxy GID as well as its UID (sidecar-capture.v4.rules: `-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN`); restricted admission allows runAsGroup 1337',
    },
    {
      id: 'raw-syn-denied',
      title: 'raw-syn as UID 1000 without capabilities',
      technique: 'raw-syn',
      defence: 'NET_RAW withheld',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'an AF_INET SOCK_RAW socket needs CAP_NET_RAW (man 7 raw): EPERM',
    },
    {
      id: 'packet-syn-denied',
      title: 'packet-syn as UID 1000 without capabilities',
      technique: 'packet-syn',
      defence: 'NET_RAW withheld',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'an AF_PACKET socket needs CAP_NET_RAW (man 7 packet): EPERM',
    },
    {
      id: 'raw-syn-node-drop',
      title: 'raw-syn from the unmeshed pod under a node-side TCP drop',
      technique: 'raw-syn',
      defence: 'node drops TCP to target',
      defended: true,
      from: 'bare',
      to: 'target',
      port: ports.tcp,
      arrange: dropTcpToTarget('bare'),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'a hand-built SYN is still TCP on the wire: the node side of the veth drops it',
    },
    {
      id: 'dns-not-captured',
      title: 'DNS (UDP/53) from the meshed pod to an address that is not the resolver',
      technique: 'dns',
      defence: 'sidecar DNS capture (off by default)',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.dns,
      probe: () => ({ dnsName: 'db.gauntlet.lab' }),
      expect: 'reached',
      why: 'the sidecar rules hold no UDP rule at all (DNS capture is off unless ISTIO_META_DNS_CAPTURE): the query leaves untouched and the target answers it',
    },
    ...uncapturedProtocolCases('sidecar'),
  ],
};

export const ambientGroup: LabGroup = {
  id: 'ambient',
  title: 'Istio ambient in-pod redirect',
  mesh: 'ambient',
  pods: ['attacker', 'target'],
  meshed: ['attacker'],
  targets: ['target'],
  standInIdentity: root,
  cases: [
    {
      id: 'tcp-captured',
      title: 'plain TCP from the ambient pod, no policy',
      technique: 'tcp',
      defence: 'ztunnel redirect',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'nat OUTPUT redirects unmarked TCP to ztunnel on 15001; ztunnel connects out with mark 0x539 and relays: the destination answers through it',
    },
    {
      id: 'so-mark-root',
      title: 'so-mark 0x539 as root',
      technique: 'tcp',
      preludes: ['so-mark'],
      defence: 'NET_RAW and NET_ADMIN withheld',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: "sockets marked 0x539 are exempt (ztunnel's own mark)",
    },
    {
      id: 'so-mark-net-raw-non-root',
      title: 'so-mark 0x539 as UID 1000 with NET_RAW added, as a pod gets it',
      technique: 'tcp',
      preludes: ['so-mark'],
      defence: 'the pod runs as non-root',
      defended: true,
      identity: { uid: 1000, add: ['net_raw'] },
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'a capability added to a non-root container stays in its bounding set only (no ambient capabilities), so the process has no effective NET_RAW: EPERM. Only root (or NET_RAW with root) sets the mark',
    },
    {
      id: 'so-mark-denied',
      title: 'so-mark as UID 1000 without capabilities',
      technique: 'tcp',
      preludes: ['so-mark'],
      defence: 'NET_RAW and NET_ADMIN withheld',
      defended: true,
      identity: uid1000,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'capability',
      why: 'SO_MARK needs CAP_NET_RAW or CAP_NET_ADMIN',
    },
    {
      id: 'spoof-kubelet-source',
      title: `spoof-source ${kubeletProbeSource} without rp_filter`,
      technique: 'spoof-source',
      defence: 'strict reverse-path filter on the node',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.udp,
      probe: () => ({ spoof: { source: kubeletProbeSource, protocol: 'udp' } }),
      expect: 'reached',
      why: 'without RPF the node forwards a packet from the kubelet probe address',
    },
    {
      id: 'spoof-kubelet-source-rpf',
      title: `spoof-source ${kubeletProbeSource} under strict rp_filter`,
      technique: 'spoof-source',
      defence: 'strict reverse-path filter on the node',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.udp,
      arrange: strictRpf('attacker'),
      probe: () => ({ spoof: { source: kubeletProbeSource, protocol: 'udp' } }),
      expect: 'blocked',
      layer: 'network-policy',
      why: 'the forged source does not route back through that veth: strict RPF drops it',
    },
    {
      id: 'tcp-node-drop-silent',
      title: 'plain TCP from the ambient pod under a node-side drop, the probe gives up first',
      technique: 'tcp',
      port: ports.tcp,
      ...dropBehindProxy,
      why: 'ztunnel accepts at once and waits for its upstream connect (CONNECTION_TIMEOUT): connected, then silence',
    },
    {
      id: 'tcp-node-drop-proxy-gives-up',
      title: 'plain TCP from the ambient pod under a node-side drop, ztunnel gives up first',
      technique: 'tcp',
      port: ports.tcp,
      ...proxyGivesUpFirst(1200),
      why: "ztunnel's connect times out and it drops the app's connection over the agent's unread first line: a reset",
    },
    {
      id: 'tcp-identity-deny',
      title: 'plain TCP from the ambient pod to a destination whose AuthorizationPolicy denies it',
      technique: 'tcp',
      defence: 'AuthorizationPolicy DENY (L4)',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      arrange: deny('attacker', 'outbound', 'attacker', 'target', ports.tcp),
      expect: 'blocked',
      layer: 'mesh-l4',
      why: "the destination ztunnel refuses the CONNECT before it dials the app; the source ztunnel drops the connection over the agent's unread first line: a reset",
    },
    {
      id: 'http-identity-deny',
      title: 'HTTP from the ambient pod to a destination whose AuthorizationPolicy denies it',
      technique: 'http',
      defence: 'AuthorizationPolicy DENY (L4)',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.http,
      arrange: deny('attacker', 'outbound', 'attacker', 'target', ports.http),
      expect: 'blocked',
      layer: 'mesh-l4',
      why: 'ztunnel drops the connection with the request unread: the kernel answers with a reset (Istio\'s ambient tests: "connection reset by peer")',
    },
    {
      id: 'http-node-drop',
      title: 'HTTP from the ambient pod under a node-side drop',
      technique: 'http',
      port: ports.http,
      ...proxyGivesUpFirst(1200),
      why: 'ztunnel is L4 (no waypoint): no 503, it drops the connection with the request unread when its connect times out (a reset)',
    },
    {
      id: 'h2c-captured',
      title: 'an h2c request with a lower-case method from the ambient pod, no policy',
      technique: 'http',
      defence: 'ztunnel redirect',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.http,
      probe: h2cProbe,
      expect: 'reached',
      why: 'ztunnel takes it on 15001 and relays the bytes (L4, no waypoint): the echo gets the HTTP/2 request and its method as sent',
    },
    {
      id: 'h2c-node-drop',
      title: 'an h2c request from the ambient pod under a node-side drop',
      technique: 'http',
      port: ports.http,
      probe: h2cProbe,
      ...proxyGivesUpFirst(1200),
      why: "ztunnel's connect times out and it drops the connection with the connection preface unread: a reset",
    },
    {
      id: 'postgres-node-drop',
      title: 'the PostgreSQL probe from the ambient pod under a node-side drop',
      technique: 'tcp',
      port: ports.postgres,
      probe: postgresProbe,
      ...proxyGivesUpFirst(1200),
      why: 'ztunnel accepts and drops the connection when its connect times out: no PostgreSQL message comes back',
    },
    iptablesFlush(
      'iptables-flush with NET_ADMIN (root)',
      "istio-cni's redirect lives in the pod's own nat table: flushed, nothing sends TCP to ztunnel",
    ),
    iptablesFlushDenied,
    {
      id: 'quitquitquit-no-envoy',
      title: 'envoy-quitquitquit in the ambient pod',
      technique: 'tcp',
      preludes: ['envoy-quitquitquit'],
      defence: 'no Envoy in an ambient pod',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      why: 'nothing listens on 127.0.0.1:15000 in an ambient pod (ztunnel opens only 15001, 15006, 15008 and 15053 there): refused, nothing to stop',
    },
    {
      id: 'so-mark-default-caps',
      title: "so-mark 0x539 as root with containerd's default capabilities",
      technique: 'tcp',
      preludes: ['so-mark'],
      defence: 'NET_RAW and NET_ADMIN withheld',
      defended: false,
      identity: { uid: 0, drop: containerdDefaultDrop },
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: "containerd's default set keeps NET_RAW (no NET_ADMIN), which allows SO_MARK: a baseline root pod with nothing added escapes",
    },
    {
      id: 'dns-captured',
      title: 'DNS (UDP/53) from the ambient pod to an address that is not the resolver',
      technique: 'dns',
      defence: "ztunnel's DNS redirect",
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.dns,
      probe: () => ({ dnsName: 'db.gauntlet.lab' }),
      expect: 'blocked',
      why: "ambient-inpod.v4.rules `-A ISTIO_OUTPUT ! -o lo -p udp -m mark ! --mark 0x539/0xfff -m udp --dport 53 -j REDIRECT --to-port 15053` sends every query to ztunnel's DNS proxy in the pod, whatever its address; the stand-in runs no DNS proxy, so the target never sees it",
    },
    ...uncapturedProtocolCases('ambient'),
  ],
};

export const labGroups: readonly LabGroup[] = [sidecarGroup, ambientGroup];
