// spoof-source in the catalog: the forged packet's protocol is part of the probe, and only a probe
// that can be judged passes validation (a forged datagram to a gauntlet UDP echo, which reports the
// source it saw to our real address; a forged TCP SYN is blind, always inconclusive).
import test from 'ava';
import { pathAndMessage, scenarioErrors } from '../../support/scenario-errors.ts';

const workloads = `
workloads:
  spoofer: { namespace: shop, role: attacker, mesh: outside, securityContext: { runAsUser: 0, capabilities: { add: [NET_RAW] } } }
  target: { namespace: store, role: target, mesh: outside, serve: { http: [8081], udp: [5353] } }
  web: { namespace: store, role: target, mesh: outside, serve: { http: [8081] } }
  outside: { external: relay }
variants:
  open: []
`;

function problemsOf(t: { teardown(fn: () => void): void }, probe: string): string[] {
  const text = `id: spoof\ntitle: spoof\nwhy: spoof\n${workloads}probes:\n  - id: p\n    from: spoofer\n    technique: spoof-source\n${probe}`;
  return scenarioErrors(t, 'spoof', text).map(pathAndMessage);
}

const blocked = `    expect:\n      - verdict: blocked\n        by: network-policy\n        confidence: hypothesis\n`;

test('a forged datagram to a UDP echo port is a probe that can be judged; udp is the default', (t) => {
  t.deepEqual(
    problemsOf(
      t,
      `    to: { workload: target, port: 5353, via: pod }\n    spoof: { source: 169.254.7.127 }\n${blocked}`,
    ),
    [],
  );
  t.deepEqual(
    problemsOf(
      t,
      `    to: { workload: target, port: 5353 }\n    spoof: { source: 169.254.7.127, protocol: udp }\n${blocked}`,
    ),
    [],
  );
  t.deepEqual(
    problemsOf(t, `    to: { workload: outside, port: 5353 }\n    spoof: { source: 10.0.0.9 }\n${blocked}`),
    [],
  );
});

test("a udp spoof without to.port aims at the target's UDP echo (its first serve.udp port)", (t) => {
  t.deepEqual(
    problemsOf(t, `    to: { workload: target }\n    spoof: { source: 169.254.7.127 }\n${blocked}`),
    [],
  );
});

test('a udp spoof to a port no UDP echo serves can never show the datagram arrived', (t) => {
  const [problem, ...rest] = problemsOf(
    t,
    `    to: { workload: web, port: 8081 }\n    spoof: { source: 169.254.7.127 }\n${blocked}`,
  );
  t.deepEqual(rest, []);
  t.regex(problem ?? '', /^probes\[0\]\.to: port 8081 of "web" is not a gauntlet UDP echo/);
});

test('a forged TCP SYN with an expectation is refused (blind: always inconclusive); without one it is an observation', (t) => {
  const [problem, ...rest] = problemsOf(
    t,
    `    to: { workload: web }\n    spoof: { source: 169.254.7.127, protocol: tcp }\n${blocked}`,
  );
  t.deepEqual(rest, []);
  t.regex(problem ?? '', /^probes\[0\]\.spoof\.protocol: a forged TCP SYN is blind/);
  t.deepEqual(
    problemsOf(t, `    to: { workload: web }\n    spoof: { source: 169.254.7.127, protocol: tcp }\n`),
    [],
  );
});

test('the protocol is udp or tcp, and spoof-source still needs its spoof', (t) => {
  const [wrong] = problemsOf(
    t,
    `    to: { workload: target, port: 5353 }\n    spoof: { source: 169.254.7.127, protocol: icmp }\n`,
  );
  t.regex(wrong ?? '', /^probes\[0\]\.spoof\.protocol: /);
  const [missing] = problemsOf(t, `    to: { workload: target, port: 5353 }\n`);
  t.regex(missing ?? '', /needs `spoof: \{ source: <IPv4 address>, protocol: udp \}`/);
});
