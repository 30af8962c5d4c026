// udp-tunnel: a TCP conversation with host:port carried inside UDP datagrams through a relay (serve
// --relay) that sits where the policy does not reach. The relay opening the TCP connection means the
// destination was reached; the conversation over the tunnel is the tcp probe's own (an echo exchange,
// or a PostgreSQL query with application postgres), so the evidence says what the attacker got.
import type { Deadline } from '../deadline.ts';
import type { ProbeRequest } from '../protocol.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { openTunnel } from '../tunnel-stream.ts';
import { converse } from './tcp.ts';

export async function udpTunnelProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const relay = probe.relay;
  if (!relay) return { outcome: 'error', step: 'relay', message: 'no relay given' };
  const opened = await openTunnel(relay, probe.host, probe.port, deadline);
  if (!('stream' in opened)) return opened;
  const result = await converse(opened.stream, opened.connectMs, probe, deadline);
  return { ...result, evidence: { ...result.evidence, relay } };
}
