// The one rule for `reached`, row by row: every shape of the rule table has an example observation
// as the agent really reports it, every technique the row names gives the row's verdict, every
// other technique is a harness fault (inconclusive), and every reached flow carries the
// destination's own answer.
import test from 'ava';
import { DestinationAnswer, describeAnswer } from '../../../harness/model/destination-answer.ts';
import { techniques } from '../../../harness/model/technique.ts';
import type { Technique } from '../../../harness/model/technique.ts';
import type { Layer } from '../../../harness/model/verdict.ts';
import { classify } from '../../../harness/probe/classify.ts';
import type { ObservationLike, ObservationShape } from '../../../harness/probe/observation-shape.ts';
import { observationShapes, readShape } from '../../../harness/probe/observation-shape.ts';
import { denyCloseWithinMs, reachRules } from '../../../harness/probe/reach-rules.ts';

const echo = {
  service: 'gauntlet-echo',
  kind: 'tcp',
  name: 'target',
  peer: { address: '10.0.0.7', port: 4000 },
  local: { address: '10.0.0.9', port: 8080 },
};
const timings = (totalMs: number, connectMs?: number) => ({
  startedAt: '2026-11-29T00:00:00.000Z',
  totalMs,
  ...(connectMs !== undefined ? { connectMs } : {}),
});

interface Example {
  observation: { outcome: string; [field: string]: unknown };
  /** What the plan knows of the destination, when the row needs it. */
  destination?: { destinationEcho: true };
  /** The layer the row gives for this example (rows may compute it). */
  layer?: Layer;
  reason: RegExp;
}

