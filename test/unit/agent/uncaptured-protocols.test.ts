// icmp, sctp and ip-protocol on loopback, through the agent's own code (runProbe, serve): the
// destination's answer is what makes them reached, a missing privilege is a capability denial, and a
// kernel without SCTP is a harness error, never a verdict. Raw sockets need CAP_NET_RAW: as another
// user the tests check that denial instead.
import { describeAnswer } from '../../../harness/model/destination-answer.ts';
import { existsSync } from 'node:fs';
import test from 'ava';
import { ProbeRequest } from '../../../harness/agent/protocol.ts';
import { runProbe } from '../../../harness/agent/run-probe.ts';
import { serve } from '../../../harness/agent/serve/serve.ts';
import { classify } from '../../../harness/probe/classify.ts';

const isRoot = process.geteuid?.() === 0;
const probe = (input: Partial<ProbeRequest> & Pick<ProbeRequest, 'technique'>) =>
  ProbeRequest.parse({ id: `p-${input.technique}`, host: '127.0.0.1', port: 1, timeoutMs: 1500, ...input });

test.serial(
  'icmp: the echo reply from the destination is reached; without a ping or raw socket, a capability denial',
  async (t) => {
    const observation = await runProbe(probe({ technique: 'icmp' }));
    const verdict = classify(observation);
    if (observation.outcome === 'connected') {
      t.is(observation.evidence.icmp?.type, 0);
      t.is(observation.evidence.icmp?.from, '127.0.0.1');
      t.is(verdict.shape, 'icmp-echo-reply');
      t.is(verdict.verdict, 'reached');
      t.like(verdict.answer, { kind: 'icmp-echo-reply', from: '127.0.0.1' });
      t.regex(verdict.answer ? describeAnswer(verdict.answer) : '', /^ICMP echo reply from 127\.0\.0\.1/);
    } else {
      t.false(isRoot, `root always has a raw ICMP socket: ${JSON.stringify(observation)}`);
      t.is(observation.outcome, 'prelude-failed');
      t.regex(observation.errno ?? '', /^(EPERM|EACCES)$/);
      t.is(verdict.layer, 'capability');
    }
  },
);

test.serial(
  'ip-protocol: a serve --ip-protocol listener answers with its identity; no listener, no answer',
  async (t) => {
    if (!isRoot) {
      const denied = await runProbe(probe({ technique: 'ip-protocol' }));
      t.is(denied.outcome, 'prelude-failed');
      t.is(classify(denied).layer, 'capability');
      await t.throwsAsync(serve({ ...noPorts, ipProtocol: [253] }), { message: /EPERM|not permitted/ });
      return;
    }
    const silent = await runProbe(probe({ technique: 'ip-protocol', ipProtocol: 254, timeoutMs: 300 }));
    t.is(silent.outcome, 'timeout');
    t.is(classify(silent).verdict, 'blocked');
    const server = await serve({ ...noPorts, ipProtocol: [253] });
    t.teardown(() => server.close());
    const observation = await runProbe(probe({ technique: 'ip-protocol', ipProtocol: 253 }));
    t.is(observation.outcome, 'connected', JSON.stringify(observation));
    t.is(observation.evidence.echo?.name, 'loopback-target');
    t.is(observation.evidence.echo?.kind, 'ip-protocol');
    t.is(observation.evidence.sourceSeen, '127.0.0.1');
    const verdict = classify(observation);
    t.is(verdict.shape, 'echo');
    t.is(verdict.verdict, 'reached');
  },
);

test.serial('sctp: without the kernel module an error (inconclusive), never a verdict', async (t) => {
  const observation = await runProbe(probe({ technique: 'sctp', port: 9 }));
  if (!existsSync('/proc/net/sctp') && observation.outcome === 'error') {
    t.is(observation.errno, 'EPROTONOSUPPORT');
    t.regex(observation.message ?? '', /no SCTP \(the sctp module is not loaded\)/);
    t.is(classify(observation).verdict, 'inconclusive');
    // The target keeps serving what the kernel can (a crashed target would leave every probe to it
    // inconclusive) and says what it cannot.
    const server = await serve({ ...noPorts, host: '127.0.0.1', tcp: [0], sctp: [9] });
    t.teardown(() => server.close());
    t.deepEqual(server.unavailable, ['sctp 9: this kernel has no SCTP (the sctp module is not loaded)']);
    return;
  }
  // The kernel speaks SCTP: nothing listens on 9 (an ABORT: refused), and the echo answers.
  t.is(observation.outcome, 'refused', JSON.stringify(observation));
  const server = await serve({ ...noPorts, host: '127.0.0.1', sctp: [9] });
  t.teardown(() => server.close());
  const answered = await runProbe(probe({ technique: 'sctp', port: 9 }));
  t.is(answered.evidence.echo?.kind, 'sctp');
  t.is(classify(answered).verdict, 'reached');
});

test('ProbeRequest: ipProtocol goes with ip-protocol only', (t) => {
  t.notThrows(() => probe({ technique: 'ip-protocol', ipProtocol: 253 }));
  t.throws(() => probe({ technique: 'icmp', ipProtocol: 253 }), {
    message: /ipProtocol goes with technique ip-protocol/,
  });
  t.throws(() => probe({ technique: 'ip-protocol', ipProtocol: 256 }));
});

const noPorts = {
  name: 'loopback-target',
  host: '0.0.0.0',
  tcp: [],
  http: [],
  udp: [],
  relay: [],
  dns: [],
  dnsAnswer: '127.0.0.1',
};
