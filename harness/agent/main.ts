// The probe agent: the one program that runs inside probe pods (bundled to dist/agent.mjs, Node 18+,
// no node_modules; python3 for raw/packet/mark sockets).
//   node agent.mjs probe                 JSON batch on stdin, one observation line per probe on stdout
//   node agent.mjs serve --tcp 8080 --http 8081 --udp 5353 --relay 4789 --dns 53 [--sctp 9] [--ip-protocol 253] [--name N]
//   node agent.mjs forward ...           internal: the envoy-quitquitquit hijacker (as UID 1337)
//   node agent.mjs probe-one             internal: one probe from stdin (run-as-1337's child)
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { forward } from './forward.ts';
import { BatchError, ProbeRequest, parseBatch } from './protocol.ts';
import type { Observation } from './protocol.ts';
import { runBatch } from './run-batch.ts';
import { runProbe } from './run-probe.ts';
import { serve } from './serve/serve.ts';

const usage = `usage: agent.mjs probe < batch.json
       agent.mjs serve [--tcp PORT]... [--http PORT]... [--udp PORT]... [--relay PORT]... [--dns PORT]... [--sctp PORT]... [--ip-protocol N]... [--dns-answer IP] [--host IP] [--name NAME]`;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

function writeLine(observation: Observation): void {
  process.stdout.write(`${JSON.stringify(observation)}\n`);
}

function ports(values: string[] | undefined, flag: string): number[] {
  return (values ?? []).map((value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new BatchError(`--${flag} must be a port (1-65535), got "${value}"`);
    return port;
  });
}

function ipProtocols(values: string[] | undefined): number[] {
  return (values ?? []).map((value) => {
    const protocol = Number(value);
    if (!Number.isInteger(protocol) || protocol < 1 || protocol > 255)
      throw new BatchError(`--ip-protocol must be an IP protocol number (1-255), got "${value}"`);
    return protocol;
  });
}

/**
 * Resolves on SIGTERM or SIGINT. Signal handlers alone keep no Node process alive: a server with no
 * ports (an attacker or client pod runs `serve --name X` and nothing else) would exit at once and its
 * container would crash-loop. A referenced timer holds the event loop open until the signal comes.
 */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 60 * 60 * 1000);
    const stop = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGTERM', stop).off('SIGINT', stop);
      resolve(signal);
    };
    process.once('SIGTERM', stop).once('SIGINT', stop);
  });
}

async function main(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
  switch (mode) {
    case 'probe': {
      const batch = parseBatch(await readStdin());
      await runBatch(batch, runProbe, writeLine);
      return 0;
    }
    case 'probe-one': {
      const parsed = ProbeRequest.safeParse(JSON.parse(await readStdin()));
      if (!parsed.success) throw new BatchError(`invalid probe: ${parsed.error.issues[0]?.message ?? ''}`);
      writeLine(await runProbe(parsed.data));
      return 0;
    }
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          tcp: { type: 'string', multiple: true },
          http: { type: 'string', multiple: true },
          udp: { type: 'string', multiple: true },
          relay: { type: 'string', multiple: true },
          dns: { type: 'string', multiple: true },
          sctp: { type: 'string', multiple: true },
          'ip-protocol': { type: 'string', multiple: true },
          'dns-answer': { type: 'string' },
          host: { type: 'string' },
          name: { type: 'string' },
        },
      });
      const server = await serve({
        name: values.name ?? hostname(),
        host: values.host ?? '0.0.0.0',
        tcp: ports(values.tcp, 'tcp'),
        http: ports(values.http, 'http'),
        udp: ports(values.udp, 'udp'),
        relay: ports(values.relay, 'relay'),
        dns: ports(values.dns, 'dns'),
        dnsAnswer: values['dns-answer'] ?? '127.0.0.1',
        sctp: ports(values.sctp, 'sctp'),
        ipProtocol: ipProtocols(values['ip-protocol']),
      });
      // Said twice: in the line that reports serving, and on stderr, where the pod's logs show it.
      for (const line of server.unavailable) process.stderr.write(`agent serve: not serving ${line}\n`);
      process.stdout.write(
        `${JSON.stringify({ serving: true, pid: process.pid, ...(server.unavailable.length > 0 ? { unavailable: server.unavailable } : {}) })}\n`,
      );
      await waitForSignal();
      server.close();
      return 0;
    }
    case 'forward': {
      const { values } = parseArgs({
        args: rest,
        options: { listen: { type: 'string' }, to: { type: 'string' }, 'within-ms': { type: 'string' } },
      });
      const [host, port] = (values.to ?? '').split(':');
      await forward(
        Number(values.listen),
        { host: host ?? '', port: Number(port) },
        Number(values['within-ms'] ?? 3000),
      );
      return 0;
    }
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A malformed batch names the field; anything else is a bug, reported as one line.
    process.stderr.write(`agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
