// A scenario's own ingress gateway, rendered: a Deployment Istio's injector makes a gateway of,
// its Service (80 -> 8080, 443 -> 8443), and a Gateway and VirtualService that select this
// instance's pods only and route to the backend in its physical namespace.
import test from 'ava';
import { Scenario } from '../../../harness/model/scenario.ts';
import { renderGateways } from '../../../harness/plan/render-gateway.ts';
import type { KubeObject, WorkloadRenderContext } from '../../../harness/plan/render-workloads.ts';
import { renderNamespaces } from '../../../harness/plan/render-workloads.ts';
import { validateRendered } from '../../../harness/plan/validate-rendered.ts';

const scenario = Scenario.parse({
  id: 'gw',
  title: 't',
  why: 'w',
  applies: { mesh: ['sidecar', 'ambient'] },
  workloads: {
    client: { namespace: 'street', role: 'client', mesh: 'outside' },
    web: { namespace: 'shop', role: 'target', mesh: 'outside', serve: { http: [8081], tcp: [8080] } },
    api: { namespace: 'shop', role: 'target', mesh: 'outside', serve: { http: [9090] } },
    gateway: { gateway: { namespace: 'edge', backend: 'web', labels: { tier: 'edge' } } },
    internal: { gateway: { namespace: 'edge', backend: 'api' } },
  },
  variants: { open: [] },
  probes: [{ id: 'p', from: 'client', to: { workload: 'gateway' }, technique: 'http' }],
});

function context(revision?: string): WorkloadRenderContext {
  return {
    runId: 'r1',
    instance: 'r1-abcde',
    scenario,
    variant: 'open',
    mesh: 'sidecar',
    admission: 'restricted',
    namespaces: new Map([
      ['street', 'gw-open-street-r1aaaa'],
      ['shop', 'gw-open-shop-r1bbbb'],
      ['edge', 'gw-open-edge-r1cccc'],
    ]),
    image: 'gauntlet-probe:test',
    ...(revision ? { namespaceLabels: { istioRevision: revision } } : {}),
  };
}

const at = (object: KubeObject, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], object);

test('the gateway Deployment asks the injector for the gateway template in its own namespace', (t) => {
  const [gateway] = renderGateways(context());
  if (!gateway) return t.fail('no gateway rendered');
  const { deployment } = gateway;
  t.is(deployment.metadata.namespace, 'gw-open-edge-r1cccc');
  const podLabels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
  t.is(podLabels['sidecar.istio.io/inject'], 'true');
  t.is(podLabels['tier'], 'edge', "the scenario's labels, which its policies select by");
  t.is(podLabels['app'], 'gateway');
  t.is(podLabels['istio.io/rev'], undefined);
  t.deepEqual(at(deployment, 'spec', 'template', 'metadata', 'annotations'), {
    'inject.istio.io/templates': 'gateway',
  });
  const [container] = at(deployment, 'spec', 'template', 'spec', 'containers') as Record<string, unknown>[];
  t.is(container?.['image'], 'auto');
  t.like(container?.['securityContext'] as object, {
    capabilities: { drop: ['ALL'] },
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
  });
  t.deepEqual(at(deployment, 'spec', 'template', 'spec', 'securityContext'), {
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const [, revisioned] = renderGateways(context('canary'));
  t.is(
    (at(revisioned!.deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>)[
      'istio.io/rev'
    ],
    'canary',
    'on a cluster enrolled by revision, the revision picks its injector',
  );
});

test('the Service maps 80 and 443 to Envoy 8080 and 8443, as the default ingress gateway does', (t) => {
  const [gateway] = renderGateways(context());
  const ports = at(gateway!.service, 'spec', 'ports') as { port: number; targetPort: number }[];
  t.deepEqual(
    ports.map(({ port, targetPort }) => [port, targetPort]),
    [
      [80, 8080],
      [443, 8443],
      [15021, 15021],
    ],
  );
});

test('the Gateway selects this instance pods only and the VirtualService routes to the backend', (t) => {
  const [gateway, internal] = renderGateways(context());
  const [gatewayResource, virtualService] = gateway!.routing;
  t.deepEqual(at(gatewayResource!, 'spec', 'selector'), {
    'gauntlet.dev/deployment': 'gateway',
    'gauntlet.dev/instance': 'r1-abcde',
  });
  t.deepEqual(
    (at(gatewayResource!, 'spec', 'servers') as { port: { number: number; protocol: string } }[]).map(
      (server) => [server.port.number, server.port.protocol],
    ),
    [
      [80, 'HTTP'],
      [443, 'TCP'],
    ],
  );
  t.deepEqual(at(virtualService!, 'spec', 'gateways'), ['gateway']);
  t.deepEqual(at(virtualService!, 'spec', 'http'), [
    {
      route: [{ destination: { host: 'web.gw-open-shop-r1bbbb.svc.cluster.local', port: { number: 8081 } } }],
    },
  ]);
  t.deepEqual(at(virtualService!, 'spec', 'tcp'), [
    {
      match: [{ port: 443 }],
      route: [{ destination: { host: 'web.gw-open-shop-r1bbbb.svc.cluster.local', port: { number: 8080 } } }],
    },
  ]);
  // A backend without TCP: no 443 server and no TCP route.
  const [internalGateway, internalRoutes] = internal!.routing;
  t.is((at(internalGateway!, 'spec', 'servers') as unknown[]).length, 1);
  t.is(at(internalRoutes!, 'spec', 'tcp'), undefined);
});

test('every rendered gateway object is valid against its schema', (t) => {
  for (const gateway of renderGateways(context()))
    for (const object of [gateway.serviceAccount, gateway.deployment, gateway.service, ...gateway.routing])
      t.notThrows(() => validateRendered(object), `${object.kind} ${object.metadata.name}`);
});

test('a gateway-only namespace gets no mesh label (the injector object webhook takes it)', (t) => {
  const edge = renderNamespaces(context()).find(
    (namespace) => namespace.metadata.name === 'gw-open-edge-r1cccc',
  );
  t.truthy(edge, 'the gateway namespace is created');
  t.is(edge?.metadata.labels?.['istio-injection'], undefined);
  t.is(edge?.metadata.labels?.['istio.io/rev'], undefined);
  t.is(edge?.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
});
