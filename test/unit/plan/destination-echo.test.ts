// The plan marks HTTP probes whose port a gauntlet echo answers (a pod's serve.http/http2, the
// relay's HTTP port, a scenario gateway's route to its backend): there, only the echo's identity is
// the destination's answer, and an Envoy 400 or 404 in its place is not "reached".
import test from 'ava';
import { loadCatalog } from '../../../harness/catalog/catalog.ts';
import { labCaseIds, packageRoot } from '../../../harness/cli/catalog-access.ts';
import { planRun } from '../../../harness/plan/plan.ts';

const { catalog } = loadCatalog(packageRoot, { labCaseIds: labCaseIds() });

function probesOf(stack: string, scenario: string) {
  const found = catalog?.stacks.get(stack);
  if (!catalog || !found) throw new Error(`no stack ${stack}`);
  const plan = planRun(catalog, found, {
    runId: 'echo01',
    image: 'gauntlet-probe:test',
    scenarios: [scenario],
  });
  return new Map(plan.instances[0]!.probes.map((planned) => [planned.probe.id, planned]));
}

test('HTTP to an echo port is marked; HTTP to a server that is not ours is not', (t) => {
  const l7 = probesOf('calico-sidecar', 'l7-methods');
  t.true(l7.get('get')?.destinationEcho, 'serve.http');
  t.true(l7.get('delete-lowercase-h2')?.destinationEcho, 'serve.http2');
  const gateway = probesOf('calico-ambient', 'gateway-pod-policy');
  t.true(gateway.get('route-http-80')?.destinationEcho, "the gateway's route to its backend echo");
  t.is(gateway.get('pod-status-15021')?.destinationEcho, undefined, "Envoy's own status port");
  const outside = probesOf('calico-ambient', 'outside-mesh-targets');
  const kubeProxy = [...outside.values()].find((planned) => planned.destination.port === 10256);
  t.truthy(kubeProxy, 'the catalog probes kube-proxy healthz');
  t.is(kubeProxy?.destinationEcho, undefined, 'kube-proxy answers for itself');
});
