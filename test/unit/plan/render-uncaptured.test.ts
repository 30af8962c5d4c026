// A target serving SCTP and an IP protocol: the agent's serve command gets the flags it parses
// (harness/agent/main.ts), the Service publishes the SCTP ports (an IP protocol has none), the
// securityContext is the scenario's as written, and the objects are valid Kubernetes.
import test from 'ava';
import { Scenario } from '../../../harness/model/scenario.ts';
import type { KubeObject } from '../../../harness/plan/render-workloads.ts';
import { renderWorkloads, serveArguments } from '../../../harness/plan/render-workloads.ts';
import { validateRendered } from '../../../harness/plan/validate-rendered.ts';

const scenario = Scenario.parse({
  id: 'uncaptured',
  title: 't',
  why: 'w',
  workloads: {
    target: {
      namespace: 'vault',
      role: 'target',
      securityContext: { runAsUser: 0 },
      serve: { tcp: [8080], sctp: [9090, 9091], ipProtocol: 253 },
    },
    raw: {
      namespace: 'vault',
      role: 'target',
      securityContext: { runAsUser: 0 },
      serve: { ipProtocol: 254 },
    },
  },
  variants: { open: [] },
  probes: [{ id: 'p', from: 'target', to: { workload: 'raw', via: 'pod' }, technique: 'icmp' }],
});

const rendered = renderWorkloads({
  runId: 'r1',
  instance: 'r1-abcde',
  scenario,
  variant: 'open',
  mesh: 'ambient',
  admission: 'baseline',
  namespaces: new Map([['vault', 'uncaptured-open-vault-r1aaaa']]),
  image: 'gauntlet-probe:test',
});

const named = (objects: KubeObject[], name: string) =>
  objects.find((object) => object.metadata.name === name);

test('serve gets --sctp per port and --ip-protocol once', (t) => {
  const target = scenario.workloads['target'];
  if (!target || !('role' in target)) throw new Error('fixture');
  t.deepEqual(serveArguments('target', target), [
    'serve',
    '--name',
    'target',
    '--tcp',
    '8080',
    '--sctp',
    '9090',
    '--sctp',
    '9091',
    '--ip-protocol',
    '253',
  ]);
  const container = (
    named(rendered.deployments, 'target')?.['spec'] as {
      template: { spec: { containers: { args: string[]; securityContext: unknown }[] } };
    }
  ).template.spec.containers[0];
  t.deepEqual(container?.args.slice(-2), ['--ip-protocol', '253']);
  t.deepEqual(container?.securityContext, { runAsUser: 0 }, 'as written: root keeps the default NET_RAW');
});

test('the Service publishes SCTP ports; a workload serving only an IP protocol has no Service', (t) => {
  const ports = (named(rendered.services, 'target')?.['spec'] as { ports: Record<string, unknown>[] }).ports;
  t.deepEqual(
    ports.filter((port) => port['protocol'] === 'SCTP'),
    [
      { name: 'sctp-9090', port: 9090, protocol: 'SCTP', targetPort: 9090 },
      { name: 'sctp-9091', port: 9091, protocol: 'SCTP', targetPort: 9091 },
    ],
  );
  t.is(named(rendered.services, 'raw'), undefined);
  for (const object of [...rendered.deployments, ...rendered.services])
    t.notThrows(() => validateRendered(object), `${object.kind} ${object.metadata.name}`);
});
