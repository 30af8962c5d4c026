// Targets every cluster has: what a scenario names with `{ builtin: NAME }`, and what the run
// resolves them to. Ports are the upstream defaults, cited.
import { z } from 'zod';

export const builtinTargets = {
  // CoreDNS behind the kube-dns Service in kube-system, port 53 UDP and TCP.
  // kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base (Service kube-dns, ports 53/UDP, 53/TCP)
  'kube-dns': { namespace: 'kube-system', service: 'kube-dns', defaultPort: 53, needsMesh: false },
  // The API server through the `kubernetes` Service in default (port 443 -> 6443 on the node for kind).
  // kubernetes.io/docs/concepts/security/controlling-access/ ("listens on port 443" via the kubernetes Service)
  'kube-apiserver': { namespace: 'default', service: 'kubernetes', defaultPort: 443, needsMesh: false },
  // The kubelet API on each node's InternalIP, port 10250.
  // kubernetes.io/docs/reference/networking/ports-and-protocols/ (Kubelet API 10250, TCP)
  kubelet: { namespace: undefined, service: undefined, defaultPort: 10250, needsMesh: false },
  // A node's InternalIP, for NodePorts and host services; the probe names the port.
  node: { namespace: undefined, service: undefined, defaultPort: undefined, needsMesh: false },
  // istiod: 15012 is XDS and CA over mTLS, 15010 plaintext XDS, 15014 monitoring, 15017 webhooks.
  // istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
  istiod: { namespace: 'istio-system', service: 'istiod', defaultPort: 15012, needsMesh: true },
  // The Istio ingress gateway Service (istio-ingressgateway in istio-system): 80, 443, status 15021.
  // istio.io/latest/docs/setup/additional-setup/config-profiles/ (default profile installs the ingress gateway)
  'ingress-gateway': {
    namespace: 'istio-system',
    service: 'istio-ingressgateway',
    defaultPort: 80,
    needsMesh: true,
  },
} as const satisfies Record<
  string,
  {
    namespace: string | undefined;
    service: string | undefined;
    defaultPort: number | undefined;
    needsMesh: boolean;
  }
>;

export type BuiltinName = keyof typeof builtinTargets;
export const builtinNames = Object.keys(builtinTargets) as [BuiltinName, ...BuiltinName[]];
export const Builtin = z.enum(builtinNames);

/** Targets gauntlet starts outside the cluster (containers on the kind Docker network). */
export const externalTargets = {
  relay: {
    defaultPort: 5353,
    description: 'probe image serving UDP echo, TCP/HTTP echo and the UDP tunnel relay',
  },
  postgres: { defaultPort: 5432, description: 'a real PostgreSQL server: "a database outside the mesh"' },
} as const;
export type ExternalName = keyof typeof externalTargets;
export const externalNames = Object.keys(externalTargets) as [ExternalName, ...ExternalName[]];
export const External = z.enum(externalNames);

/** Ports the relay container listens on (see harness/provision/external-targets.ts). */
// The tunnel also listens on UDP 53: "UDP 53 allowed to anywhere" is the classic hole a DNS-shaped
// tunnel uses (scenarios/dns-port-tunnel).
export const relayPorts = { tcp: 8080, http: 8081, udp: 5353, tunnel: 4789, tunnelOnDnsPort: 53 } as const;

/**
 * The Service ports of a scenario's own ingress gateway and the container ports Envoy listens on.
 * They mirror the default profile's istio-ingressgateway (Service 80 -> 8080, 443 -> 8443, 15021:
 * istio/istio manifests/charts/gateways/istio-ingress/values.yaml). istiod binds a Gateway server's
 * port to the targetPort of the Service port with that number (istio/istio pilot/pkg/model/gateway.go
 * resolvePorts), so Envoy listens on 8080/8443 without privileged ports.
 */
export const gatewayPorts = {
  http: { name: 'http', port: 80, targetPort: 8080 },
  // Named tcp-: a client sidecar then proxies it as opaque TCP (istio.io/latest/docs/ops/configuration/
  // traffic-management/protocol-selection/), and the gateway's TCP route carries it to the backend.
  tcp: { name: 'tcp-443', port: 443, targetPort: 8443 },
  status: { name: 'status-port', port: 15021, targetPort: 15021 },
} as const;
