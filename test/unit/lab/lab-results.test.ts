// What `gauntlet lab` writes to results.json for its cases (harness/lab/lab-results.ts): icmp and
// ip-protocol destinations without a port (as a cluster run records them), the IP protocol sent, and
// the cases this kernel could not run as the run's `skipped`, worded as fit-plan.ts words a cluster's,
// never as checks. And the catalogue's SCTP cases all say they need SCTP, so none runs to fail.
import test from 'ava';
import { Observation } from '../../../harness/agent/protocol.ts';
import { sidecarGroup, labGroups, ports } from '../../../harness/lab/lab-cases.ts';
import type { LabCase } from '../../../harness/lab/lab-cases.ts';
import { labChecks, labRun, labSkipped } from '../../../harness/lab/lab-results.ts';
import type { LabCaseResult, LabCaseSkip } from '../../../harness/lab/run-lab.ts';
import { skippedSummary } from '../../../harness/cli/commands/lab.ts';
import { techniqueProtocol } from '../../../harness/model/target-port.ts';
import { buildResults } from '../../../harness/model/results.ts';
import { checkOutcome } from '../../../harness/model/check.ts';
import { classify } from '../../../harness/probe/classify.ts';

const noSctp = 'this kernel has no SCTP (socket() gives EPROTONOSUPPORT): load the sctp module to run it';

function labCase(id: string): LabCase {
  const found = sidecarGroup.cases.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

/** A case's result as runCase builds it, from what the agent would report. */
function resultOf(id: string, evidence: Record<string, unknown>, ipProtocol?: number): LabCaseResult {
  const found = labCase(id);
  const observation = Observation.parse({
    id,
    technique: found.technique,
    outcome: 'connected',
    uid: 0,
    timings: { startedAt: '2026-03-14T01:00:00.000Z', totalMs: 3 },
    evidence,
  });
  const classification = classify(observation, { technique: found.technique });
  return {
    group: sidecarGroup,
    istioVersion: '1.30.5',
    labCase: found,
    observation,
    classification,
    outcome: checkOutcome({ verdict: found.expect }, classification.verdict),
    crossedProxy: false,
    proxyConnections: [],
    protocol: techniqueProtocol(found.technique),
    ...(ipProtocol !== undefined ? { ipProtocol } : {}),
    startedAt: '2026-03-14T01:00:00.000Z',
    durationMs: 40,
  };
}

const skipOf = (id: string): LabCaseSkip => ({
  group: sidecarGroup,
  istioVersion: '1.30.5',
  labCase: labCase(id),
  reason: noSctp,
});

test('icmp and ip-protocol destinations carry no port; ip-protocol names the protocol sent; tcp keeps its port', (t) => {
  const echo = (kind: string) => ({
    echo: {
      service: 'gauntlet-echo',
      kind,
      name: 'target',
      local: { address: '198.18.3.2', port: 0 },
      peer: { address: '198.18.1.2', port: 0 },
    },
    sourceSeen: '198.18.1.2',
  });
  const checks = labChecks(
    [
      resultOf('icmp-uncaptured', { icmp: { type: 0, code: 0, from: '198.18.3.2', socket: 'raw' } }),
      resultOf('ip-protocol-uncaptured', echo('ip-protocol'), 253),
      resultOf('tcp-unmeshed', { ...echo('tcp'), exchanged: true }),
    ],
    (mesh) => `lab-${mesh}-1`,
  );
  t.deepEqual(checks[0]?.destination, { workload: 'target', protocol: 'icmp', via: 'pod' });
  t.deepEqual(checks[1]?.destination, {
    workload: 'target',
    protocol: 'ip-protocol',
    ipProtocol: 253,
    via: 'pod',
  });
  t.deepEqual(checks[2]?.destination, { workload: 'target', port: ports.tcp, protocol: 'tcp', via: 'pod' });
  // The file's own schema takes them as written.
  const results = buildResults(
    labRun('sidecar', 'lab-sidecar-1', new Date(0), new Date(1), [], '6.1.0', '1.30.5'),
    checks,
  );
  t.is(results.checks.length, 3);
  t.is(results.checks[0]?.destination.port, undefined);
});

test("skipped cases are the run's `skipped`, one entry per variant and reason naming them, and no check", (t) => {
  const skips = [skipOf('sctp-uncaptured'), skipOf('sctp-node-drop')];
  t.deepEqual(labSkipped(skips), [
    { scenario: 'kernel-lab', reason: `variant undefended: 1 probe (sctp-uncaptured) skipped: ${noSctp}` },
    { scenario: 'kernel-lab', reason: `variant defended: 1 probe (sctp-node-drop) skipped: ${noSctp}` },
  ]);
  const run = labRun('sidecar', 'lab-sidecar-1', new Date(0), new Date(1), [], '6.1.0', '1.30.5', skips);
  t.is(run.status, 'complete', 'a skip is not a missing case');
  t.deepEqual(run.skipped, labSkipped(skips));
  t.deepEqual(labSkipped([]), []);
  t.deepEqual(
    labRun('sidecar', 'lab-sidecar-1', new Date(0), new Date(1), [], '6.1.0', '1.30.5').skipped,
    [],
  );
});

test('the summary says how many were skipped and why, each reason once; nothing when none was', (t) => {
  t.is(skippedSummary([]), '');
  t.is(skippedSummary([skipOf('sctp-uncaptured'), skipOf('sctp-node-drop')]), `, 2 skipped: ${noSctp}`);
  t.is(skippedSummary([{ reason: 'a' }, { reason: 'b' }, { reason: 'a' }]), ', 3 skipped: a; b');
});

test('every SCTP case of every group needs SCTP, both ways; no other case needs anything', (t) => {
  for (const group of labGroups) {
    const sctp = group.cases.filter((candidate) => candidate.technique === 'sctp');
    t.deepEqual(
      sctp.map((candidate) => [candidate.id, candidate.defended, candidate.expect]),
      [
        ['sctp-uncaptured', false, 'reached'],
        ['sctp-node-drop', true, 'blocked'],
      ],
      group.id,
    );
    t.deepEqual(
      group.cases.filter((candidate) => candidate.needs !== undefined).map((candidate) => candidate.id),
      sctp.map((candidate) => candidate.id),
      group.id,
    );
    for (const candidate of sctp) t.is(candidate.port, ports.sctp, candidate.id);
    // Portless protocols declare no port, so nothing records a placeholder.
    for (const candidate of group.cases.filter(
      (c) => c.technique === 'icmp' || c.technique === 'ip-protocol',
    ))
      t.is(candidate.port, undefined, candidate.id);
  }
});
