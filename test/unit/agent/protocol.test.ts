import test from 'ava';
import { BatchError, parseBatch, parseObservation } from '../../../harness/agent/protocol.ts';

const probe = { id: 'p1', technique: 'tcp', host: '198.18.0.2', port: 8080 };

test('a minimal batch gets the documented defaults', (t) => {
  const batch = parseBatch(JSON.stringify({ probes: [probe] }));
  t.is(batch.concurrency, 64);
  t.is(batch.probes[0]?.timeoutMs, 3000);
  t.deepEqual(batch.probes[0]?.preludes, []);
  t.is(batch.probes[0]?.mark, 0x539);
});

const malformed: [string, unknown, RegExp][] = [
  ['not JSON', '{"probes":', /batch is not JSON/],
  ['no probes', {}, /^invalid batch: probes: /],
  ['a port out of range', { probes: [{ ...probe, port: 70000 }] }, /probes\[0\]\.port: /],
  ['an unknown technique', { probes: [{ ...probe, technique: 'smoke-signal' }] }, /probes\[0\]\.technique: /],
  ['a host that is not IPv4', { probes: [{ ...probe, host: 'db.example' }] }, /probes\[0\]\.host: /],
  [
    'an unknown prelude',
    { probes: [{ ...probe, preludes: ['inject-opt-out'] }] },
    /probes\[0\]\.preludes\[0\]: /,
  ],
  [
    'dns without a name',
    { probes: [{ ...probe, technique: 'dns' }] },
    /probes\[0\]\.dnsName: technique dns needs dnsName/,
  ],
  ['udp-tunnel without a relay', { probes: [{ ...probe, technique: 'udp-tunnel' }] }, /probes\[0\]\.relay: /],
  [
    'postgres on udp',
    { probes: [{ ...probe, technique: 'udp', application: 'postgres' }] },
    /probes\[0\]\.application: /,
  ],
  ['an unknown field', { probes: [{ ...probe, colour: 'red' }] }, /probes\[0\]: .*colour/],
  ['a duplicate id', { probes: [probe, probe] }, /probes\[1\]\.id: duplicate id "p1"/],
  ['a zero concurrency', { probes: [probe], concurrency: 0 }, /concurrency: /],
];

for (const [what, value, message] of malformed) {
  test(`a batch with ${what} is rejected naming the field`, (t) => {
    const error = t.throws(() => parseBatch(typeof value === 'string' ? value : JSON.stringify(value)), {
      instanceOf: BatchError,
    });
    t.regex(error?.message ?? '', message);
  });
}

test('observation lines parse; stray log lines do not', (t) => {
  const line = JSON.stringify({
    id: 'p1',
    technique: 'tcp',
    outcome: 'timeout',
    timings: { startedAt: '2026-01-01T00:00:00.000Z', totalMs: 1000 },
  });
  t.is(parseObservation(line)?.outcome, 'timeout');
  t.deepEqual(parseObservation(line)?.evidence, {});
  t.is(parseObservation('npm warn something'), undefined);
  t.is(parseObservation('{"id":"p1","outcome":"teleported"}'), undefined);
});
