// Placement in the catalog: `avoid` names another pod workload of the scenario, and a workload
// cannot ask to share a node with a workload and to avoid it at once.
import test from 'ava';
import { pathAndMessage, scenarioErrors } from '../../support/scenario-errors.ts';

function problemsOf(t: { teardown(fn: () => void): void }, client: string): string[] {
  const text = [
    'id: placement',
    'title: placement',
    'why: placement',
    'workloads:',
    `  client: ${client}`,
    '  target: { namespace: store, role: target, mesh: outside, serve: { tcp: [8080] } }',
    '  dns: { builtin: kube-dns }',
    'variants:',
    '  open: []',
    'probes:',
    '  - id: p',
    '    from: client',
    '    to: { workload: target }',
    '    technique: tcp',
    '    expect:',
    '      - verdict: reached',
    '        confidence: hypothesis',
    '',
  ].join('\n');
  return scenarioErrors(t, 'placement', text).map(pathAndMessage);
}

test('a client may avoid the node of another pod workload', (t) => {
  t.deepEqual(problemsOf(t, '{ namespace: shop, role: client, mesh: outside, avoid: target }'), []);
});

test('avoid must name another pod workload of the scenario', (t) => {
  for (const [avoid, expected] of [
    ['targt', /"targt" is not another pod workload of this scenario/],
    ['dns', /"dns" is not another pod workload of this scenario/],
    ['client', /"client" is not another pod workload of this scenario/],
  ] as const) {
    const problems = problemsOf(t, `{ namespace: shop, role: client, mesh: outside, avoid: ${avoid} }`);
    t.is(problems.length, 1, avoid);
    t.regex(problems[0] ?? '', expected);
    t.regex(problems[0] ?? '', /avoid/);
  }
});

test('a workload cannot share a node with a workload and avoid it', (t) => {
  const problems = problemsOf(
    t,
    '{ namespace: shop, role: client, mesh: outside, colocateWith: target, avoid: target }',
  );
  t.is(problems.length, 1);
  t.regex(problems[0] ?? '', /cannot both share a node with "target" and avoid it/);
});
