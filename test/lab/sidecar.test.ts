// Every technique against each Istio release's sidecar capture rules the lab holds (1.30.3 and 1.30.5),
// on this kernel, both ways, with stand-in sidecars that forward as Envoy does. Each test asserts on
// what the probe saw and on the stand-ins' journals, so a technique that silently did nothing, or a
// proxy that answered by itself, fails.
import type { Observation } from '../../harness/agent/protocol.ts';
import { sidecarGroup } from '../../harness/lab/lab-cases.ts';
import { labIstioVersions } from '../../harness/lab/rules.ts';
import { h2cTests } from './h2c.ts';
import { uncapturedProtocolTests } from './uncaptured-protocols.ts';
import { journal, labGroupTests, proxied } from './lab-group.ts';

function echoName(observation: Observation): string | undefined {
  return observation.evidence.echo?.name;
}

for (const version of labIstioVersions) {
  const lab = labGroupTests(sidecarGroup, version);
  const { run, address, serial } = lab;

  serial(
    'plain TCP from the meshed pod reaches the destination through the sidecar; without the rules it arrives directly',
    async (t) => {
      const captured = await run('tcp-captured');
      t.is(captured.observation.outcome, 'connected');
      t.is(echoName(captured.observation), 'target');
      t.true(captured.observation.evidence.exchanged);
      t.is(
        captured.observation.evidence.sourceSeen,
        address('attacker'),
        'the outbound side keeps the pod address',
      );
      t.true(captured.crossedProxy);
      t.deepEqual(journal(captured), ['attacker/outbound: relayed']);
      t.is(captured.classification.verdict, 'reached');
      const bare = await run('tcp-unmeshed');
      t.is(echoName(bare.observation), 'target');
      t.true(bare.observation.evidence.exchanged);
      t.false(bare.crossedProxy);
      t.is(bare.classification.verdict, 'reached');
    },
  );

  serial(
    'UDP is not captured, is dropped by the node rule, while DNS to the allowed resolver still works',
    async (t) => {
      const free = await run('udp-not-captured');
      t.is(free.observation.outcome, 'connected');
      t.is(echoName(free.observation), 'target');
      t.is(free.observation.evidence.sourceSeen, address('attacker'));
      t.false(free.crossedProxy);
      const dropped = await run('udp-node-drop');
      t.is(dropped.observation.outcome, 'timeout');
      t.is(dropped.classification.layer, 'network-policy');
      const dns = await run('dns-allowed');
      t.is(dns.observation.outcome, 'connected');
      t.deepEqual(dns.observation.evidence.dns?.answers, [address('target')]);
    },
  );

  serial(
    'run-as-1337 leaves past the sidecar; another UID is captured and forwarded, and cannot become 1337',
    async (t) => {
      const escaped = await run('run-as-1337');
      t.is(escaped.observation.uid, 1337);
      t.is(echoName(escaped.observation), 'target');
      t.false(escaped.crossedProxy);
      t.is(escaped.classification.verdict, 'reached');
      const denied = await run('run-as-1337-denied');
      t.is(denied.observation.outcome, 'prelude-failed');
      t.is(denied.observation.errno, 'EPERM');
      t.is(denied.classification.layer, 'capability');
      const other = await run('uid-1000-captured');
      t.is(other.observation.uid, 1000);
      t.is(echoName(other.observation), 'target');
      t.true(other.crossedProxy);
      t.deepEqual(journal(other), ['attacker/outbound: relayed']);
    },
  );

  serial(
    'raw-syn is still redirected (SYN-ACK over lo); without the rules the destination answers over eth0',
    async (t) => {
      const redirected = await run('raw-syn-redirected');
      t.is(redirected.observation.outcome, 'connected');
      t.is(redirected.observation.evidence.replyInterface, 'lo');
      t.is(redirected.classification.verdict, 'blocked');
      t.false(redirected.crossedProxy, 'a bare SYN never becomes a connection the proxy accepts');
      const direct = await run('raw-syn-unmeshed');
      t.is(direct.observation.evidence.replyInterface, 'eth0');
      t.is(direct.observation.evidence.replyTtl, 63, 'one hop through the node namespace');
    },
  );

  serial('packet-syn escapes the pod rules but is dropped by a node-side rule', async (t) => {
    const escaped = await run('packet-syn-escapes');
    t.is(escaped.observation.outcome, 'connected');
    t.is(escaped.observation.evidence.replyInterface, 'eth0');
    t.is(escaped.observation.evidence.replyFlags, 'SYN+ACK');
    t.is(escaped.classification.verdict, 'reached');
    const dropped = await run('packet-syn-node-drop');
    t.is(dropped.observation.outcome, 'timeout');
    t.is(dropped.classification.verdict, 'blocked');
  });

  serial(
    'envoy-quitquitquit: root hijacks 15001 and leaves unproxied; UID 1000 stops the proxy but cannot hijack',
    async (t) => {
      const startsBefore = lab.started().standIn.starts;
      const hijack = await run('envoy-hijack');
      t.is(hijack.observation.outcome, 'connected');
      t.is(echoName(hijack.observation), 'target');
      t.false(hijack.crossedProxy);
      t.true(hijack.observation.preludes[0]?.ok);
      t.regex(hijack.observation.preludes[0]?.detail ?? '', /proxy stopped/);
      const denied = await run('envoy-hijack-denied');
      t.is(denied.observation.outcome, 'prelude-failed');
      t.is(denied.observation.errno, 'EPERM');
      t.regex(denied.observation.step ?? '', /become UID 1337/);
      // The supervisor brought the stand-in back after each stop, as kubelet would.
      await lab.started().standIn.ready(15_000);
      t.true(lab.started().standIn.starts >= startsBefore + 2);
      const recaptured = await run('tcp-captured');
      t.true(recaptured.crossedProxy);
      t.is(echoName(recaptured.observation), 'target');
    },
  );

  serial('udp-tunnel carries a TCP exchange past a node rule that blocks the TCP flow', async (t) => {
    const direct = await run('tcp-node-drop');
    t.is(direct.observation.outcome, 'timeout');
    const tunnel = await run('udp-tunnel');
    t.is(tunnel.observation.outcome, 'connected');
    t.is(echoName(tunnel.observation), 'target');
    t.true(tunnel.observation.evidence.exchanged);
    t.is(tunnel.observation.evidence.sourceSeen, address('outside'), 'the relay opened the flow');
  });

  serial(
    'iptables-flush fails without NET_ADMIN and escapes capture with it; the rules are back after',
    async (t) => {
      const denied = await run('iptables-flush-denied');
      t.is(denied.observation.outcome, 'prelude-failed');
      t.is(denied.observation.errno, 'EPERM');
      const flushed = await run('iptables-flush');
      t.is(flushed.observation.outcome, 'connected');
      t.is(echoName(flushed.observation), 'target');
      t.false(flushed.crossedProxy);
      const recaptured = await run('tcp-captured');
      t.true(recaptured.crossedProxy, 'the case put the capture rules back');
    },
  );

  serial(
    "through both sidecars the destination's echo sees Envoy's inbound source 127.0.0.6, for TCP and HTTP",
    async (t) => {
      const tcp = await run('tcp-through-sidecars');
      t.is(echoName(tcp.observation), 'meshed-target');
      t.is(tcp.observation.evidence.sourceSeen, '127.0.0.6');
      t.true(tcp.observation.evidence.crossedProxy, "the echo's own reading: its peer was 127.0.0.6");
      t.true(tcp.observation.evidence.exchanged);
      t.deepEqual(journal(tcp), ['attacker/outbound: relayed', 'meshed-target/inbound: relayed']);
      t.is(tcp.classification.verdict, 'reached');
      const http = await run('http-through-sidecars');
      t.is(http.observation.outcome, 'http');
      t.is(http.observation.status, 200);
      t.is(echoName(http.observation), 'meshed-target');
      t.is(http.observation.evidence.sourceSeen, '127.0.0.6');
      t.deepEqual(journal(http), ['attacker/outbound: relayed', 'meshed-target/inbound: relayed']);
      t.is(
        proxied(http, 'attacker')?.outcome?.protocol,
        'http',
        'the HTTP-declared port took the HTTP chain',
      );
      t.is(http.classification.verdict, 'reached');
    },
  );

  serial(
    'a node-side drop behind the sidecar: connected then silent, or cut without a byte once the sidecar gives up',
    async (t) => {
      const silent = await run('tcp-node-drop-silent');
      t.is(silent.observation.outcome, 'connected', 'the sidecar accepted at once');
      t.true(silent.observation.evidence.silent);
      t.is(echoName(silent.observation), undefined);
      t.deepEqual(
        journal(silent),
        ['attacker/outbound: downstream-closed'],
        'the probe left; Envoy cancelled',
      );
      t.is(silent.classification.verdict, 'blocked');
      const gaveUp = await run('tcp-node-drop-proxy-gives-up');
      // tcp_proxy leaves the client's bytes unread until the upstream connects; closing over them is a
      // reset, and the agent writes first (harness/agent/serve/tcp-echo.ts).
      t.is(
        gaveUp.observation.outcome,
        'reset',
        'a reset: the probe had spoken and the sidecar never read it',
      );
      t.is(echoName(gaveUp.observation), undefined);
      t.deepEqual(journal(gaveUp), ['attacker/outbound: upstream-timeout']);
      t.is(proxied(gaveUp, 'attacker')?.outcome?.bytes.toDownstream, 0);
      const openFor = gaveUp.observation.timings.totalMs;
      t.true(openFor > 1100 && openFor < 2900, `closed when the 1.2 s connect timeout ended (${openFor} ms)`);
      t.is(gaveUp.classification.verdict, 'blocked');
    },
  );

  serial(
    "an L4 AuthorizationPolicy: network RBAC decides on the client's first bytes and closes, EOF, blocked at mesh-l4",
    async (t) => {
      const denied = await run('tcp-l4-deny');
      t.is(denied.observation.outcome, 'connected');
      t.true(denied.observation.evidence.closedAfterConnect, 'EOF: RBAC read our line, then closed');
      t.is(echoName(denied.observation), undefined, 'the client-first echo never spoke');
      const inbound = proxied(denied, 'meshed-target');
      t.is(inbound?.outcome?.result, 'denied');
      t.is(inbound?.outcome?.bytes.fromDownstream, 0, 'none of the client bytes reached the app');
      t.is(inbound?.outcome?.bytes.toDownstream, 0, 'nothing of the app came back');
      t.is(denied.classification.verdict, 'blocked');
      t.is(denied.classification.layer, 'mesh-l4', 'closed soon after connect: a decision, not a give-up');
      const clientFirst = await run('http-as-tcp-l4-deny');
      t.true(clientFirst.observation.evidence.closedAfterConnect);
      t.regex(
        clientFirst.observation.message ?? '',
        /socket hang up/,
        'EOF before any response byte, no reset',
      );
      t.is(clientFirst.observation.status, undefined);
      t.is(proxied(clientFirst, 'meshed-target')?.outcome?.result, 'denied');
      t.is(proxied(clientFirst, 'meshed-target')?.outcome?.bytes.fromDownstream, 0);
      t.is(clientFirst.classification.verdict, 'blocked');
    },
  );

  serial(
    'an AuthorizationPolicy on an HTTP port: 403 "RBAC: access denied" from the inbound sidecar',
    async (t) => {
      const denied = await run('http-l7-deny');
      t.is(denied.observation.outcome, 'http');
      t.is(denied.observation.status, 403);
      t.is(denied.observation.server, 'istio-envoy');
      t.is(denied.observation.evidence.body, 'RBAC: access denied');
      t.is(echoName(denied.observation), undefined);
      t.is(proxied(denied, 'meshed-target')?.outcome?.status, 403);
      t.is(denied.classification.verdict, 'blocked');
      t.is(denied.classification.layer, 'mesh-l7');
    },
  );

  serial(
    'HTTP under a node-side drop: the outbound sidecar answers 503 itself after its retries',
    async (t) => {
      const failed = await run('http-node-drop-503');
      t.is(failed.observation.outcome, 'http');
      t.is(failed.observation.status, 503);
      t.is(failed.observation.server, 'envoy');
      t.is(
        failed.observation.evidence.body,
        'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection timeout',
      );
      t.is(echoName(failed.observation), undefined);
      t.is(proxied(failed, 'attacker')?.outcome?.result, 'upstream-timeout');
      t.true(failed.observation.timings.totalMs >= 1200, 'three connect attempts of 400 ms');
      t.is(failed.classification.verdict, 'blocked');
    },
  );

  serial(
    'PostgreSQL under a node-side drop: the sidecar never read the startup message, so its close is a reset',
    async (t) => {
      const dropped = await run('postgres-node-drop');
      t.is(dropped.observation.evidence.postgres?.messages, 0);
      t.false(dropped.observation.evidence.postgres?.authenticated);
      t.regex(dropped.observation.evidence.postgres?.error ?? '', /ECONNRESET/);
      t.deepEqual(journal(dropped), ['attacker/outbound: upstream-timeout']);
      t.is(proxied(dropped, 'attacker')?.outcome?.bytes.fromDownstream, 0);
      t.is(dropped.classification.verdict, 'blocked');
    },
  );

  h2cTests(lab);

  uncapturedProtocolTests(lab);

  serial(
    'GID 1337 alone is exempt; raw and packet sockets need NET_RAW; a raw SYN is still TCP to the node; DNS is not captured',
    async (t) => {
      const gid = await run('gid-1337');
      t.is(gid.observation.uid, 1000);
      t.is(gid.observation.evidence.echo?.name, 'target');
      t.is(gid.observation.evidence.sourceSeen, lab.address('attacker'));
      t.false(gid.crossedProxy, 'the --gid-owner 1337 exemption: no stand-in saw it');
      t.deepEqual(journal(gid), []);
      t.is(gid.classification.verdict, 'reached');
      for (const id of ['raw-syn-denied', 'packet-syn-denied']) {
        const denied = await run(id);
        t.is(denied.observation.outcome, 'prelude-failed', id);
        t.is(denied.observation.errno, 'EPERM', id);
        t.regex(denied.observation.step ?? '', /^socket\(AF_(INET|PACKET), SOCK_RAW/, id);
        t.is(denied.classification.layer, 'capability', id);
      }
      const dropped = await run('raw-syn-node-drop');
      t.is(dropped.observation.outcome, 'timeout');
      t.is(dropped.observation.evidence.replyFlags, undefined, 'no SYN-ACK and no RST');
      t.is(dropped.classification.verdict, 'blocked');
      t.is(dropped.classification.layer, 'network-policy');
      const dns = await run('dns-not-captured');
      t.is(dns.observation.outcome, 'connected');
      t.deepEqual(
        dns.observation.evidence.dns?.answers,
        [lab.address('target')],
        "the target's own DNS server answered",
      );
      t.deepEqual(journal(dns), []);
      t.is(dns.classification.verdict, 'reached');
    },
  );

  lab.everyCaseRan();
}
