// raw-syn, packet-syn and spoof-source: hand-built packets through net-helper.py (Node has no raw or
// packet sockets). A SYN-ACK counts as `connected`; its interface and TTL say who answered: `lo` means
// the pod's own netfilter redirected the SYN to a local proxy.
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import { runNetHelper } from '../net-helper.ts';
import type { ProbeRequest } from '../protocol.ts';
import type { TechniqueResult } from '../technique-result.ts';

export async function rawProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const timeoutMs = Math.max(50, Math.floor(deadline.remaining()));
  const base = { id: probe.id, host: probe.host, port: probe.port, timeoutMs };
  switch (probe.technique) {
    case 'raw-syn':
      return runNetHelper({ ...base, op: 'raw-syn' }, timeoutMs);
    case 'packet-syn':
      return runNetHelper({ ...base, op: 'packet-syn' }, timeoutMs);
    case 'spoof-source': {
      const spoof = probe.spoof ?? { source: '169.254.7.127', protocol: 'udp' as const };
      const result = await runNetHelper(
        { ...base, op: spoof.protocol === 'udp' ? 'spoof-udp' : 'spoof-tcp', spoof },
        timeoutMs,
      );
      const echo = result.evidence?.echo ? parseEcho(JSON.stringify(result.evidence.echo)) : undefined;
      return echo ? { ...result, evidence: evidenceFromEcho(echo) } : result;
    }
    default:
      return { outcome: 'error', step: 'technique', message: `${probe.technique} is not a raw technique` };
  }
}