/** One observation per shape, the way the agent writes it (harness/agent/techniques/*). */
const examples: Record<ObservationShape, Example> = {
  echo: {
    observation: {
      outcome: 'connected',
      evidence: { echo, sourceSeen: '10.0.0.7', crossedProxy: false, exchanged: true },
    },
    reason: /: tcp echo "target", saw source 10\.0\.0\.7, no proxy mark seen, echoed our line$/,
  },
  'icmp-echo-reply': {
    observation: {
      outcome: 'connected',
      evidence: { icmp: { type: 0, code: 0, from: '10.0.0.9', socket: 'raw', ttl: 63 } },
    },
    reason:
      /ICMP echo request from its own address.*ICMP echo reply from 10\.0\.0\.9 \(TTL 63\) to a raw socket/,
  },
  'http-status': {
    observation: { outcome: 'http', status: 200, server: 'kube-proxy', evidence: { body: 'ok' } },
    reason: /HTTP 200 status line.*from server "kube-proxy"/,
  },
  'tls-answer': {
    observation: {
      outcome: 'connected',
      evidence: { tls: { answer: 'handshake', protocol: 'TLSv1.3', subject: 'kube-apiserver' } },
    },
    reason: /ClientHello.*TLS handshake \(TLSv1\.3\), certificate CN=kube-apiserver/,
  },
  'postgres-answer': {
    observation: {
      outcome: 'connected',
      evidence: { postgres: { authenticated: true, rows: [['app', '1.2.3.4']], messages: 12 } },
    },
    reason: /PostgreSQL protocol.*ran the query and sent 1 row/,
  },
  'dns-reply': {
    observation: { outcome: 'connected', evidence: { dns: { rcode: 0, answers: ['10.96.0.1'] } } },
    reason: /resolver answered.*rcode 0: 10\.96\.0\.1/,
  },
  'syn-ack-network': {
    observation: { outcome: 'connected', evidence: { replyInterface: 'eth0', replyTtl: 63 } },
    reason: /SYN-ACK.*via eth0 \(TTL 63\)/,
  },
  banner: {
    observation: { outcome: 'connected', evidence: { body: 'SSH-2.0-OpenSSH_9.2' } },
    reason: /spoke first.*SSH-2\.0/,
  },
  'http-rbac-denied': {
    observation: { outcome: 'http', status: 403, server: 'envoy', evidence: { body: 'RBAC: access denied' } },
    layer: 'mesh-l7',
    reason: /RBAC/,
  },
  'http-proxy-failed': {
    observation: {
      outcome: 'http',
      status: 503,
      server: 'envoy',
      evidence: {
        body: 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
      },
    },
    layer: 'network-policy',
    reason: /HTTP 503 from the proxy, not the destination/,
  },
  'http-not-the-echo': {
    // Envoy's HTTP/1 codec refusing a method token, on a port a gauntlet echo serves.
    observation: { outcome: 'http', status: 400, server: 'istio-envoy', evidence: { body: 'Bad Request' } },
    destination: { destinationEcho: true },
    layer: 'mesh-l7',
    reason: /HTTP 400 from server "istio-envoy", not from the gauntlet echo/,
  },
  'syn-ack-loopback': {
    observation: { outcome: 'connected', evidence: { replyInterface: 'lo' } },
    layer: 'mesh-l4',
    reason: /redirected/,
  },
  'postgres-no-answer': {
    observation: {
      outcome: 'connected',
      evidence: {
        postgres: { authenticated: false, error: 'no complete answer before the deadline', messages: 0 },
      },
    },
    layer: 'network-policy',
    reason: /destination never answered: no PostgreSQL message/,
  },
  'accepted-silent': {
    observation: { outcome: 'connected', evidence: { silent: true }, timings: timings(3000, 1) },
    layer: 'network-policy',
    reason: /accepted .* destination never answered before the probe's deadline/,
  },
  'accepted-closed': {
    observation: { outcome: 'connected', evidence: { closedAfterConnect: true }, timings: timings(12, 2) },
    layer: 'mesh-l4',
    reason: /closed without a byte 10 ms after connect \(EOF\)/,
  },
  'accepted-nothing': {
    observation: { outcome: 'connected', evidence: {} },
    reason: /connected, and nothing came back that only the destination could send/,
  },
  reset: { observation: { outcome: 'reset', errno: 'ECONNRESET' }, layer: 'mesh-l4', reason: /reset/ },
  refused: { observation: { outcome: 'refused' }, reason: /nothing listens|REJECT/ },
  unreachable: { observation: { outcome: 'unreachable', errno: 'EHOSTUNREACH' }, reason: /EHOSTUNREACH/ },
  'connect-timeout': {
    observation: { outcome: 'timeout', step: 'connect' },
    layer: 'network-policy',
    reason: /dropped/,
  },
  'blind-forgery': { observation: { outcome: 'timeout', evidence: { blind: true } }, reason: /blind/ },
  'prelude-denied': {
    observation: { outcome: 'prelude-failed', errno: 'EPERM', step: 'so-mark: setsockopt(SO_MARK=0x539)' },
    layer: 'capability',
    reason: /EPERM at so-mark/,
  },
  'prelude-port-busy': {
    observation: { outcome: 'prelude-failed', errno: 'EADDRINUSE', step: 'bind 15001' },
    reason: /busy/,
  },
  'prelude-no-proxy': {
    observation: {
      outcome: 'prelude-failed',
      errno: 'ECONNREFUSED',
      step: 'envoy-quitquitquit: POST 127.0.0.1:15000/quitquitquit',
      message: 'connect ECONNREFUSED 127.0.0.1:15000',
    },
    reason: /refused at POST 127\.0\.0\.1:15000\/quitquitquit: no proxy listens there/,
  },
  'prelude-failed': {
    observation: { outcome: 'prelude-failed', errno: 'ENOENT', step: 'run iptables' },
    reason: /ENOENT/,
  },
  'denied-at-admission': {
    observation: { outcome: 'denied-at-admission' },
    layer: 'admission',
    reason: /admission/,
  },
  'probe-error': { observation: { outcome: 'error', message: 'python3 missing' }, reason: /python3 missing/ },
  'unknown-outcome': { observation: { outcome: 'teleported' }, reason: /does not know/ },
};

test('the table has exactly one row per shape', (t) => {
  t.deepEqual(
    reachRules.map((rule) => rule.shape),
    [...new Set(reachRules.map((rule) => rule.shape))],
  );
  t.deepEqual([...reachRules.map((rule) => rule.shape)].sort(), [...observationShapes].sort());
});

