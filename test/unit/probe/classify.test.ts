// The classifier reads denials the way DESIGN.md "Lessons" and Istio's Forbidden checker do.
import test from 'ava';
import { classify } from '../../../harness/probe/classify.ts';
import type { ObservationLike } from '../../../harness/probe/classify.ts';
import type { Layer, Verdict } from '../../../harness/model/verdict.ts';

const base = { id: 'p', technique: 'tcp' };
const echo = {
  service: 'gauntlet-echo',
  kind: 'tcp',
  name: 'target',
  peer: { address: '10.0.0.7', port: 4000 },
  local: { address: '10.0.0.9', port: 8080 },
};

const cases: [string, ObservationLike, Verdict, Layer | undefined, RegExp][] = [
  [
    'an echo from the destination',
    { ...base, outcome: 'connected', evidence: { echo, sourceSeen: '10.0.0.7', crossedProxy: false } },
    'reached',
    undefined,
    /answered by target, which saw source 10\.0\.0\.7/,
  ],
  [
    'a proxy stand-in answering',
    { ...base, outcome: 'connected', evidence: { answeredByProxy: true } },
    'blocked',
    'mesh-l4',
    /captured/,
  ],
  [
    'EOF right after connect (Envoy TCP deny)',
    { ...base, outcome: 'connected', evidence: { closedAfterConnect: true } },
    'blocked',
    'mesh-l4',
    /EOF/,
  ],
  [
    'HTTP 403 RBAC: access denied',
    {
      ...base,
      technique: 'http',
      outcome: 'http',
      status: 403,
      server: 'envoy',
      evidence: { body: 'RBAC: access denied' },
    },
    'blocked',
    'mesh-l7',
    /RBAC/,
  ],
  [
    'HTTP 403 from the app itself',
    { ...base, technique: 'http', outcome: 'http', status: 403, evidence: { body: 'forbidden by app' } },
    'reached',
    undefined,
    /HTTP 403/,
  ],
  [
    'HTTP 503 upstream connect timeout',
    {
      ...base,
      technique: 'http',
      outcome: 'http',
      status: 503,
      evidence: {
        body: 'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
      },
    },
    'blocked',
    'network-policy',
    /503/,
  ],
  ['a reset (ztunnel)', { ...base, outcome: 'reset' }, 'blocked', 'mesh-l4', /reset/],
  ['a timeout', { ...base, outcome: 'timeout' }, 'blocked', 'network-policy', /dropped/],
  ['refused', { ...base, outcome: 'refused' }, 'blocked', undefined, /nothing listens|REJECT/],
  [
    'prelude EPERM',
    { ...base, outcome: 'prelude-failed', errno: 'EPERM', step: 'so-mark: setsockopt(SO_MARK=0x539)' },
    'blocked',
    'capability',
    /EPERM at so-mark/,
  ],
  [
    'prelude EADDRINUSE',
    { ...base, outcome: 'prelude-failed', errno: 'EADDRINUSE', step: 'bind 15001' },
    'blocked',
    undefined,
    /busy/,
  ],
  [
    'prelude ENOENT (no iptables)',
    { ...base, outcome: 'prelude-failed', errno: 'ENOENT', step: 'run iptables' },
    'inconclusive',
    undefined,
    /ENOENT/,
  ],
  ['denied at admission', { ...base, outcome: 'denied-at-admission' }, 'blocked', 'admission', /admission/],
  [
    'an agent error',
    { ...base, outcome: 'error', message: 'python3 missing' },
    'inconclusive',
    undefined,
    /python3 missing/,
  ],
  [
    'raw-syn answered over lo',
    { ...base, technique: 'raw-syn', outcome: 'connected', evidence: { replyInterface: 'lo' } },
    'blocked',
    'mesh-l4',
    /redirected/,
  ],
  [
    'packet-syn answered over eth0',
    { ...base, technique: 'packet-syn', outcome: 'connected', evidence: { replyInterface: 'eth0' } },
    'reached',
    undefined,
    /eth0/,
  ],
  [
    'a blind forged TCP SYN',
    { ...base, technique: 'spoof-source', outcome: 'timeout', evidence: { blind: true } },
    'inconclusive',
    undefined,
    /blind/,
  ],
  [
    'a forged UDP datagram that arrived',
    {
      ...base,
      technique: 'spoof-source',
      outcome: 'connected',
      evidence: { echo, sourceSeen: '169.254.7.127' },
    },
    'reached',
    undefined,
    /169\.254\.7\.127/,
  ],
  [
    'a database query with rows',
    {
      ...base,
      outcome: 'connected',
      evidence: { postgres: { authenticated: true, rows: [['app', '1.2.3.4']] } },
    },
    'reached',
    undefined,
    /ran a query/,
  ],
  ['an unknown outcome', { ...base, outcome: 'teleported' }, 'inconclusive', undefined, /unknown outcome/],
];

for (const [what, observation, verdict, layer, reason] of cases) {
  test(`${what} reads as ${verdict}${layer ? ` by ${layer}` : ''}`, (t) => {
    const result = classify(observation);
    t.is(result.verdict, verdict);
    t.is(result.layer, layer);
    t.regex(result.reason, reason);
  });
}

test('the probe context wins over the technique the observation names', (t) => {
  const result = classify(
    { id: 'p', outcome: 'timeout', evidence: { blind: true } },
    { technique: 'spoof-source' },
  );
  t.is(result.verdict, 'inconclusive');
});
