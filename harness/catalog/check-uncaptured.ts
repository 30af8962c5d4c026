// The probes of the protocols Istio's capture never redirects (icmp, ip-protocol, sctp): its sidecar
// rules match `-p tcp` only and ambient's in-pod rules `-p tcp` and `-p udp --dport 53`
// (harness/agent/techniques/unproxied.ts), so only Calico on the node can stop them. Each must reach
// something that answers it, the way the agent sends it. Pure.
import type { Probe, Workload } from '../model/scenario.ts';
import { isPodWorkload } from '../model/scenario.ts';
import { resolvePort } from '../model/target-port.ts';
import type { Technique } from '../model/technique.ts';
import { inPodPreludes } from '../model/technique.ts';

export const uncapturedTechniques: readonly Technique[] = ['icmp', 'ip-protocol', 'sctp'];

type At = (path: (string | number)[], message: string) => void;

/**
 * icmp and ip-protocol address a host, so they go to a pod's own address: a ClusterIP is kube-proxy's
 * forwarding of a Service's TCP, UDP and SCTP ports ("simple TCP, UDP, and SCTP stream forwarding",
 * kubernetes.io/docs/reference/generated/kube-proxy/; its rules capture "the Service's clusterIP and
 * port", kubernetes.io/docs/reference/networking/virtual-ips/), and nothing there answers an echo
 * request or another IP protocol.
 */
function checkHostAddressed(probe: Probe, path: (string | number)[], at: At): void {
  if (probe.to.port !== undefined)
    at([...path, 'to', 'port'], `${probe.technique} addresses a host, not a port: drop to.port`);
  if (probe.to.via !== 'pod')
    at(
      [...path, 'to', 'via'],
      `${probe.technique} goes to a pod's own address (to.via: pod): a ClusterIP forwards a Service's TCP, UDP and SCTP ports only, so nothing behind it answers ${probe.technique}`,
    );
}

/**
 * ip-protocol is answered only by a gauntlet listener of that protocol (`agent serve --ip-protocol`),
 * and the probe sends the number its destination serves (plan-probes.ts): the target must serve one.
 */
function checkIpProtocolTarget(probe: Probe, path: (string | number)[], to: Workload, at: At): void {
  if (isPodWorkload(to) && to.serve?.ipProtocol !== undefined) return;
  at(
    [...path, 'to', 'workload'],
    `"${probe.to.workload}" serves no IP protocol, so nothing there answers an ip-protocol probe: target a pod workload with serve.ipProtocol (the probe sends that number)`,
  );
}

/** sctp is answered by a gauntlet SCTP echo on that port (`agent serve --sctp`). */
function checkSctpTarget(probe: Probe, path: (string | number)[], to: Workload, at: At): void {
  const served = isPodWorkload(to) ? (to.serve?.sctp ?? []) : [];
  const port = resolvePort(probe, to);
  if (port !== undefined && served.includes(port)) return;
  at(
    port === undefined || probe.to.port === undefined ? [...path, 'to', 'workload'] : [...path, 'to', 'port'],
    served.length === 0
      ? `"${probe.to.workload}" serves no SCTP port: target a pod workload with serve.sctp`
      : `port ${port ?? '?'} of "${probe.to.workload}" is not its SCTP echo (serve.sctp: ${served.join(', ')})`,
  );
}

/**
 * Every in-pod prelude exists to get around the capture (stop or outrun Envoy, flush its rules, send
 * as the exempt UID or with the exempt mark), which never sees these protocols: with one the probe
 * tests nothing more, and the agent's so-mark marks only tcp, http and udp sockets
 * (harness/agent/techniques/marked.ts). inject-opt-out acts at admission and stays allowed.
 */
function checkPreludes(probe: Probe, path: (string | number)[], at: At): void {
  const inPod = probe.preludes.filter((prelude) => inPodPreludes.includes(prelude));
  if (inPod.length > 0)
    at(
      [...path, 'preludes'],
      `${inPod.join(', ')} cannot change a ${probe.technique} probe: the capture these preludes get around never redirects ${probe.technique}; drop them`,
    );
}

export function checkUncapturedProbe(probe: Probe, path: (string | number)[], to: Workload, at: At): void {
  checkPreludes(probe, path, at);
  if (probe.technique === 'sctp') return checkSctpTarget(probe, path, to, at);
  checkHostAddressed(probe, path, at);
  if (probe.technique === 'ip-protocol') checkIpProtocolTarget(probe, path, to, at);
}