for (const rule of reachRules) {
  test(`row ${rule.shape}: ${rule.verdict} for ${rule.techniques.join(', ')}; a harness fault for the rest`, (t) => {
    const example = examples[rule.shape];
    for (const technique of techniques) {
      const observation: ObservationLike = { id: 'p', technique, ...example.observation };
      const shape = readShape(observation, technique, example.destination).shape;
      const result = classify(observation, { technique, ...example.destination });
      if (!rule.techniques.includes(technique)) {
        // The technique cannot produce this shape (or reads the same evidence as another shape).
        if (shape === rule.shape) t.is(result.verdict, 'inconclusive', `${technique}: ${result.reason}`);
        continue;
      }
      t.is(shape, rule.shape, `${technique} reads the example as ${rule.shape}`);
      t.is(result.verdict, rule.verdict, `${technique}: ${result.reason}`);
      t.is(result.layer, example.layer, `${technique}: layer`);
      // The reason, and for a reached flow the destination's answer as reports show it beside it.
      const said = result.answer ? `${result.reason}: ${describeAnswer(result.answer)}` : result.reason;
      t.regex(said, example.reason, technique);
      if (result.verdict === 'reached') {
        t.truthy(result.answer, `${technique}: a reached flow carries the destination's answer`);
        t.true(
          DestinationAnswer.safeParse(result.answer).success,
          `${technique}: the answer fits its schema`,
        );
      } else t.is(result.answer, undefined, `${technique}: only reached flows carry an answer`);
    }
  });
}

test('the defects the review found: a proxy that accepted is never the destination', (t) => {
  const acceptedThen = (evidence: Record<string, unknown>, technique: Technique = 'tcp') =>
    classify({ id: 'p', technique, outcome: 'connected', evidence, timings: timings(3000, 1) });
  t.is(acceptedThen({ silent: true }).verdict, 'blocked', 'silence after the accept');
  t.is(acceptedThen({}).verdict, 'blocked', 'a bare connected');
  t.is(acceptedThen({ closedAfterConnect: true }).verdict, 'blocked', 'closed without a byte');
  t.is(
    acceptedThen({ postgres: { authenticated: false, error: 'no complete answer before the deadline' } })
      .verdict,
    'blocked',
    "PostgreSQL's no complete answer (evidence from before messages were counted)",
  );
  t.is(acceptedThen({ silent: true }, 'udp-tunnel').verdict, 'blocked', 'the same through the tunnel');
  t.is(
    classify({ id: 'p', technique: 'http', outcome: 'timeout', step: 'response' }).verdict,
    'blocked',
    'an HTTP request accepted and never answered',
  );
  // A stand-in that answers with its own report is not the destination either.
  t.is(acceptedThen({ echo: { ...echo, service: 'gauntlet-proxy-stand-in' }, body: '' }).verdict, 'blocked');
});

test('a close without a byte: soon after connect reads as a deny, late as a failed upstream', (t) => {
  const closedAfter = (openForMs: number) =>
    classify({
      id: 'p',
      technique: 'tcp',
      outcome: 'connected',
      evidence: { closedAfterConnect: true },
      timings: timings(openForMs + 5, 5),
    });
  t.is(closedAfter(denyCloseWithinMs - 1).layer, 'mesh-l4');
  const late = closedAfter(10_000);
  t.is(late.verdict, 'blocked');
  t.is(late.layer, 'network-policy');
  t.regex(late.reason, /after 10000 ms, as a proxy does when its upstream connect fails/);
});

test("an HTTP 403 from the app itself is the app answering; a 503 that is not Envoy's is too", (t) => {
  const app403 = classify({
    id: 'p',
    technique: 'http',
    outcome: 'http',
    status: 403,
    evidence: { body: 'forbidden by app' },
  });
  t.is(app403.verdict, 'reached');
  t.deepEqual(app403.answer, { kind: 'http', status: 403 });
  const app503 = classify({
    id: 'p',
    technique: 'http',
    outcome: 'http',
    status: 503,
    evidence: { body: 'maintenance' },
  });
  t.is(app503.verdict, 'reached');
});

