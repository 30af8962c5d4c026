// Renders a scenario's own Istio ingress gateway: a Deployment Istio's injector turns into a gateway
// proxy, its Service, a Gateway and a VirtualService routing to the scenario's backend. It lives in
// the scenario's namespace, so the scenario's NetworkPolicies can select the gateway pods, and its
// Gateway selects this instance's pods only (a Gateway's selector matches gateway pods in every
// namespace: istio.io/latest/docs/reference/config/networking/gateway/ "selector").
import { gatewayPorts } from '../model/builtin.ts';
import type { GatewayWorkload, PodWorkload } from '../model/scenario.ts';
import { isPodWorkload } from '../model/scenario.ts';
import { labels } from './naming.ts';
import type { KubeObject, WorkloadRenderContext } from './render-workloads.ts';
import { instanceLabels } from './render-workloads.ts';

/** The objects of one gateway workload, in the order they are applied. */
export interface RenderedGateway {
  serviceAccount: KubeObject;
  deployment: KubeObject;
  service: KubeObject;
  /** Gateway and VirtualService: istiod programs the gateway's listeners from them. */
  routing: KubeObject[];
}

function physical(context: WorkloadRenderContext, logical: string): string {
  return context.namespaces.get(logical) ?? logical;
}

/** The backend's ports the gateway routes to: its first HTTP port (80) and first TCP port (443). */
function gatewayBackendPorts(backend: PodWorkload): { http?: number; tcp?: number } {
  const http = backend.serve?.http?.[0];
  const tcp = backend.serve?.tcp?.[0];
  return { ...(http !== undefined ? { http } : {}), ...(tcp !== undefined ? { tcp } : {}) };
}

export function renderGateway(
  name: string,
  workload: GatewayWorkload,
  context: WorkloadRenderContext,
): RenderedGateway {
  const { namespace: logical, backend: backendName, labels: extraLabels } = workload.gateway;
  const namespace = physical(context, logical);
  const backend = context.scenario.workloads[backendName];
  if (!backend || !isPodWorkload(backend))
    throw new Error(`gateway ${name}: unvalidated scenario reached the renderer (backend ${backendName})`);
  const backendPorts = gatewayBackendPorts(backend);
  // The cluster domain kind and most clusters use; a VirtualService destination in another
  // namespace needs the full name (istio.io/latest/docs/reference/config/networking/virtual-service/#Destination).
  const backendHost = `${backendName}.${physical(context, backend.namespace)}.svc.cluster.local`;
  const selector = { [labels.deployment]: name, [labels.instance]: context.instance };
  const revision = context.namespaceLabels?.istioRevision;
  const metadata = { name, namespace, labels: instanceLabels(context) };

  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: {
            ...instanceLabels(context),
            ...(extraLabels ?? {}),
            app: name,
            [labels.workload]: name,
            [labels.deployment]: name,
            [labels.role]: 'gateway',
            // Gateway injection: the injector's object webhook takes pods with this label in
            // namespaces without injection labels; with a revision, `istio.io/rev` picks its injector
            // (istio/istio manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml,
            // istio.io/latest/docs/setup/additional-setup/gateway/).
            'sidecar.istio.io/inject': 'true',
            ...(revision ? { 'istio.io/rev': revision } : {}),
          },
          // The gateway template instead of the sidecar one: Envoy as the pod's only process,
          // readiness on 15021 /healthz/ready, UID 1337, no init container (istio/istio
          // manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml).
          annotations: { 'inject.istio.io/templates': 'gateway' },
        },
        spec: {
          serviceAccountName: name,
          terminationGracePeriodSeconds: 2,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'istio-proxy',
              // Replaced by the injector (istio.io/latest/docs/reference/config/analysis/ist0146/).
              image: 'auto',
              // The gateway chart's container defaults, which also meet the restricted Pod Security
              // level (istio/istio manifests/charts/gateway/templates/deployment.yaml).
              securityContext: {
                capabilities: { drop: ['ALL'] },
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
              },
              ports: [
                { containerPort: gatewayPorts.http.targetPort, name: 'http', protocol: 'TCP' },
                { containerPort: gatewayPorts.tcp.targetPort, name: 'tcp', protocol: 'TCP' },
                { containerPort: gatewayPorts.status.targetPort, name: 'status-port', protocol: 'TCP' },
                { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  };

  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      selector,
      ports: [gatewayPorts.http, gatewayPorts.tcp, gatewayPorts.status].map((port) => ({
        ...port,
        protocol: 'TCP',
      })),
    },
  };

  const servers = [
    ...(backendPorts.http !== undefined
      ? [{ port: { number: gatewayPorts.http.port, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]
      : []),
    ...(backendPorts.tcp !== undefined
      ? [{ port: { number: gatewayPorts.tcp.port, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }]
      : []),
  ];
  const gateway: KubeObject = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata,
    spec: { selector, servers },
  };
  const virtualService: KubeObject = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata,
    spec: {
      hosts: ['*'],
      gateways: [name],
      ...(backendPorts.http !== undefined
        ? { http: [{ route: [{ destination: { host: backendHost, port: { number: backendPorts.http } } }] }] }
        : {}),
      ...(backendPorts.tcp !== undefined
        ? {
            tcp: [
              {
                match: [{ port: gatewayPorts.tcp.port }],
                route: [{ destination: { host: backendHost, port: { number: backendPorts.tcp } } }],
              },
            ],
          }
        : {}),
    },
  };

  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata },
    deployment,
    service,
    routing: [gateway, virtualService],
  };
}

/** Every gateway workload of the scenario, rendered. */
export function renderGateways(context: WorkloadRenderContext): RenderedGateway[] {
  return Object.entries(context.scenario.workloads).flatMap(([name, workload]) =>
    'gateway' in workload ? [renderGateway(name, workload, context)] : [],
  );
}
