// serve.http2: the same echo as serve.http (it answers HTTP/1.1 and h2c), on a Service port declared
// http2 so Istio keeps both sidecar hops on HTTP/2; HTTP/2 probes go there first.
import test from 'ava';
import { resolvePort } from '../../../harness/model/target-port.ts';
import { Probe, PodWorkload, Scenario } from '../../../harness/model/scenario.ts';
import { renderService, serveArguments } from '../../../harness/plan/render-workloads.ts';
import type { WorkloadRenderContext } from '../../../harness/plan/render-workloads.ts';

const api = PodWorkload.parse({ namespace: 'store', role: 'target', serve: { http: [8081], http2: [8082] } });

function probe(http: Record<string, unknown>) {
  return Probe.parse({
    id: 'p',
    from: 'client',
    to: { workload: 'api' },
    technique: 'http',
    http,
    expect: [],
  });
}

test('an HTTP/2 probe aims at the http2 port, an HTTP/1.1 one at the http port', (t) => {
  t.is(resolvePort(probe({ version: '2' }), api), 8082);
  t.is(resolvePort(probe({}), api), 8081);
  const onlyHttp2 = PodWorkload.parse({ namespace: 'store', role: 'target', serve: { http2: [8082] } });
  t.is(resolvePort(probe({}), onlyHttp2), 8082, 'an http2 port still answers HTTP/1.1');
});

test('the http2 port runs the same echo and its Service port says http2', (t) => {
  t.deepEqual(serveArguments('api', api), ['serve', '--name', 'api', '--http', '8081', '--http', '8082']);
  const scenario = Scenario.parse({
    id: 's',
    title: 't',
    why: 'w',
    workloads: { api },
    variants: { open: [] },
    probes: [probe({})],
  });
  const context: WorkloadRenderContext = {
    runId: 'r1',
    instance: 'r1-abcde',
    scenario,
    variant: 'open',
    mesh: 'sidecar',
    admission: 'privileged',
    namespaces: new Map([['store', 's-open-store-r1aaaa']]),
    image: 'gauntlet-probe:test',
  };
  const service = renderService('api', api, context);
  const ports = (service?.['spec'] as { ports: Record<string, unknown>[] }).ports;
  t.deepEqual(
    ports.map((port) => [port['name'], port['appProtocol']]),
    [
      ['http-8081', 'http'],
      ['http2-8082', 'http2'],
    ],
  );
});
