// Every probe a scenario can declare becomes a batch entry the agent accepts (its own schema).
import test from 'ava';
import { Batch } from '../../../harness/agent/protocol.ts';
import { Probe } from '../../../harness/model/scenario.ts';
import { techniques } from '../../../harness/model/technique.ts';
import type { PlannedProbe } from '../../../harness/plan/plan-probes.ts';
import { agentProbeRequest } from '../../../harness/probe/agent-request.ts';
import { batchTimeoutMs, parseObservationLine } from '../../../harness/probe/agent-exec.ts';
import type { PreparedProbe } from '../../../harness/probe/agent-client.ts';

const extra: Record<string, Record<string, unknown>> = {
  http: { http: { method: 'POST', path: '/admin', headers: { 'x-test': '1' } } },
  dns: { dns: { name: 'kubernetes.default.svc.cluster.local' } },
  'udp-tunnel': { tunnel: { relay: 'outside' } },
  'spoof-source': { spoof: { source: '169.254.7.127' } },
  tcp: { application: 'postgres', preludes: ['run-as-1337', 'inject-opt-out'] },
};

function prepared(technique: string): PreparedProbe {
  const probe = Probe.parse({
    id: `p-${technique}`,
    from: 'attacker',
    to: { workload: 'web' },
    technique,
    ...extra[technique],
  });
  const planned = { probe, testId: `s/x/v/${probe.id}` } as unknown as PlannedProbe;
  return {
    attemptId: `${probe.id}#1`,
    attempt: 1,
    planned,
    host: '10.96.0.10',
    port: 8080,
    ...(technique === 'udp-tunnel' ? { relay: { host: '172.18.0.5', port: 4789 } } : {}),
    ...(technique === 'dns' ? { dnsName: 'kubernetes.default.svc.cluster.local' } : {}),
  };
}

test('every technique yields a request the agent accepts', (t) => {
  const batch = { probes: techniques.map((technique) => agentProbeRequest(prepared(technique))) };
  const parsed = Batch.safeParse(batch);
  t.true(parsed.success, JSON.stringify(parsed.error?.issues));
});

test('admission-time preludes stay out of the batch; application probes log in', (t) => {
  const request = agentProbeRequest(prepared('tcp'));
  t.deepEqual(request.preludes, ['run-as-1337']);
  t.like(request, { application: 'postgres', user: 'postgres', database: 'postgres' });
  t.like(agentProbeRequest(prepared('http')), {
    http: { method: 'POST', path: '/admin', headers: { 'x-test': '1' } },
  });
});

test('the HTTP version and the method as written reach the agent: HTTP/1.1 unless asked', (t) => {
  const request = (http: Record<string, unknown>) =>
    agentProbeRequest({
      attemptId: 'h2#1',
      attempt: 1,
      planned: {
        probe: Probe.parse({ id: 'h2', from: 'attacker', to: { workload: 'web' }, technique: 'http', http }),
        testId: 's/x/v/h2',
      } as unknown as PlannedProbe,
      host: '10.96.0.10',
      port: 8080,
    });
  const h2 = Batch.parse({ probes: [request({ method: 'delete', version: '2' })] }).probes[0]?.http;
  t.like(h2, { method: 'delete', version: '2' });
  t.is(Batch.parse({ probes: [request({})] }).probes[0]?.http?.version, '1.1');
});

test("the spoofed packet's protocol reaches the agent: udp by default, tcp when asked", (t) => {
  const spoofing = (spoof: Record<string, unknown>) => {
    const probe = Probe.parse({
      id: 'spoof',
      from: 'attacker',
      to: { workload: 'web' },
      technique: 'spoof-source',
      spoof,
    });
    return agentProbeRequest({
      attemptId: 'spoof#1',
      attempt: 1,
      planned: { probe, testId: 's/x/v/spoof' } as unknown as PlannedProbe,
      host: '10.244.1.7',
      port: 5353,
    });
  };
  t.deepEqual(spoofing({ source: '169.254.7.127' }).spoof, { source: '169.254.7.127', protocol: 'udp' });
  const tcp = spoofing({ source: '169.254.7.127', protocol: 'tcp' });
  t.deepEqual(tcp.spoof, { source: '169.254.7.127', protocol: 'tcp' });
  // The agent reads it as sent (it would otherwise fall back to its own default).
  t.is(Batch.parse({ probes: [tcp] }).probes[0]?.spoof?.protocol, 'tcp');
});

test('observation lines are parsed; anything else is ignored', (t) => {
  const line = JSON.stringify({
    id: 'a#1',
    technique: 'tcp',
    outcome: 'timeout',
    timings: { startedAt: '2026-11-23T09:00:00.000Z', totalMs: 1000 },
  });
  t.like(parseObservationLine(line), { id: 'a#1', outcome: 'timeout', timings: { totalMs: 1000 } });
  t.is(parseObservationLine('{"id":"a#1","outcome":"timeout"}'), undefined, 'not the agent schema');
  t.is(parseObservationLine('agent: starting'), undefined);
  t.is(parseObservationLine('{"id":1}'), undefined);
  t.is(parseObservationLine('{broken'), undefined);
});

test('a batch may take the slowest probe twice plus slack', (t) => {
  t.is(batchTimeoutMs([prepared('tcp'), prepared('udp')]), 3000 * 2 + 30_000);
});
