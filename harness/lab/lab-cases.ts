// The lab's catalogue: every technique against Istio's real capture rules on this kernel, each with
// and without its counter-measure. `gauntlet lab` runs all of it; the lab tests run it and assert on
// each observation. Data, not code paths: a case says who probes whom, how, as whom, under which
// defence, and what a working defence (or a working attack) looks like.
import type { ProbeRequestInput } from '../agent/protocol.ts';
import type { AgentPrelude } from '../agent/protocol.ts';
import type { Technique } from '../model/technique.ts';
import type { ExpectedVerdict, Layer } from '../model/verdict.ts';
import { root } from './identity.ts';
import type { Identity } from './identity.ts';
import type { Topology } from './topology.ts';

export const ports = { tcp: 8080, http: 8081, udp: 5353, dns: 53, relay: 4789 } as const;
export const probeTimeoutMs = 1000;
export const kubeletProbeSource = '169.254.7.127';

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
  port: number;
  identity?: Identity;
  /** Extra probe fields (http, dnsName, relay, spoof). */
  probe?: (topology: Topology) => Partial<ProbeRequestInput>;
  /** Puts the defence in place (a node rule, rp_filter) and returns how to undo it. */
  arrange?: (topology: Topology) => Promise<() => Promise<void>>;
  expect: ExpectedVerdict;
  layer?: Layer;
  why: string;
}

export interface LabGroup {
  id: string;
  title: string;
  mesh: 'sidecar' | 'ambient';
  /** Pod names; the first is the meshed attacker. */
  pods: readonly string[];
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

function strictRpf(pod: string) {
  return async (topology: Topology) => {
    await topology.setRpFilter(pod, true);
    return () => topology.setRpFilter(pod, false);
  };
}

const uid1000: Identity = { uid: 1000 };
const dropUdpButDns = nodeDrop('attacker', ['-p', 'udp', '!', '--dport', String(ports.dns)]);
const dropTcpToTarget = (from: string) => (topology: Topology) =>
  nodeDrop(from, ['-p', 'tcp', '-d', topology.pod('target').address])(topology);

export const sidecarGroup: LabGroup = {
  id: 'sidecar',
  title: `Istio sidecar capture (istio-${'1.30.3'} sidecar-capture.v4.rules)`,
  mesh: 'sidecar',
  pods: ['attacker', 'bare', 'target', 'outside'],
  standInIdentity: { uid: 1337 },
  cases: [
    {
      id: 'tcp-captured',
      title: 'plain TCP from the meshed pod',
      technique: 'tcp',
      defence: 'sidecar capture',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'mesh-l4',
      why: 'nat OUTPUT redirects TCP to 15001: the stand-in answers, not the destination',
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
      expect: 'blocked',
      layer: 'mesh-l4',
      why: 'only UID/GID 1337 is exempt',
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
    {
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
    },
    {
      id: 'iptables-flush',
      title: 'iptables-flush with NET_ADMIN',
      technique: 'tcp',
      preludes: ['iptables-flush'],
      defence: 'NET_ADMIN withheld',
      defended: false,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'with the nat table flushed nothing redirects to the sidecar',
    },
  ],
};

export const ambientGroup: LabGroup = {
  id: 'ambient',
  title: `Istio ambient in-pod redirect (istio-${'1.30.3'} ambient-inpod.v4.rules)`,
  mesh: 'ambient',
  pods: ['attacker', 'target'],
  standInIdentity: root,
  cases: [
    {
      id: 'tcp-captured',
      title: 'plain TCP from the ambient pod',
      technique: 'tcp',
      defence: 'ztunnel redirect',
      defended: true,
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'blocked',
      layer: 'mesh-l4',
      why: 'nat OUTPUT redirects unmarked TCP to ztunnel on 15001',
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
      id: 'so-mark-net-raw',
      title: 'so-mark 0x539 as UID 1000 holding NET_RAW',
      technique: 'tcp',
      preludes: ['so-mark'],
      defence: 'NET_RAW and NET_ADMIN withheld',
      defended: false,
      identity: { uid: 1000, add: ['net_raw'] },
      from: 'attacker',
      to: 'target',
      port: ports.tcp,
      expect: 'reached',
      why: 'CAP_NET_RAW alone allows SO_MARK',
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
  ],
};

export const labGroups: readonly LabGroup[] = [sidecarGroup, ambientGroup];
