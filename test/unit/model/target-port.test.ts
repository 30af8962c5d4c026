// The protocol each technique speaks to its destination, as plans and results.json name it, and the
// port a probe aims at: none for the protocols that address a host (icmp, ip-protocol), the SCTP
// echo's for sctp.
import test from 'ava';
import { Check } from '../../../harness/model/results.ts';
import { PodWorkload, Probe } from '../../../harness/model/scenario.ts';
import { hasPorts, resolvePort, techniqueProtocol } from '../../../harness/model/target-port.ts';

const target = PodWorkload.parse({
  namespace: 'vault',
  role: 'target',
  serve: { tcp: [8080], udp: [5353], sctp: [9090], ipProtocol: 253 },
});
const probe = (technique: string, to: Record<string, unknown> = {}) =>
  Probe.parse({ id: 'p', from: 'client', to: { workload: 'target', ...to }, technique });

test('icmp, ip-protocol and sctp are their own destination protocols; only the first two have no port', (t) => {
  t.is(techniqueProtocol('icmp'), 'icmp');
  t.is(techniqueProtocol('ip-protocol'), 'ip-protocol');
  t.is(techniqueProtocol('sctp'), 'sctp');
  t.deepEqual(
    (['tcp', 'http', 'udp', 'sctp', 'icmp', 'ip-protocol'] as const).filter(
      (protocol) => !hasPorts(protocol),
    ),
    ['icmp', 'ip-protocol'],
  );
});

test('a probe aims at the SCTP echo for sctp, and at no port for icmp and ip-protocol', (t) => {
  t.is(resolvePort(probe('sctp'), target), 9090);
  t.is(resolvePort(probe('tcp'), target), 8080);
  t.is(resolvePort(probe('icmp', { via: 'pod' }), target), undefined);
  t.is(resolvePort(probe('ip-protocol', { via: 'pod', port: 80 }), target), undefined, 'a port is ignored');
});

test('results.json takes the new protocols, a destination without a port, and the IP protocol number', (t) => {
  const destination = Check.shape.destination;
  t.true(destination.safeParse({ workload: 'target', protocol: 'icmp' }).success);
  t.true(destination.safeParse({ workload: 'target', protocol: 'ip-protocol', ipProtocol: 253 }).success);
  t.true(destination.safeParse({ workload: 'target', protocol: 'sctp', port: 9090 }).success);
  t.false(destination.safeParse({ workload: 'target', protocol: 'gre' }).success);
  t.false(destination.safeParse({ workload: 'target', protocol: 'ip-protocol', ipProtocol: 256 }).success);
});
