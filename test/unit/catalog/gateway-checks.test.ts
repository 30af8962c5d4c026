// A scenario's own ingress gateway in the catalog: it needs Istio, a backend that answers HTTP, a
// namespace of its own (no meshed pods), and a TCP route only where the backend serves TCP.
import test from 'ava';
import { pathAndMessage, scenarioErrors } from '../../support/scenario-errors.ts';

interface Parts {
  applies?: string;
  gateway?: string;
  web?: string;
  probe?: string[];
}

function problemsOf(t: { teardown(fn: () => void): void }, parts: Parts = {}): string[] {
  const text = [
    'id: gateway',
    'title: gateway',
    'why: gateway',
    `applies: ${parts.applies ?? '{ mesh: [sidecar, ambient] }'}`,
    'workloads:',
    '  client: { namespace: street, role: client, mesh: outside }',
    `  web: ${parts.web ?? '{ namespace: shop, role: target, mesh: outside, serve: { http: [8081], tcp: [8080] } }'}`,
    `  gateway: ${parts.gateway ?? '{ gateway: { namespace: edge, backend: web } }'}`,
    'variants:',
    '  open: []',
    'probes:',
    ...(parts.probe ?? [
      '  - id: p',
      '    from: client',
      '    to: { workload: gateway, port: 15021, via: pod }',
      '    technique: http',
    ]),
    '    expect:',
    '      - verdict: reached',
    '        confidence: hypothesis',
    '',
  ].join('\n');
  return scenarioErrors(t, 'gateway', text).map(pathAndMessage);
}

test('a gateway routing to an HTTP backend, probed on its pod, is a valid scenario', (t) => {
  t.deepEqual(problemsOf(t), []);
});

test('a tcp probe of the gateway TCP route is answered by the backend echo (no "cannot be judged")', (t) => {
  const probe = [
    '  - id: p',
    '    from: client',
    '    to: { workload: gateway, port: 443 }',
    '    technique: tcp',
  ];
  t.deepEqual(problemsOf(t, { probe }), []);
  const straight = [
    '  - id: p',
    '    from: client',
    '    to: { workload: gateway, port: 8443, via: pod }',
    '    technique: tcp',
  ];
  t.deepEqual(problemsOf(t, { probe: straight }), []);
});

test('the TCP route needs a backend that serves tcp', (t) => {
  const probe = [
    '  - id: p',
    '    from: client',
    '    to: { workload: gateway, port: 443 }',
    '    technique: tcp',
  ];
  const problems = problemsOf(t, {
    probe,
    web: '{ namespace: shop, role: target, mesh: outside, serve: { http: [8081] } }',
  });
  t.true(
    problems.some((problem) => /"web" serves none: add serve.tcp/.test(problem)),
    problems.join('\n'),
  );
});

test('a gateway needs Istio: applies.mesh without none', (t) => {
  for (const applies of ['{}', '{ mesh: [none, sidecar] }']) {
    const problems = problemsOf(t, { applies });
    t.is(problems.length, 1, applies);
    t.regex(problems[0] ?? '', /applies.*needs Istio: set applies.mesh to meshed modes only/);
  }
});

test('the backend must be a pod workload that serves http', (t) => {
  t.regex(
    problemsOf(t, { gateway: '{ gateway: { namespace: edge, backend: nobody } }' })[0] ?? '',
    /backend.*"nobody" must be a pod workload/,
  );
  t.regex(
    problemsOf(t, { web: '{ namespace: shop, role: target, mesh: outside, serve: { tcp: [8080] } }' })[0] ??
      '',
    /backend.*"web" serves no http port: add serve.http/,
  );
});

test('the gateway namespace holds no meshed pods (the injector would not take it as a gateway)', (t) => {
  const problems = problemsOf(t, {
    web: '{ namespace: edge, role: target, mesh: enrolled, serve: { http: [8081] } }',
  });
  t.true(
    problems.some((problem) => /namespace "edge" is meshed \(workload web is enrolled\)/.test(problem)),
    problems.join('\n'),
  );
});

test('a gateway cannot start probes', (t) => {
  const probe = ['  - id: p', '    from: gateway', '    to: { workload: web }', '    technique: http'];
  t.true(problemsOf(t, { probe }).some((problem) => /"gateway" cannot start probes/.test(problem)));
});
