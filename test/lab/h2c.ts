// h2c (HTTP/2 with prior knowledge) through either mesh's capture: both stand-ins relay its bytes as
// Envoy's tcp_proxy and ztunnel do, so the echo behind them gets the HTTP/2 request with its method
// as written, and a node-side drop behind the proxy cuts it as it cuts any TCP flow. Asserted alike
// in every lab group.
import type { LabGroupTests } from './lab-group.ts';
import { journal, proxied } from './lab-group.ts';

export function h2cTests(lab: LabGroupTests): void {
  const { run, serial } = lab;
  serial(
    'h2c through the proxy reaches the echo with its lower-case method as sent; under a node-side drop, a reset',
    async (t) => {
      const reached = await run('h2c-captured');
      t.is(reached.observation.outcome, 'http', JSON.stringify(reached.observation));
      t.is(reached.observation.status, 200);
      t.is(reached.observation.evidence.httpVersion, '2', 'the agent spoke HTTP/2');
      t.is(reached.observation.evidence.echo?.name, 'target');
      t.is(reached.observation.evidence.echo?.httpVersion, '2.0', 'the echo got HTTP/2, not a downgrade');
      t.is(reached.observation.evidence.echo?.method, 'delete', 'the method as written');
      t.is(reached.observation.evidence.sourceSeen, lab.address('attacker'));
      t.true(reached.crossedProxy);
      t.deepEqual(journal(reached), ['attacker/outbound: relayed']);
      t.is(proxied(reached, 'attacker')?.outcome?.protocol, 'tcp', 'relayed as bytes');
      t.is(reached.classification.verdict, 'reached');
      t.like(reached.classification.answer, { kind: 'echo', name: 'target', status: 200, httpVersion: '2' });
      const dropped = await run('h2c-node-drop');
      // The proxy never read the connection preface: its close over unread bytes is a reset.
      t.is(dropped.observation.outcome, 'reset', JSON.stringify(dropped.observation));
      t.is(dropped.observation.errno, 'ECONNRESET');
      t.is(dropped.observation.evidence.echo, undefined);
      t.deepEqual(journal(dropped), ['attacker/outbound: upstream-timeout']);
      t.is(proxied(dropped, 'attacker')?.outcome?.bytes.toDownstream, 0);
      t.is(dropped.classification.verdict, 'blocked');
      t.is(dropped.classification.layer, 'network-policy', 'cut when the proxy gave up, not at once');
    },
  );
}
