// Run diffs: classification on crafted pairs and on the fixtures, exit codes and renderings.
import test from 'ava';
import type { Check, Results } from '../../../harness/model/results.ts';
import {
  diffExitCode,
  diffResults,
  renderDiffJson,
  renderDiffMarkdown,
  renderDiffText,
} from '../../../reports/diff.ts';
import { clashReason, clashSides } from '../../../reports/diff-provenance.ts';
import { fixture, userCluster, withProvenance } from './_fixtures.ts';

const base = fixture('base.json');
const template = base.checks[0]!;

function check(probe: string, changes: Partial<Check>): Check {
  return {
    ...template,
    probe,
    testId: `${template.stack}/${template.scenario}/${template.variant}/${probe}`,
    ...changes,
  };
}

function results(checks: Check[]): Results {
  return { ...base, checks };
}

const blocked = { verdict: 'blocked' as const, layer: 'network-policy' as const };
const expectBlocked = { expectation: { verdict: 'blocked' as const, confidence: 'documented' as const } };
const expectReached = { expectation: { verdict: 'reached' as const, confidence: 'documented' as const } };

test('crafted pairs land in the right list', (t) => {
  const before = results([
    check('sec', { ...blocked, ...expectBlocked }),
    check('avail', { verdict: 'reached', ...expectReached }),
    check('fixed', { ...blocked, ...expectReached }),
    check('layer', { ...blocked, ...expectBlocked }),
    check('flaky', { ...blocked, ...expectBlocked }),
    check('back', { verdict: 'inconclusive', ...expectBlocked }),
    check('same', { ...blocked, ...expectBlocked }),
    check('observed', { ...blocked }),
    check('gone', { ...blocked }),
  ]);
  const after = results([
    check('sec', { verdict: 'reached', ...expectBlocked }),
    check('avail', { ...blocked, ...expectReached }),
    check('fixed', { verdict: 'reached', ...expectReached }),
    check('layer', { verdict: 'blocked', layer: 'mesh-l7', ...expectBlocked }),
    check('flaky', { verdict: 'inconclusive', ...expectBlocked }),
    check('back', { ...blocked, ...expectBlocked }),
    check('same', { ...blocked, ...expectBlocked }),
    check('observed', { verdict: 'reached', expectation: undefined }),
    check('new', { ...blocked }),
  ]);
  const diff = diffResults(before, after);
  const ids = (list: { testId: string }[]) => list.map((item) => item.testId.split('/').pop());
  t.deepEqual(ids(diff.securityRegressions), ['observed', 'sec']);
  t.deepEqual(ids(diff.availabilityRegressions), ['avail']);
  t.deepEqual(ids(diff.fixed), ['fixed']);
  t.deepEqual(ids(diff.layerChanged), ['layer']);
  t.deepEqual(ids(diff.becameInconclusive), ['flaky']);
  t.deepEqual(ids(diff.noLongerInconclusive), ['back']);
  t.deepEqual(ids(diff.appeared), ['new']);
  t.deepEqual(ids(diff.vanished), ['gone']);
  t.is(diff.unchanged, 1);
  t.is(diffExitCode(diff), 1);
});

test('availability regressions fail only with the flag', (t) => {
  const diff = diffResults(
    results([check('a', { verdict: 'reached', ...expectReached })]),
    results([check('a', { ...blocked, ...expectReached })]),
  );
  t.is(diffExitCode(diff), 0);
  t.is(diffExitCode(diff, { failOnAvailability: true }), 1);
  t.is(diffExitCode(diffResults(base, base)), 0);
});