test('a TLS alert is the server answering; a reset during the handshake is not', (t) => {
  const alert = classify({
    id: 'p',
    technique: 'tcp',
    outcome: 'connected',
    evidence: { tls: { answer: 'alert', detail: 'tlsv1 alert protocol version' } },
  });
  t.is(alert.verdict, 'reached');
  t.like(alert.answer, { kind: 'tls', answer: 'alert' });
  t.is(classify({ id: 'p', technique: 'tcp', outcome: 'reset', errno: 'ECONNRESET' }).verdict, 'blocked');
});

test('the probe context wins over the technique the observation names', (t) => {
  const result = classify(
    { id: 'p', outcome: 'timeout', evidence: { blind: true } },
    { technique: 'spoof-source' },
  );
  t.is(result.verdict, 'inconclusive');
  t.is(result.shape, 'blind-forgery');
});

test('quitquitquit refused where no Envoy runs is blocked (nothing to stop); refused elsewhere is still a harness fault', (t) => {
  const refusedAt = (step: string) =>
    classify({ id: 'p', technique: 'tcp', outcome: 'prelude-failed', errno: 'ECONNREFUSED', step });
  const ambient = refusedAt('envoy-quitquitquit: POST 127.0.0.1:15000/quitquitquit');
  t.is(ambient.shape, 'prelude-no-proxy');
  t.is(ambient.verdict, 'blocked');
  t.is(ambient.layer, undefined, 'no layer stopped it: the attack had no target');
  t.is(refusedAt('envoy-quitquitquit: POST 127.0.0.1:15099/quitquitquit').shape, 'prelude-no-proxy');
  // The same errno at another step is not the admin port answering "nobody home".
  t.is(refusedAt('envoy-quitquitquit: forwarder start').verdict, 'inconclusive');
  t.is(refusedAt('iptables-flush: run iptables').verdict, 'inconclusive');
  // A proxy that is there and refuses the POST (an HTTP status) is not this shape either.
  t.is(
    classify({
      id: 'p',
      technique: 'tcp',
      outcome: 'prelude-failed',
      errno: 'HTTP_403',
      step: 'envoy-quitquitquit: POST 127.0.0.1:15000/quitquitquit',
    }).verdict,
    'inconclusive',
  );
});

test('on a port a gauntlet echo serves, an HTTP answer without its identity is not the destination', (t) => {
  const envoy400 = {
    id: 'p',
    technique: 'http',
    outcome: 'http',
    status: 400,
    server: 'istio-envoy',
    evidence: {},
  };
  t.is(
    classify(envoy400, { technique: 'http' }).verdict,
    'reached',
    'a server that is not ours: its status line',
  );
  const onEcho = classify(envoy400, { technique: 'http', destinationEcho: true });
  t.is(onEcho.verdict, 'blocked');
  t.is(onEcho.layer, 'mesh-l7');
  const other = classify({ ...envoy400, server: 'nginx' }, { technique: 'http', destinationEcho: true });
  t.is(other.verdict, 'blocked');
  t.is(other.layer, undefined, 'not Envoy: no layer claimed');
  const echoAnswer = classify(
    { ...envoy400, status: 200, server: 'gauntlet-echo', evidence: { echo: { ...echo, kind: 'http' } } },
    { technique: 'http', destinationEcho: true },
  );
  t.is(echoAnswer.verdict, 'reached', "the echo's own answer still is");
});

test("a close soon after connect is a deny even when preludes took seconds: open time counts from the technique's start", (t) => {
  const afterHijack = {
    id: 'p',
    technique: 'tcp',
    outcome: 'connected',
    preludes: [{ name: 'envoy-quitquitquit', ok: true }],
    evidence: { closedAfterConnect: true },
    // 4 s of quitquitquit and hijack, then a connect of 2 ms and a close 30 ms later.
    timings: { startedAt: '2026-11-29T00:00:00.000Z', totalMs: 4032, techniqueMs: 32, connectMs: 2 },
  };
  const judged = classify(afterHijack, { technique: 'tcp' });
  t.is(judged.verdict, 'blocked');
  t.is(judged.layer, 'mesh-l4', judged.reason);
  const { techniqueMs: _techniqueMs, ...older } = afterHijack.timings;
  t.is(
    classify({ ...afterHijack, timings: older }, { technique: 'tcp' }).layer,
    'network-policy',
    'without techniqueMs (older results) the probe start is all there is',
  );
});
