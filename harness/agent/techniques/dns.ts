// dns: an A query over UDP to the resolver at host:port. `connected` means the resolver answered
// (whatever the rcode); the answer is the evidence.
import { randomInt } from 'node:crypto';
import type { Deadline } from '../deadline.ts';
import type { ProbeRequest } from '../protocol.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { decodeAnswer, encodeQuery } from './dns-wire.ts';
import { udpExchange } from './udp.ts';

export async function dnsProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const id = randomInt(1, 0xffff);
  const result = await udpExchange(probe.host, probe.port, encodeQuery(id, probe.dnsName ?? ''), deadline);
  if (!('answer' in result)) return result;
  const answer = decodeAnswer(result.answer);
  if (!answer || answer.id !== id)
    return {
      outcome: 'error',
      step: 'decode answer',
      message: 'the resolver sent something that is not our answer',
    };
  return { outcome: 'connected', evidence: { dns: { rcode: answer.rcode, answers: answer.answers } } };
}