test('the fixtures: one security and one availability regression, a layer change, appeared and vanished', (t) => {
  const diff = diffResults(base, fixture('new.json'));
  t.deepEqual(
    diff.securityRegressions.map((item) => item.testId),
    ['calico-nftables-ambient/udp-escape/default-deny/udp-to-db'],
  );
  t.deepEqual(
    diff.availabilityRegressions.map((item) => item.testId),
    ['calico-iptables-sidecar/bookinfo-isolation/allow-productpage/productpage-to-reviews'],
  );
  t.deepEqual(
    diff.layerChanged.map((item) => item.testId),
    ['calico-iptables-sidecar/bookinfo-isolation/allow-productpage/attacker-to-ratings'],
  );
  t.is(diff.appeared.length, 2);
  t.deepEqual(
    diff.vanished.map((item) => item.testId),
    ['calico-iptables-sidecar/raw-socket-bypass/restricted-psa/raw-syn-to-db'],
  );
  t.is(diff.unchanged, 24);
  const text = renderDiffText(diff);
  t.regex(
    text,
    /^Security regressions: newly reached, expected blocked \(1\):\n {2}calico-nftables-ambient\/udp-escape\/default-deny\/udp-to-db: blocked at network-policy -> reached \(expected blocked by network-policy\): .*; answered by: udp echo "db", saw source 192\.168\.12\.7, no proxy mark seen \[/m,
  );
  // Newly blocked: nobody answered, and the diff says nothing of answers.
  t.regex(
    text,
    /productpage-to-reviews: reached -> blocked at network-policy \(expected reached\): timed out[^;\n]*\[/,
  );
  t.regex(text, /Calico v3\.31\.2 iptables.*\n[\s\S]*Calico v3\.32\.1 iptables/);
  // A new probe that fails is not a regression, but the diff does not let it pass unseen.
  t.regex(
    text,
    /hijack-to-db: absent -> reached \[fails, waived\] \(expected blocked by network-policy\): echo exchanged; answered by: no destination answer recorded \[/,
  );
  t.regex(text, /direct-to-db: absent -> blocked at network-policy \(expected/);
  const markdown = renderDiffMarkdown(diff);
  t.regex(markdown, /^# gauntlet diff: 🔴 security regressions/);
  t.regex(
    markdown,
    /\| `calico-iptables-sidecar\/bookinfo-isolation\/allow-productpage\/productpage-to-reviews` \| reached \| blocked at network-policy \| reached \| timed out: the packets were dropped, usually by a NetworkPolicy \|/,
  );
  t.regex(
    markdown,
    /\| `calico-nftables-ambient\/udp-escape\/default-deny\/udp-to-db` \| blocked at network-policy \| reached \| blocked by network-policy \| .*; answered by: udp echo "db", saw source 192\.168\.12\.7, no proxy mark seen \|/,
  );
  const json = JSON.parse(renderDiffJson(diff)) as {
    kind: string;
    securityRegressions: { new: { answer?: string } }[];
    unchanged: number;
  };
  t.is(json.kind, 'gauntlet-diff');
  t.is(json.securityRegressions.length, 1);
  t.is(json.securityRegressions[0]?.new.answer, 'udp echo "db", saw source 192.168.12.7, no proxy mark seen');
  t.is(json.unchanged, 24);
});

test('a flow that now reaches says who answered; one that stops reaching does not', (t) => {
  const answer = { kind: 'http' as const, status: 204, server: 'nginx' };
  const diff = diffResults(
    results([
      check('fixed', { ...blocked, ...expectReached }),
      check('stopped', { verdict: 'reached', layer: undefined, answer, ...expectReached }),
    ]),
    results([
      check('fixed', {
        verdict: 'reached',
        layer: undefined,
        reason: 'status line',
        answer,
        ...expectReached,
      }),
      check('stopped', { ...blocked, ...expectReached }),
    ]),
  );
  const text = renderDiffText(diff);
  t.regex(
    text,
    /\/fixed: blocked at network-policy -> reached \(expected reached\): status line; answered by: HTTP 204 from server "nginx" \[/,
  );
  t.regex(
    renderDiffMarkdown(diff),
    /\/fixed` \| .* \| status line; answered by: HTTP 204 from server "nginx" \|/,
  );
  t.is(text.match(/answered by/g)?.length, 1);
});

test('evidence of different kinds is a clash: the lab with a cluster, a kind cluster with a user cluster', (t) => {
  const next = fixture('new.json');
  const lab = diffResults(fixture('lab.json'), next).provenanceClash;
  t.is(lab?.base.kind, 'kernel-lab');
  t.is(lab?.new.kind, 'kind-cluster');
  t.is(
    clashSides(lab!, 'lab.json', 'new.json'),
    'lab.json is kernel-lab evidence (kernel lab on Linux 6.1.0-31-amd64 with Istio 1.30.3 capture rules), new.json kind-cluster evidence (kind cluster for stack calico-iptables-sidecar (kindest/node:v1.36.1))',
  );
  t.is(
    clashReason(lab!),
    'evidence about gauntlet’s techniques on one machine is not evidence about a throwaway kind cluster gauntlet created, so no flow of one is the same cell as a flow of the other',
  );
  // The same test ids, from the user's cluster: two systems.
  const user = diffResults(next, withProvenance(next, userCluster)).provenanceClash;
  t.is(user?.base.kind, 'kind-cluster');
  t.is(user?.new.description, 'cluster of context staging at https://10.20.0.1:6443 (Kubernetes v1.36.1)');
  t.regex(clashReason(user!), /is not evidence about a cluster the user named/);
  // Like with like, including a run inferred from an older file: no clash.
  t.is(diffResults(base, next).provenanceClash, undefined);
  t.is(diffResults(fixture('lab.json'), fixture('lab.json')).provenanceClash, undefined);
});

test('both sides hold the same kinds, but one cell moved from a kind cluster to the user cluster: a clash', (t) => {
  const next = fixture('new.json');
  const [iptables, bpf] = next.runs.map((run) => run.id);
  const before = withProvenance(next, userCluster, [bpf!]);
  const after = withProvenance(next, userCluster, [iptables!]);
  const clash = diffResults(before, after).provenanceClash;
  t.is(clash?.base.kind, 'kind-cluster');
  t.is(clash?.new.kind, 'user-cluster');
  t.is(diffResults(before, before).provenanceClash, undefined);
});

test('a diff asked for across provenance says so first', (t) => {
  const diff = diffResults(fixture('lab.json'), fixture('new.json'));
  t.regex(
    renderDiffText(diff),
    /^warning: compared across provenance \(--across-provenance\): base is kernel-lab evidence \(kernel lab on Linux .*\), new kind-cluster evidence \(kind cluster for stack .*\); a changed flow may be the other kind of evidence, not a change\n\nbase: lab-sidecar-20260314010000, lab-ambient-20260314010000\n {2}lab-sidecar: Istio 1\.30\.3 sidecar \[kernel lab\]\n/,
  );
  t.regex(renderDiffMarkdown(diff), /^# gauntlet diff: .*\n\n> ⚠️ warning: compared across provenance/);
  t.false(renderDiffText(diffResults(base, fixture('new.json'))).includes('warning'));
});
