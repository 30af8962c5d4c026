// The JSON a gauntlet server answers with: who it is and what it saw.
import type { EchoReport } from '../protocol.ts';

export function echoReport(
  service: EchoReport['service'],
  kind: EchoReport['kind'],
  name: string,
  peer: { address?: string | undefined; port?: number | undefined },
  local: { address?: string | undefined; port?: number | undefined },
  extra: Partial<EchoReport> = {},
): EchoReport {
  return {
    service,
    kind,
    name,
    peer: { address: (peer.address ?? '').replace(/^::ffff:/, ''), port: peer.port ?? 0 },
    local: { address: (local.address ?? '').replace(/^::ffff:/, ''), port: local.port ?? 0 },
    ...extra,
  };
}
