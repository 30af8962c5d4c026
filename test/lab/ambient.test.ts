// Ambient's in-pod redirect (ambient-inpod.v4.rules of each Istio release the lab holds, 1.30.3 and
// 1.30.5) on this kernel, with a ztunnel stand-in that forwards as ztunnel does: the 0x539 mark
// exemption, the kubelet-probe source address, and what a drop or a deny behind ztunnel looks like to
// the app.
import { ambientGroup, kubeletProbeSource } from '../../harness/lab/lab-cases.ts';
import { labIstioVersions } from '../../harness/lab/rules.ts';
import { h2cTests } from './h2c.ts';
import { uncapturedProtocolTests } from './uncaptured-protocols.ts';
import { journal, labGroupTests } from './lab-group.ts';

for (const version of labIstioVersions) {
  const lab = labGroupTests(ambientGroup, version);
  const { run, serial } = lab;

  serial('unmarked TCP is redirected to the ztunnel stand-in, which forwards it marked 0x539', async (t) => {
    const captured = await run('tcp-captured');
    t.is(captured.observation.outcome, 'connected');
    t.is(captured.observation.evidence.echo?.name, 'target');
    t.true(captured.observation.evidence.exchanged);
    t.is(captured.observation.evidence.sourceSeen, lab.address('attacker'));
    t.true(captured.crossedProxy);
    t.deepEqual(journal(captured), ['attacker/outbound: relayed']);
    t.is(captured.classification.verdict, 'reached');
  });

  serial(
    'so-mark 0x539 skips the redirect as root; UID 1000 cannot set it, with or without NET_RAW added as a pod adds it',
    async (t) => {
      const escaped = await run('so-mark-root');
      t.is(escaped.observation.outcome, 'connected');
      t.is(escaped.observation.evidence.echo?.name, 'target');
      t.false(escaped.crossedProxy);
      for (const id of ['so-mark-denied', 'so-mark-net-raw-non-root']) {
        const denied = await run(id);
        t.is(denied.observation.outcome, 'prelude-failed', id);
        t.is(denied.observation.errno, 'EPERM', id);
        t.regex(denied.observation.step ?? '', /SO_MARK/, id);
        t.is(denied.classification.layer, 'capability', id);
      }
    },
  );

  serial(
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

  serial(
    'a node-side drop behind ztunnel: connected then silent, or cut without a byte once ztunnel gives up',
    async (t) => {
      const silent = await run('tcp-node-drop-silent');
      t.is(silent.observation.outcome, 'connected');
      t.true(silent.observation.evidence.silent);
      // ztunnel does not watch the app while it connects: it gave up only at its own timeout (3 s).
      t.deepEqual(journal(silent), ['attacker/outbound: upstream-timeout']);
      t.true((silent.proxyConnections[0]?.outcome?.ms ?? 0) >= 2900);
      t.is(silent.classification.verdict, 'blocked');
      const gaveUp = await run('tcp-node-drop-proxy-gives-up');
      // ztunnel drops the connection with the probe's first line unread: a reset.
      t.is(gaveUp.observation.outcome, 'reset');
      t.deepEqual(journal(gaveUp), ['attacker/outbound: upstream-timeout']);
      t.is(gaveUp.classification.verdict, 'blocked');
    },
  );

  serial(
    "an AuthorizationPolicy deny: ztunnel drops the connection over the client's unread bytes, a reset",
    async (t) => {
      const waiting = await run('tcp-identity-deny');
      t.is(waiting.observation.outcome, 'reset', 'the agent spoke first; ztunnel never read it');
      t.is(waiting.observation.evidence.echo, undefined);
      t.deepEqual(journal(waiting), ['attacker/outbound: denied']);
      t.is(waiting.classification.verdict, 'blocked');
      t.is(waiting.classification.layer, 'mesh-l4');
      const spoke = await run('http-identity-deny');
      t.is(spoke.observation.outcome, 'reset');
      t.regex(spoke.observation.message ?? '', /read ECONNRESET/, 'a real RST: the request was never read');
      t.deepEqual(journal(spoke), ['attacker/outbound: denied']);
      t.is(spoke.proxyConnections[0]?.outcome?.bytes.fromDownstream, 0);
      t.is(spoke.classification.verdict, 'blocked');
      t.is(spoke.classification.layer, 'mesh-l4');
    },
  );

  serial(
    'HTTP and PostgreSQL under a node-side drop: ztunnel speaks no HTTP, its drop of unread bytes is a reset',
    async (t) => {
      const http = await run('http-node-drop');
      t.is(http.observation.outcome, 'reset');
      t.is(http.observation.status, undefined, 'no 503: ztunnel is L4');
      t.deepEqual(journal(http), ['attacker/outbound: upstream-timeout']);
      t.is(http.classification.verdict, 'blocked');
      const postgres = await run('postgres-node-drop');
      t.is(postgres.observation.evidence.postgres?.messages, 0);
      t.regex(postgres.observation.evidence.postgres?.error ?? '', /ECONNRESET/);
      t.deepEqual(journal(postgres), ['attacker/outbound: upstream-timeout']);
      t.is(postgres.classification.verdict, 'blocked');
    },
  );

  h2cTests(lab);

  uncapturedProtocolTests(lab);

  serial(
    "iptables-flush with NET_ADMIN empties the redirect, without it EPERM; quitquitquit finds no Envoy; containerd's default capabilities set the mark; DNS to any address is captured",
    async (t) => {
      const flushed = await run('iptables-flush');
      t.true(flushed.observation.preludes[0]?.ok);
      t.is(flushed.observation.evidence.echo?.name, 'target');
      t.false(flushed.crossedProxy, 'nothing redirected to the ztunnel stand-in');
      t.deepEqual(journal(flushed), []);
      t.is(flushed.classification.verdict, 'reached');
      const denied = await run('iptables-flush-denied');
      t.is(denied.observation.errno, 'EPERM');
      t.is(denied.classification.layer, 'capability');
      const noEnvoy = await run('quitquitquit-no-envoy');
      t.is(noEnvoy.observation.errno, 'ECONNREFUSED');
      t.is(noEnvoy.classification.shape, 'prelude-no-proxy');
      t.is(noEnvoy.classification.verdict, 'blocked');
      const marked = await run('so-mark-default-caps');
      t.is(marked.observation.uid, 0);
      t.true(marked.observation.preludes.some((prelude) => prelude.name === 'so-mark' && prelude.ok));
      t.is(marked.observation.evidence.echo?.name, 'target');
      t.false(marked.crossedProxy);
      t.is(marked.classification.verdict, 'reached');
      const dns = await run('dns-captured');
      // Redirected to 127.0.0.1:15053, where this stand-in runs no DNS proxy: the port-unreachable comes from the pod itself.
      t.is(dns.observation.outcome, 'refused');
      t.is(dns.observation.evidence.dns, undefined, "the target's DNS server never saw the query");
      t.is(dns.classification.verdict, 'blocked');
    },
  );

  lab.everyCaseRan();
}
