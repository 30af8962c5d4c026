// The lab's topology on the real kernel: pods reach each other through the node namespace, and a
// test address no pod holds goes nowhere (a blackhole on the node, never a route off the machine).
import test from 'ava';
import { createTopology } from '../../harness/lab/topology.ts';
import { processShell } from '../../harness/shell.ts';

const shell = processShell();

test('an unassigned test address is blackholed on the node; a pod address is routed to its veth', async (t) => {
  const topology = await createTopology(shell, ['a', 'b']);
  t.teardown(() => topology.teardown());
  const route = (address: string) =>
    shell.run('ip', ['-n', topology.node, 'route', 'get', address], { timeoutMs: 10_000 });
  const unassigned = await route('198.18.200.9');
  t.regex(`${unassigned.stdout}${unassigned.stderr}`, /blackhole|Invalid argument/, 'dropped on the node');
  const pod = await route(topology.pod('b').address);
  t.is(pod.exitCode, 0, pod.stderr);
  t.regex(pod.stdout, new RegExp(`dev ${topology.pod('b').nodeInterface}`));
  const docker = await route('198.19.0.1');
  t.regex(`${docker.stdout}${docker.stderr}`, /blackhole|Invalid argument/, 'the other test range too');
});
