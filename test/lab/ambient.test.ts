// Ambient's in-pod redirect (Istio 1.30.3 ambient-inpod.v4.rules) on this kernel: the 0x539 mark
// exemption and the kubelet-probe source address, each with and without its counter-measure.
import test from 'ava';
import { ambientGroup, kubeletProbeSource } from '../../harness/lab/lab-cases.ts';
import { runCase, startGroup } from '../../harness/lab/run-lab.ts';
import type { LabCaseResult, StartedGroup } from '../../harness/lab/run-lab.ts';
import { labEnvironment } from './lab-env.ts';

const environment = labEnvironment();
let started: StartedGroup | undefined;

test.before(async () => {
  started = await startGroup(environment, ambientGroup);
});
test.after.always(async () => {
  await started?.stop();
  environment.cleanup();
});

async function run(id: string): Promise<LabCaseResult> {
  const labCase = ambientGroup.cases.find((candidate) => candidate.id === id);
  if (!started || !labCase) throw new Error(`cannot run ${id}`);
  return runCase(started, ambientGroup, labCase);
}

test.serial('unmarked TCP is redirected to the ztunnel stand-in', async (t) => {
  const captured = await run('tcp-captured');
  t.true(captured.observation.evidence.answeredByProxy);
  t.is(captured.classification.verdict, 'blocked');
});

test.serial(
  'so-mark 0x539 skips the redirect with NET_RAW (root, or UID 1000 holding only NET_RAW)',
  async (t) => {
    for (const id of ['so-mark-root', 'so-mark-net-raw']) {
      const escaped = await run(id);
      t.is(escaped.observation.outcome, 'connected', id);
      t.is(escaped.observation.evidence.echo?.name, 'target', id);
      t.false(escaped.observation.evidence.answeredByProxy, id);
    }
    const denied = await run('so-mark-denied');
    t.is(denied.observation.outcome, 'prelude-failed');
    t.is(denied.observation.errno, 'EPERM');
    t.regex(denied.observation.step ?? '', /SO_MARK/);
  },
);

test.serial(
  `spoof-source ${kubeletProbeSource} arrives without RPF and is dropped by strict rp_filter on the node`,
  async (t) => {
    const arrived = await run('spoof-kubelet-source');
    t.is(arrived.observation.outcome, 'connected');
    t.is(arrived.observation.evidence.sourceSeen, kubeletProbeSource);
    const dropped = await run('spoof-kubelet-source-rpf');
    t.is(dropped.observation.outcome, 'timeout');
    t.is(dropped.classification.verdict, 'blocked');
  },
);
