// icmp, ip-protocol and sctp in the catalog: each probe must reach something that answers it the way
// the agent sends it (a pod's own address for the port-less ones, a listener of that protocol), no
// in-pod prelude rides along, and a raw IP-protocol listener runs where its pod keeps NET_RAW.
import test from 'ava';
import { scenarioErrors } from '../../support/scenario-errors.ts';

const rootContext = 'securityContext: { runAsUser: 0 }';

interface Options {
  applies?: string;
  targetContext?: string;
  variants?: string;
}

function scenarioText(probe: string, options: Options = {}): string {
  return `id: uncaptured
title: uncaptured
why: uncaptured
applies: ${options.applies ?? '{ admission: [privileged, baseline] }'}
workloads:
  client: { namespace: shop, role: client, ${rootContext} }
  target: { namespace: vault, role: target, ${options.targetContext ?? rootContext}, serve: { tcp: [8080], sctp: [9090, 9091], ipProtocol: 253 } }
  plain: { namespace: vault, role: target, serve: { tcp: [8080] } }
  outside: { external: relay }
variants:
${options.variants ?? '  open: []'}
probes:
  - id: p
    from: client
${probe}    expect:
      - verdict: reached
        confidence: hypothesis
`;
}

function problemsOf(t: { teardown(fn: () => void): void }, text: string): string[] {
  return scenarioErrors(t, 'uncaptured', text).map(
    (problem) => `${problem.line}: ${problem.path}: ${problem.message}`,
  );
}

const probeText = (technique: string, to: string, extra = '') =>
  `    technique: ${technique}\n    to: ${to}\n${extra}`;

test('icmp and ip-protocol to the pod, sctp to its SCTP echo (by Service or pod): valid', (t) => {
  for (const probe of [
    probeText('icmp', '{ workload: target, via: pod }'),
    probeText('ip-protocol', '{ workload: target, via: pod }'),
    probeText('sctp', '{ workload: target }'),
    probeText('sctp', '{ workload: target, port: 9091, via: pod }'),
    // inject-opt-out acts at admission: an opted-out twin sends the echo request.
    probeText('icmp', '{ workload: target, via: pod }', '    preludes: [inject-opt-out]\n'),
  ])
    t.deepEqual(problemsOf(t, scenarioText(probe)), [], probe);
});

test('icmp and ip-protocol through a Service or at a port are refused, one located line each', (t) => {
  const viaService = problemsOf(t, scenarioText(probeText('icmp', '{ workload: target }')));
  t.is(viaService.length, 1);
  t.regex(
    viaService[0] ?? '',
    /^16: probes\[0\]\.to\.via: icmp goes to a pod's own address \(to\.via: pod\)/,
  );
  t.deepEqual(
    problemsOf(t, scenarioText(probeText('ip-protocol', '{ workload: target, port: 80, via: pod }'))),
    ['16: probes[0].to.port: ip-protocol addresses a host, not a port: drop to.port'],
  );
});

test('ip-protocol needs a target that serves an IP protocol; sctp one that serves that SCTP port', (t) => {
  const noListener = problemsOf(t, scenarioText(probeText('ip-protocol', '{ workload: plain, via: pod }')));
  t.is(noListener.length, 1);
  t.regex(noListener[0] ?? '', /probes\[0\]\.to\.workload: "plain" serves no IP protocol/);
  const noSctp = problemsOf(t, scenarioText(probeText('sctp', '{ workload: plain }')));
  t.regex(
    noSctp.join('\n'),
    /probes\[0\]\.to\.workload: "plain" serves no SCTP port: target a pod workload with serve\.sctp/,
  );
  t.deepEqual(problemsOf(t, scenarioText(probeText('sctp', '{ workload: target, port: 8080 }'))), [
    '16: probes[0].to.port: port 8080 of "target" is not its SCTP echo (serve.sctp: 9090, 9091)',
  ]);
  const toRelay = problemsOf(t, scenarioText(probeText('sctp', '{ workload: outside, port: 9090 }')));
  t.regex(toRelay.join('\n'), /"outside" serves no SCTP port/);
});

test('in-pod preludes are refused on the protocols the capture never redirects', (t) => {
  for (const technique of ['icmp', 'ip-protocol', 'sctp']) {
    const problems = problemsOf(
      t,
      scenarioText(
        probeText(technique, '{ workload: target, via: pod }', '    preludes: [so-mark, run-as-1337]\n'),
      ),
    );
    t.deepEqual(
      problems,
      [
        `17: probes[0].preludes: so-mark, run-as-1337 cannot change a ${technique} probe: the capture these preludes get around never redirects ${technique}; drop them`,
      ],
      technique,
    );
  }
});

test('an IP-protocol listener must keep NET_RAW: as written and at every admission level the scenario meets', (t) => {
  const icmp = probeText('icmp', '{ workload: target, via: pod }');
  const listener = (options: Options) =>
    problemsOf(t, scenarioText(icmp, options)).filter((line) => line.includes('serve.ipProtocol'));
  t.deepEqual(listener({}), [], 'root, nothing dropped, privileged and baseline');
  t.deepEqual(
    listener({
      targetContext: 'securityContext: { runAsUser: 0, capabilities: { drop: [ALL], add: [NET_RAW] } }',
      applies: '{ admission: [privileged] }',
    }),
    [],
    'NET_RAW added back where privileged admission allows it',
  );
  const cases: [Options, RegExp][] = [
    [
      { targetContext: 'mesh: enrolled' },
      /without a securityContext it runs as UID 1000 with every capability dropped/,
    ],
    [
      { targetContext: 'securityContext: { runAsUser: 1000 }' },
      /non-root UID 1000, whose capabilities are not effective/,
    ],
    [{ targetContext: 'securityContext: { runAsNonRoot: true }' }, /non-root, whose capabilities/],
    [
      { targetContext: 'securityContext: { runAsUser: 0, capabilities: { drop: [ALL] } }' },
      /it drops NET_RAW/,
    ],
    [{ applies: '{ mesh: [ambient] }' }, /restricted admission refuses a root container/],
    [{ variants: '  open: []\n  strict: { manifests: [], admission: restricted }' }, /restricted admission/],
    [
      { targetContext: 'securityContext: { runAsUser: 0, capabilities: { add: [NET_RAW] } }' },
      /baseline admission refuses adding NET_RAW/,
    ],
  ];
  for (const [options, message] of cases) {
    const problems = listener(options);
    t.is(problems.length, 1, JSON.stringify(options));
    t.regex(
      problems[0] ?? '',
      /^7: workloads\.target\.serve\.ipProtocol: an IP-protocol listener opens a raw socket/,
    );
    t.regex(problems[0] ?? '', message);
  }
});

test('serve.ipProtocol is one IP protocol number, not TCP, UDP or SCTP', (t) => {
  const icmp = probeText('icmp', '{ workload: target, via: pod }');
  for (const protocol of [6, 17, 132, 0, 256])
    t.true(
      problemsOf(t, scenarioText(icmp).replace('ipProtocol: 253', `ipProtocol: ${protocol}`)).some((line) =>
        line.startsWith('7: workloads.target'),
      ),
      String(protocol),
    );
});
