// Every technique against Istio 1.30.3's sidecar capture rules on this kernel, both ways. Each test
// asserts on what the probe saw, so a technique that silently did nothing fails.
import test from 'ava';
import type { Observation } from '../../harness/agent/protocol.ts';
import { sidecarGroup } from '../../harness/lab/lab-cases.ts';
import type { LabCase } from '../../harness/lab/lab-cases.ts';
import { runCase, startGroup } from '../../harness/lab/run-lab.ts';
import type { LabCaseResult, StartedGroup } from '../../harness/lab/run-lab.ts';
import { labEnvironment } from './lab-env.ts';

const environment = labEnvironment();
let started: StartedGroup | undefined;

test.before(async () => {
  started = await startGroup(environment, sidecarGroup);
});
test.after.always(async () => {
  await started?.stop();
  environment.cleanup();
});

function labCase(id: string): LabCase {
  const found = sidecarGroup.cases.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

async function run(id: string): Promise<LabCaseResult> {
  if (!started) throw new Error('the lab did not start');
  return runCase(started, sidecarGroup, labCase(id));
}

function echoName(observation: Observation): string | undefined {
  return observation.evidence.echo?.name;
}

test.serial(
  'plain TCP from the meshed pod is captured: the stand-in answers, not the destination',
  async (t) => {
    const captured = await run('tcp-captured');
    t.is(captured.observation.outcome, 'connected');
    t.true(captured.observation.evidence.answeredByProxy);
    t.is(captured.observation.evidence.echo?.service, 'gauntlet-proxy-stand-in');
    t.is(captured.classification.verdict, 'blocked');
    t.is(captured.classification.layer, 'mesh-l4');
    const bare = await run('tcp-unmeshed');
    t.is(echoName(bare.observation), 'target');
    t.true(bare.observation.evidence.exchanged);
    t.is(bare.classification.verdict, 'reached');
  },
);

test.serial(
  'UDP is not captured, is dropped by the node rule, while DNS to the allowed resolver still works',
  async (t) => {
    const free = await run('udp-not-captured');
    t.is(free.observation.outcome, 'connected');
    t.is(echoName(free.observation), 'target');
    t.is(free.observation.evidence.sourceSeen, started?.topology.pod('attacker').address);
    const dropped = await run('udp-node-drop');
    t.is(dropped.observation.outcome, 'timeout');
    t.is(dropped.classification.layer, 'network-policy');
    const dns = await run('dns-allowed');
    t.is(dns.observation.outcome, 'connected');
    t.deepEqual(dns.observation.evidence.dns?.answers, [started?.topology.pod('target').address]);
  },
);

test.serial('run-as-1337 escapes capture; another UID does not, and cannot become 1337', async (t) => {
  const escaped = await run('run-as-1337');
  t.is(escaped.observation.uid, 1337);
  t.is(echoName(escaped.observation), 'target');
  t.false(escaped.observation.evidence.answeredByProxy);
  t.is(escaped.classification.verdict, 'reached');
  const denied = await run('run-as-1337-denied');
  t.is(denied.observation.outcome, 'prelude-failed');
  t.is(denied.observation.errno, 'EPERM');
  t.is(denied.classification.layer, 'capability');
  const other = await run('uid-1000-captured');
  t.is(other.observation.uid, 1000);
  t.true(other.observation.evidence.answeredByProxy);
});

test.serial(
  'raw-syn is still redirected (SYN-ACK over lo); without the rules the destination answers over eth0',
  async (t) => {
    const redirected = await run('raw-syn-redirected');
    t.is(redirected.observation.outcome, 'connected');
    t.is(redirected.observation.evidence.replyInterface, 'lo');
    t.is(redirected.classification.verdict, 'blocked');
    const direct = await run('raw-syn-unmeshed');
    t.is(direct.observation.evidence.replyInterface, 'eth0');
    t.is(direct.observation.evidence.replyTtl, 63, 'one hop through the node namespace');
  },
);

test.serial('packet-syn escapes the pod rules but is dropped by a node-side rule', async (t) => {
  const escaped = await run('packet-syn-escapes');
  t.is(escaped.observation.outcome, 'connected');
  t.is(escaped.observation.evidence.replyInterface, 'eth0');
  t.is(escaped.observation.evidence.replyFlags, 'SYN+ACK');
  t.is(escaped.classification.verdict, 'reached');
  const dropped = await run('packet-syn-node-drop');
  t.is(dropped.observation.outcome, 'timeout');
  t.is(dropped.classification.verdict, 'blocked');
});

test.serial(
  'envoy-quitquitquit: root hijacks 15001 and leaves unproxied; UID 1000 stops the proxy but cannot hijack',
  async (t) => {
    const startsBefore = started?.standIn.starts ?? 0;
    const hijack = await run('envoy-hijack');
    t.is(hijack.observation.outcome, 'connected');
    t.is(echoName(hijack.observation), 'target');
    t.false(hijack.observation.evidence.answeredByProxy);
    t.true(hijack.observation.preludes[0]?.ok);
    t.regex(hijack.observation.preludes[0]?.detail ?? '', /proxy stopped/);
    const denied = await run('envoy-hijack-denied');
    t.is(denied.observation.outcome, 'prelude-failed');
    t.is(denied.observation.errno, 'EPERM');
    t.regex(denied.observation.step ?? '', /become UID 1337/);
    // The supervisor brought the stand-in back after each stop, as kubelet would.
    await started?.standIn.ready(15_000);
    t.true((started?.standIn.starts ?? 0) >= startsBefore + 2);
    const recaptured = await run('tcp-captured');
    t.true(recaptured.observation.evidence.answeredByProxy);
  },
);

test.serial('udp-tunnel carries a TCP exchange past a node rule that blocks the TCP flow', async (t) => {
  const direct = await run('tcp-node-drop');
  t.is(direct.observation.outcome, 'timeout');
  const tunnel = await run('udp-tunnel');
  t.is(tunnel.observation.outcome, 'connected');
  t.is(echoName(tunnel.observation), 'target');
  t.true(tunnel.observation.evidence.exchanged);
  t.is(
    tunnel.observation.evidence.sourceSeen,
    started?.topology.pod('outside').address,
    'the relay opened the flow',
  );
});

test.serial('iptables-flush fails without NET_ADMIN and escapes capture with it', async (t) => {
  const denied = await run('iptables-flush-denied');
  t.is(denied.observation.outcome, 'prelude-failed');
  t.is(denied.observation.errno, 'EPERM');
  const flushed = await run('iptables-flush');
  t.is(flushed.observation.outcome, 'connected');
  t.is(echoName(flushed.observation), 'target');
  t.false(flushed.observation.evidence.answeredByProxy);
});
