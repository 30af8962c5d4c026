// The protocols both meshes' capture ignores (ICMP, a raw IP protocol): asserted alike in every lab
// group, since neither the sidecar's nor ambient's rules redirect anything but TCP (and DNS).
import type { LabGroupTests } from './lab-group.ts';
import { journal } from './lab-group.ts';

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
      const raw = await run('ip-protocol-uncaptured');
      t.is(raw.observation.outcome, 'connected');
      t.is(raw.observation.evidence.echo?.name, 'target');
      t.is(raw.observation.evidence.echo?.kind, 'ip-protocol');
      t.is(
        raw.observation.evidence.sourceSeen,
        lab.address('attacker'),
        "the attacker's own address, not a proxy's",
      );
      t.false(raw.crossedProxy);
      t.is(raw.classification.verdict, 'reached');
      const rawDropped = await run('ip-protocol-node-drop');
      t.is(rawDropped.observation.outcome, 'timeout');
      t.is(rawDropped.observation.evidence.echo, undefined);
      t.is(rawDropped.classification.verdict, 'blocked');
      t.is(rawDropped.classification.layer, 'network-policy');
    },
  );
}
