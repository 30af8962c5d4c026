// The so-mark prelude: the probe's own socket carries SO_MARK (0x539 by default, the mark ztunnel's
// sockets carry, which ambient's in-pod rules exempt: `-m mark ! --mark 0x539/0xfff -j REDIRECT`,
// istio/istio cni/pkg/iptables/iptables.go InpodMark = 1337). Node cannot set SO_MARK, so tcp, http and
// udp run through net-helper.py; the answers are read exactly as the Node techniques read them.
import type { Deadline } from '../deadline.ts';
import { evidenceFromEcho, parseEcho } from '../echo-evidence.ts';
import { runNetHelper } from '../net-helper.ts';
import { HttpRequestSpec } from '../protocol.ts';
import type { ProbeRequest } from '../protocol.ts';
import type { TechniqueResult } from '../technique-result.ts';
import { httpEvidence } from './http-evidence.ts';
import { udpPayload } from './udp.ts';

function httpRequestText(probe: ProbeRequest): string {
  const spec = probe.http ?? HttpRequestSpec.parse({});
  const headers = {
    host: `${probe.host}:${probe.port}`,
    'user-agent': 'gauntlet-agent',
    connection: 'close',
    ...(spec.headers ?? {}),
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${spec.method} ${spec.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Parses a raw HTTP/1.1 response (Connection: close, so the body runs to the end). */
export function parseHttpResponse(
  text: string,
): { status: number; server?: string; body: string } | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  if (!match) return undefined;
  const server = /^server:\s*(.*)$/im.exec(match[2] ?? '')?.[1]?.trim();
  let body = match[3] ?? '';
  if (/^transfer-encoding:\s*chunked/im.test(match[2] ?? '')) {
    let decoded = '';
    let rest = body;
    for (let guard = 0; guard < 1000; guard += 1) {
      const newline = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, newline), 16);
      if (!(size > 0)) break;
      decoded += rest.slice(newline + 2, newline + 2 + size);
      rest = rest.slice(newline + 2 + size + 2);
    }
    body = decoded;
  }
  return { status: Number(match[1]), ...(server ? { server } : {}), body };
}

export async function markedProbe(probe: ProbeRequest, deadline: Deadline): Promise<TechniqueResult> {
  const timeoutMs = Math.max(50, Math.floor(deadline.remaining()));
  const base = { id: probe.id, host: probe.host, port: probe.port, timeoutMs, mark: probe.mark };
  switch (probe.technique) {
    case 'tcp': {
      if (probe.application)
        return { outcome: 'error', step: 'so-mark', message: 'so-mark does not speak applications' };
      // Client first, as the tcp technique speaks (harness/agent/serve/tcp-echo.ts).
      const result = await runNetHelper(
        { ...base, op: 'mark-stream', send: `gauntlet-ping ${probe.id}\n`, until: 'line' },
        timeoutMs,
      );
      const { data, closed, ...rest } = result;
      if (result.outcome !== 'connected') return rest;
      if (closed && !data) return { ...rest, evidence: { closedAfterConnect: true } };
      const echo = parseEcho((data ?? '').split('\n')[0] ?? '');
      return {
        ...rest,
        evidence: echo ? evidenceFromEcho(echo) : { silent: !data, body: (data ?? '').slice(0, 200) },
      };
    }
    case 'http': {
      const result = await runNetHelper(
        { ...base, op: 'mark-stream', send: httpRequestText(probe) },
        timeoutMs,
      );
      const { data, closed, ...rest } = result;
      if (result.outcome !== 'connected') return rest;
      const response = parseHttpResponse(data ?? '');
      if (!response)
        return closed && !data
          ? { ...rest, evidence: { closedAfterConnect: true } }
          : { ...rest, outcome: 'error', step: 'parse response' };
      return {
        ...rest,
        outcome: 'http',
        status: response.status,
        ...(response.server ? { server: response.server } : {}),
        evidence: httpEvidence(response.body),
      };
    }
    case 'udp': {
      const result = await runNetHelper(
        { ...base, op: 'mark-datagram', send: udpPayload(probe.id) },
        timeoutMs,
      );
      const { data, closed: _closed, ...rest } = result;
      if (result.outcome !== 'connected') return rest;
      const echo = parseEcho(data ?? '');
      return { ...rest, evidence: echo ? evidenceFromEcho(echo) : { body: (data ?? '').slice(0, 200) } };
    }
    default:
      return {
        outcome: 'error',
        step: 'so-mark',
        message: `so-mark applies to tcp, http and udp, not ${probe.technique}`,
      };
  }
}
