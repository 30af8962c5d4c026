// Probe techniques and attack preludes (../shared/DESIGN.md "Probe"). One list each, used by the
// scenario schema, the agent's batch format and the reports.
import { z } from 'zod';

export const techniques = [
  'tcp', // connect, exchange a line with the echo server
  'http', // a request (method, path, headers) to the HTTP echo server
  'udp', // a datagram to the UDP echo server; reached when the echo comes back
  'dns', // a DNS query to a resolver
  'udp-tunnel', // a TCP exchange carried inside UDP datagrams through a relay outside the policy's reach
  'raw-syn', // a hand-built SYN on an AF_INET SOCK_RAW socket (still passes the pod's netfilter)
  'packet-syn', // a hand-built Ethernet frame on an AF_PACKET socket (skips the pod's iptables)
  'spoof-source', // a UDP datagram (or a blind TCP SYN) from a forged source address (e.g. 169.254.7.127)
  // Protocols Istio's capture never redirects (its rules match `-p tcp`, ambient's also UDP/53): only
  // the node (NetworkPolicy) can stop them.
  'icmp', // an ICMP echo request; reached on the echo reply from the destination's own address
  'sctp', // an SCTP association to a gauntlet SCTP echo (needs the kernel's sctp module at both ends)
  'ip-protocol', // a raw IP packet of protocol N (default 253, RFC 3692) to a gauntlet listener of that protocol
] as const;
export const Technique = z.enum(techniques);
export type Technique = z.infer<typeof Technique>;

export const preludes = [
  'envoy-quitquitquit', // POST 127.0.0.1:15000/quitquitquit, then bind 15001 and forward as UID 1337
  'iptables-flush', // flush the pod's nat table (needs NET_ADMIN)
  'run-as-1337', // send as UID/GID 1337, which the sidecar capture exempts
  'so-mark', // mark the socket 0x539, which ambient's in-pod redirect exempts (needs NET_ADMIN or NET_RAW)
  'inject-opt-out', // the pod carries the annotation/label that skips the mesh (applied at admission)
] as const;
export const Prelude = z.enum(preludes);
export type Prelude = z.infer<typeof Prelude>;

/** Preludes that run inside the source pod before the probe (inject-opt-out acts at admission). */
export const inPodPreludes: readonly Prelude[] = [
  'envoy-quitquitquit',
  'iptables-flush',
  'run-as-1337',
  'so-mark',
];
