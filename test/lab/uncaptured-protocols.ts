// The protocols both meshes' capture ignores (ICMP, a raw IP protocol, SCTP): asserted alike in every
// lab group, since neither the sidecar's nor ambient's rules redirect anything but TCP (and DNS).
// SCTP needs the kernel's sctp module: where this machine has it, the cases run and are asserted both
// ways; where it has none, the lab must say they were skipped and why (asked here independently of the
// lab's own check, so a lab that skips on a kernel with SCTP, or runs on one without, fails).
import type { ExecutionContext } from 'ava';
import { existsSync } from 'node:fs';
import { kernelHasSctp } from '../container/support/kernel-sctp.ts';
import type { LabGroupTests } from './lab-group.ts';
import { journal } from './lab-group.ts';

const sctpCases = ['sctp-uncaptured', 'sctp-node-drop'];

type CaseResult = Awaited<ReturnType<LabGroupTests['run']>>;

/** The target's own echo answered, saw the attacker's own address, and no stand-in proxy was crossed. */
function assertEchoedPastTheCapture(
  t: ExecutionContext,
  result: CaseResult,
  kind: 'sctp' | 'ip-protocol',
  attacker: string,
): void {
  t.is(result.observation.outcome, 'connected', JSON.stringify(result.observation));
  t.is(result.observation.evidence.echo?.name, 'target');
  t.is(result.observation.evidence.echo?.kind, kind);
  t.is(result.observation.evidence.sourceSeen, attacker, "the attacker's own address, not a proxy's");
  t.false(result.crossedProxy);
  t.is(result.classification.verdict, 'reached');
}

/** A node-side drop of the protocol: no answer before the deadline, blocked at network-policy. */
function assertDroppedOnTheNode(t: ExecutionContext, result: CaseResult): void {
  t.is(result.observation.outcome, 'timeout', JSON.stringify(result.observation));
  t.is(result.observation.evidence.echo, undefined);
  t.is(result.classification.verdict, 'blocked');
  t.is(result.classification.layer, 'network-policy');
}

export function uncapturedProtocolTests(lab: LabGroupTests): void {
  const { run, serial } = lab;
  serial(
    'ICMP and IP protocol 253 are never captured: the target itself answers, and only a node-side drop of the protocol stops them',
    async (t) => {
      const icmp = await run('icmp-uncaptured');
      t.is(icmp.observation.outcome, 'connected');
      t.is(icmp.observation.evidence.icmp?.type, 0, 'an echo reply');
      t.is(icmp.observation.evidence.icmp?.from, lab.address('target'), "from the target's own address");
      t.deepEqual(journal(icmp), [], 'no stand-in saw it');
      t.is(icmp.classification.shape, 'icmp-echo-reply');
      t.is(icmp.classification.verdict, 'reached');
      const unprivileged = await run('icmp-unprivileged');
      t.is(unprivileged.observation.uid, 1000);
      t.is(unprivileged.observation.evidence.icmp?.socket, 'ping', 'a ping socket: no capability needed');
      t.is(unprivileged.observation.evidence.icmp?.from, lab.address('target'));
      t.is(unprivileged.classification.verdict, 'reached');
      const icmpDropped = await run('icmp-node-drop');
      t.is(icmpDropped.observation.outcome, 'timeout');
      t.is(icmpDropped.classification.verdict, 'blocked');
      t.is(icmpDropped.classification.layer, 'network-policy');
      assertEchoedPastTheCapture(
        t,
        await run('ip-protocol-uncaptured'),
        'ip-protocol',
        lab.address('attacker'),
      );
      assertDroppedOnTheNode(t, await run('ip-protocol-node-drop'));
    },
  );

  serial(
    "SCTP is never captured: the target's SCTP echo answers with its identity, and only a node-side SCTP drop stops it (skipped with the reason on a kernel without SCTP)",
    async (t) => {
      if (!kernelHasSctp()) {
        // The sctp module makes /proc/net/sctp in every namespace when it loads (sctp_proc_init,
        // net/sctp/proc.c; net/sctp/protocol.c in older kernels).
        t.false(existsSync('/proc/net/sctp'), 'this kernel has no SCTP loaded');
        for (const id of sctpCases) {
          t.regex(
            (await lab.skipReason(id)) ?? 'not skipped',
            /^this kernel has no SCTP \(socket\(\) gives E(PROTONOSUPPORT|SOCKTNOSUPPORT|AFNOSUPPORT)\): load the sctp module to run it$/,
            id,
          );
          await t.throwsAsync(run(id), { message: /cannot run on this kernel: this kernel has no SCTP/ }, id);
        }
        return;
      }
      for (const id of sctpCases) t.is(await lab.skipReason(id), undefined, `${id} runs on this kernel`);
      const sctp = await run('sctp-uncaptured');
      assertEchoedPastTheCapture(t, sctp, 'sctp', lab.address('attacker'));
      t.true(sctp.observation.evidence.sctp?.association, 'the association formed');
      t.deepEqual(journal(sctp), [], 'no stand-in saw it');
      t.is(sctp.protocol, 'sctp');
      t.like(sctp.classification.answer, { kind: 'echo', name: 'target' });
      const dropped = await run('sctp-node-drop');
      // The INIT is dropped on the node: no INIT-ACK, no ABORT, the association never forms.
      assertDroppedOnTheNode(t, dropped);
      t.deepEqual(journal(dropped), []);
    },
  );
}
